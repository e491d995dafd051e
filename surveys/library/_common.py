"""Pieces the library's instruments share: a text helper, common choice lists and notes.

Every text is written in Ukrainian, Russian and English, addressed to the reader with the
polite "ви"/"вы" and kept short, because most respondents answer on a phone.
"""

from __future__ import annotations

from surveys.schema import Choice, ChoiceList, Question, QuestionType, Text


def t(*, uk: str, ru: str, en: str) -> Text:
    """A text in the three languages of the library."""
    return {"uk": uk, "ru": ru, "en": en}


def choice(value: str, score: float | None = None, *, uk: str, ru: str, en: str) -> Choice:
    return Choice(value=value, label=t(uk=uk, ru=ru, en=en), score=score)


CONSENT_KEY = "consent_given"
"""The consent question's key (``consent`` itself is reserved by the respondent form)."""
CONSENTED = f"${{{CONSENT_KEY}}} = 'yes'"


def consent_question() -> Question:
    return Question(
        key=CONSENT_KEY, type=QuestionType.yes_no, required=True,
        label=t(uk="Чи погоджуєтеся ви взяти участь в опитуванні?",
                ru="Вы согласны принять участие в опросе?",
                en="Do you agree to take part in this survey?"),
        hint=t(uk="Якщо ви оберете «Ні», опитування на цьому завершиться. Дякуємо!",
               ru="Если вы выберете «Нет», опрос на этом закончится. Спасибо!",
               en="If you choose 'No', the survey ends here. Thank you."),
    )


def other_text(key: str, relevant: str) -> Question:
    """The free-text "please say what" that follows an answer "Other"."""
    return Question(
        key=key, type=QuestionType.text, relevant=relevant,
        label=t(uk="Коротко опишіть, будь ласка.",
                ru="Коротко опишите, пожалуйста.",
                en="Please describe briefly."))


def exclusive(value: str) -> tuple[str, Text]:
    """A constraint (and its message) that keeps ``value`` of a select_multiple on its own."""
    return (f"not(selected(., '{value}') and count-selected(.) > 1)",
            t(uk="Цю відповідь не можна поєднувати з іншими.",
              ru="Этот ответ нельзя сочетать с другими.",
              en="This answer cannot be combined with the others."))


def yes_no_prefer_not() -> ChoiceList:
    """Yes / no / prefer not to say, for sensitive questions."""
    return ChoiceList("yes_no_prefer_not", [
        choice("yes", uk="Так", ru="Да", en="Yes"),
        choice("no", uk="Ні", ru="Нет", en="No"),
        choice("prefer_not", uk="Не хочу відповідати", ru="Не хочу отвечать",
               en="I prefer not to say"),
    ])


def agree5() -> ChoiceList:
    """A five-point agreement scale, strongly disagree (1) to strongly agree (5)."""
    return ChoiceList("agree5", [
        choice("strongly_disagree", 1, uk="Зовсім не погоджуюся",
               ru="Совершенно не согласен(-на)", en="Strongly disagree"),
        choice("disagree", 2, uk="Не погоджуюся", ru="Не согласен(-на)", en="Disagree"),
        choice("neutral", 3, uk="Частково так, частково ні",
               ru="Отчасти да, отчасти нет",
               en="Neither agree nor disagree"),
        choice("agree", 4, uk="Погоджуюся", ru="Согласен(-на)", en="Agree"),
        choice("strongly_agree", 5, uk="Повністю погоджуюся", ru="Полностью согласен(-на)",
               en="Strongly agree"),
    ])


HOTLINES = t(
    uk="Ви можете зателефонувати:\n"
       "• 527 — Національна гаряча лінія з протидії торгівлі людьми;\n"
       "• 0 800 500 335 або 116 123 — гаряча лінія «Ла Страда-Україна».\n"
       "Дзвінки в Україні безкоштовні. Якщо вам загрожує небезпека зараз, телефонуйте 102 "
       "(поліція) або 112.",
    ru="Вы можете позвонить:\n"
       "• 527 — Национальная горячая линия по противодействию торговле людьми;\n"
       "• 0 800 500 335 или 116 123 — горячая линия «Ла Страда-Украина».\n"
       "Звонки по Украине бесплатные. Если вам угрожает опасность прямо сейчас, звоните 102 "
       "(полиция) или 112.",
    en="You can call:\n"
       "• 527 — the national hotline on countering human trafficking;\n"
       "• 0 800 500 335 or 116 123 — the La Strada-Ukraine hotline.\n"
       "Calls within Ukraine are free. If you are in danger right now, call 102 (police) "
       "or 112.",
)


def joined(first: Text, second: Text, separator: str = "\n\n") -> Text:
    """Two texts one after the other, language by language."""
    return {lang: first[lang] + separator + second[lang] for lang in first}
