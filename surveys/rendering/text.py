"""Interface text of a survey page: the words around the questions (Next, Back, messages) in the
respondent's language, and which of a survey's languages a page is drawn in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from surveys.schema import (
    LANGUAGES,
    Survey,
)

#: Interface strings per language. The next step moves them to Flask-Babel catalogues.
UI: dict[str, dict[str, str]] = {
    "en": {
        "next": "Next",
        "back": "Back",
        "finish": "Finish",
        "required": "This question needs an answer.",
        "required_word": "required",
        "not_integer": "Enter a whole number.",
        "not_number": "Enter a number.",
        "not_date": "Enter a valid date.",
        "too_many_digits": "Enter a number with at most {digits} digits.",
        "range": "Enter a number from {minimum} to {maximum}.",
        "at_least": "Enter a number of at least {minimum}.",
        "at_most": "Enter a number of at most {maximum}.",
        "not_choice": "Choose one of the options.",
        "constraint": "This answer is not accepted. Please check it.",
        "too_long": "The answer is too long (at most {maximum} characters).",
        "error_summary": "Please check your answers",
        "page_of": "Page {page} of {pages}",
        "yes": "Yes",
        "no": "No",
        "choose": "Choose…",
        "preview": "Preview — answers are not saved",
        "end_title": "Thank you!",
        "end_text": "You have answered all the questions.",
        "revealed": "New questions have appeared, based on your answers. Please answer them too.",
        "language": "Language",
        "start_again": "Start again",
    },
    "uk": {
        "next": "Далі",
        "back": "Назад",
        "finish": "Завершити",
        "required": "Це запитання потребує відповіді.",
        "required_word": "обов'язкове",
        "not_integer": "Введіть ціле число.",
        "not_number": "Введіть число.",
        "not_date": "Введіть правильну дату.",
        "too_many_digits": "Введіть число, що має не більше {digits} цифр.",
        "range": "Введіть число від {minimum} до {maximum}.",
        "at_least": "Введіть число, не менше ніж {minimum}.",
        "at_most": "Введіть число, не більше ніж {maximum}.",
        "not_choice": "Оберіть один із варіантів.",
        "constraint": "Ця відповідь не приймається. Перевірте її, будь ласка.",
        "too_long": "Відповідь задовга (не більше {maximum} символів).",
        "error_summary": "Перевірте, будь ласка, відповіді",
        "page_of": "Сторінка {page} з {pages}",
        "yes": "Так",
        "no": "Ні",
        "choose": "Оберіть…",
        "preview": "Попередній перегляд — відповіді не зберігаються",
        "end_title": "Дякуємо!",
        "end_text": "Ви відповіли на всі запитання.",
        "revealed": "Залежно від ваших відповідей з'явилися нові запитання. Дайте, будь ласка, "
                    "відповідь і на них.",
        "language": "Мова",
        "start_again": "Почати знову",
    },
    "ru": {
        "next": "Далее",
        "back": "Назад",
        "finish": "Завершить",
        "required": "Этот вопрос требует ответа.",
        "required_word": "обязательный",
        "not_integer": "Введите целое число.",
        "not_number": "Введите число.",
        "not_date": "Введите правильную дату.",
        "too_many_digits": "Введите число, в котором не больше {digits} цифр.",
        "range": "Введите число от {minimum} до {maximum}.",
        "at_least": "Введите число не меньше {minimum}.",
        "at_most": "Введите число не больше {maximum}.",
        "not_choice": "Выберите один из вариантов.",
        "constraint": "Этот ответ не принимается. Проверьте его, пожалуйста.",
        "too_long": "Ответ слишком длинный (не более {maximum} символов).",
        "error_summary": "Проверьте, пожалуйста, ответы",
        "page_of": "Страница {page} из {pages}",
        "yes": "Да",
        "no": "Нет",
        "choose": "Выберите…",
        "preview": "Предварительный просмотр — ответы не сохраняются",
        "end_title": "Спасибо!",
        "end_text": "Вы ответили на все вопросы.",
        "revealed": "В зависимости от ваших ответов появились новые вопросы. Ответьте, "
                    "пожалуйста, и на них.",
        "language": "Язык",
        "start_again": "Начать заново",
    },
}



def ui(language: str, name: str, **values: Any) -> str:
    """The interface string ``name`` in ``language`` (English when unknown)."""
    text = UI.get(language, UI["en"]).get(name) or UI["en"][name]
    return text.format(**values) if values else text


def pick_language(survey: Survey, requested: str | None) -> str:
    """``requested`` when the survey offers it, else its default language."""
    if requested in survey.languages:
        return requested  # type: ignore[return-value]
    return survey.default_language if survey.default_language in LANGUAGES else "en"


def languages_of(survey: Survey) -> Iterable[str]:
    return [lang for lang in LANGUAGES if lang in survey.languages]
