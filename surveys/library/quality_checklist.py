"""Assistance-quality checklist for monitoring officers, one page per pillar of a National
Referral Mechanism as the OSCE/ODIHR handbook on NRMs sets them out: identification and
protection, individual support and access to services, social inclusion, and criminal justice
and redress.

Every standard is answered yes (2), partly (1), no (0) or not applicable (no score, so it does
not count). Scores are means of the applicable standards, times 50, so 100 means every
applicable standard was fully met.
"""

from __future__ import annotations

from surveys.library._common import choice, other_text, t
from surveys.schema import (
    Audience,
    ChoiceList,
    MatrixItem,
    Question,
    QuestionType,
    Score,
    ScoreMethod,
    Section,
    Survey,
    Text,
)

TITLE = t(uk="Контрольний перелік якості допомоги",
          ru="Контрольный перечень качества помощи",
          en="Assistance quality checklist")
SUMMARY = t(
    uk="Для моніторів: оцінка випадку за чотирма складовими національного механізму "
       "перенаправлення — виявлення і захист, індивідуальна підтримка, соціальна інтеграція, "
       "кримінальне правосуддя і відшкодування.",
    ru="Для мониторов: оценка случая по четырём составляющим национального механизма "
       "перенаправления — выявление и защита, индивидуальная поддержка, социальная интеграция, "
       "уголовное правосудие и возмещение.",
    en="For monitoring officers: a case review along the four pillars of a National Referral "
       "Mechanism — identification and protection, individual support, social inclusion, "
       "criminal justice and redress.")

# (section key, matrix key, score key, title, standards)
_Standard = tuple[str, str, str, str]  # key, uk, ru, en

PILLARS: list[tuple[str, str, str, Text, list[_Standard]]] = [
    ("identification", "pillar_identification", "identification_score",
     t(uk="1. Виявлення і захист", ru="1. Выявление и защита",
       en="1. Identification and protection"), [
        ("id_prompt",
         "Людину виявили вчасно, за визнаними ознаками торгівлі людьми.",
         "Человека выявили своевременно, с помощью общепринятых индикаторов торговли людьми.",
         "The person was identified promptly, using recognised indicators of trafficking."),
        ("id_rights_info",
         "Людині пояснили її права і можливості зрозумілою їй мовою.",
         "Человеку объяснили его права и возможности на понятном ему языке.",
         "The person was told about their rights and options in a language they understand."),
        ("id_reflection",
         "Людині надали час на відновлення й роздуми, без тиску співпрацювати з поліцією.",
         "Человеку дали время на восстановление и размышление, без давления сотрудничать с "
         "полицией.",
         "The person was given a recovery and reflection period, without pressure to cooperate "
         "with the police."),
        ("id_risk",
         "Ризики для безпеки людини оцінили і склали план безпеки.",
         "Риски для безопасности человека оценили и составили план безопасности.",
         "Risks to the person's safety were assessed and a safety plan was made."),
        ("id_urgent_needs",
         "Нагальні потреби (безпечне житло, медична допомога, їжа, одяг) задовольнили без "
         "затримки.",
         "Неотложные потребности (безопасное жильё, медицинская помощь, еда, одежда) "
         "удовлетворили без задержки.",
         "Urgent needs (safe accommodation, medical care, food, clothing) were met without "
         "delay."),
        ("id_non_punishment",
         "Людину не покарали і не затримали за правопорушення, до яких її змусили.",
         "Человека не наказали и не задержали за правонарушения, к которым его принудили.",
         "The person was not punished or detained for offences they were forced to commit."),
    ]),
    ("support", "pillar_support", "support_score",
     t(uk="2. Індивідуальна підтримка і доступ до послуг",
       ru="2. Индивидуальная поддержка и доступ к услугам",
       en="2. Individual support and access to services"), [
        ("sup_consent",
         "Перед кожним перенаправленням і передачею персональних даних отримали усвідомлену "
         "згоду людини.",
         "Перед каждым перенаправлением и передачей персональных данных получили осознанное "
         "согласие человека.",
         "Informed consent was obtained before each referral and before personal data were "
         "shared."),
        ("sup_plan",
         "Індивідуальний план допомоги склали разом із людиною.",
         "Индивидуальный план помощи составили вместе с человеком.",
         "An individual assistance plan was made together with the person."),
        ("sup_status",
         "Людині допомогли звернутися за статусом особи, яка постраждала від торгівлі людьми, "
         "якщо вона цього хотіла.",
         "Человеку помогли обратиться за статусом лица, пострадавшего от торговли людьми, если "
         "он этого хотел.",
         "The person was helped to apply for the status of a person affected by trafficking, "
         "if they wished."),
        ("sup_delivered",
         "Послуги з плану справді надали (житло, медична, психологічна, правова допомога).",
         "Услуги из плана действительно оказали (жильё, медицинская, психологическая, правовая "
         "помощь).",
         "The services in the plan were actually delivered (accommodation, medical, "
         "psychological, legal)."),
        ("sup_confidential",
         "Справу ведуть конфіденційно, записи зберігають у безпечний спосіб.",
         "Дело ведут конфиденциально, записи хранят безопасным образом.",
         "The case is handled confidentially and records are kept securely."),
        ("sup_coordination",
         "Усі залучені служби узгоджували свої дії (зустрічі щодо випадку, відстеження "
         "перенаправлень).",
         "Все вовлечённые службы согласовывали свои действия (встречи по случаю, отслеживание "
         "перенаправлений).",
         "The services involved coordinated their work (case meetings, referrals followed up)."),
    ]),
    ("inclusion", "pillar_inclusion", "inclusion_score",
     t(uk="3. Соціальна інтеграція", ru="3. Социальная интеграция",
       en="3. Social inclusion"), [
        ("inc_housing",
         "Людині допомогли знайти стабільне і безпечне житло.",
         "Человеку помогли найти стабильное и безопасное жильё.",
         "The person was helped to find stable, safe housing."),
        ("inc_work",
         "Людині запропонували допомогу з пошуком роботи, професійне навчання або освіту.",
         "Человеку предложили помощь в поиске работы, профессиональное обучение или "
         "образование.",
         "The person was offered help to find work, vocational training or education."),
        ("inc_documents",
         "Людині допомогли відновити документи й отримати соціальні виплати.",
         "Человеку помогли восстановить документы и получить социальные выплаты.",
         "The person was helped to restore identity documents and to access social benefits."),
        ("inc_family",
         "Повернення до родини чи громади підтримали там, де це безпечно і бажано для людини.",
         "Возвращение в семью или общину поддержали там, где это безопасно и желательно для "
         "человека.",
         "Return to family or community was supported where it was safe and the person "
         "wanted it."),
        ("inc_followup",
         "Після завершення активної допомоги з людиною підтримували зв'язок, щоб дізнатися, "
         "як у неї справи.",
         "После окончания активной помощи с человеком поддерживали связь, чтобы узнать, как у "
         "него дела.",
         "Contact was kept after active assistance ended, to check how the person is doing."),
    ]),
    ("justice", "pillar_justice", "justice_score",
     t(uk="4. Кримінальне правосуддя і відшкодування",
       ru="4. Уголовное правосудие и возмещение",
       en="4. Criminal justice and redress"), [
        ("jus_informed",
         "Людину поінформували про кримінальне провадження та її права в ньому.",
         "Человека проинформировали об уголовном производстве и его правах в нём.",
         "The person was informed about criminal proceedings and their rights in them."),
        ("jus_voluntary",
         "Участь у провадженні була вільним вибором людини, і допомога від неї не залежала.",
         "Участие в производстве было свободным выбором человека, и помощь от него не "
         "зависела.",
         "Taking part in proceedings was the person's free choice, and assistance did not "
         "depend on it."),
        ("jus_legal_aid",
         "Людині запропонували безоплатну правову допомогу (адвоката або юриста).",
         "Человеку предложили бесплатную правовую помощь (адвоката или юриста).",
         "Free legal aid (a lawyer or legal adviser) was offered."),
        ("jus_protection",
         "Під час провадження людину захищали від залякування і повторної травматизації "
         "(наприклад, без очних ставок із кривдником).",
         "Во время производства человека защищали от запугивания и повторной травматизации "
         "(например, без очных ставок с преступником).",
         "During proceedings the person was protected from intimidation and "
         "re-traumatisation (for example, no face-to-face confrontation with the offender)."),
        ("jus_compensation",
         "Людину поінформували про право на відшкодування шкоди і допомогли його вимагати.",
         "Человека проинформировали о праве на возмещение вреда и помогли его требовать.",
         "The person was informed about compensation and helped to claim it."),
    ]),
]

_MATRIX_LABEL = t(
    uk="Чи виконано кожен стандарт у цьому випадку?",
    ru="Выполнен ли каждый стандарт в этом случае?",
    en="Was each standard met in this case?")
_MATRIX_HINT = t(
    uk="Так — повністю; Частково — не повністю або із запізненням; Ні — не виконано; "
       "Не застосовується — стандарт не стосується цього випадку.",
    ru="Да — полностью; Частично — не полностью или с опозданием; Нет — не выполнен; "
       "Неприменимо — стандарт не относится к этому случаю.",
    en="Yes: fully met. Partly: met in part or late. No: not met. Not applicable: the standard "
       "does not apply to this case.")


def build() -> Survey:
    """The quality checklist, freshly built."""
    sections = [_review()]
    scores = []
    all_items: list[str] = []
    for section_key, matrix_key, score_key, title, standards in PILLARS:
        sections.append(_pillar(section_key, matrix_key, title, standards))
        items = [key for key, *_ in standards]
        all_items += items
        scores.append(Score(
            key=score_key,
            label={lang: f"{title[lang][3:]} (0–100)" for lang in title},
            items=items, method=ScoreMethod.mean, multiplier=50, min_items=2))
    scores.append(Score(
        key="quality_score",
        label=t(uk="Загальна якість допомоги (0–100)", ru="Общее качество помощи (0–100)",
                en="Overall quality of assistance (0–100)"),
        items=all_items, method=ScoreMethod.mean, multiplier=50, min_items=8))
    return Survey(
        title=dict(TITLE),
        audience=Audience.officer,
        description=t(
            uk="Оцініть один випадок допомоги за стандартами чотирьох складових національного "
               "механізму перенаправлення. Не вносьте імен та інших даних, за якими можна "
               "впізнати людину.",
            ru="Оцените один случай помощи по стандартам четырёх составляющих национального "
               "механизма перенаправления. Не вносите имён и других данных, по которым можно "
               "узнать человека.",
            en="Review one case of assistance against the standards of the four pillars of the "
               "National Referral Mechanism. Do not enter names or anything else that could "
               "identify the person."),
        sections=sections,
        choice_lists={cl.name: cl for cl in [_met_list(), _sources_list()]},
        scores=scores,
    )


def _review() -> Section:
    return Section(
        key="review", title=t(uk="Про перевірку", ru="О проверке", en="About the review"),
        questions=[
            Question(
                key="review_date", type=QuestionType.date, required=True,
                label=t(uk="Дата перевірки", ru="Дата проверки", en="Date of the review")),
            Question(
                key="review_sources", type=QuestionType.select_multiple, choices="sources",
                label=t(uk="На чому ґрунтується оцінка?", ru="На чём основана оценка?",
                        en="What is the review based on?"),
                hint=t(uk="Можна обрати кілька відповідей.",
                       ru="Можно выбрать несколько ответов.",
                       en="You can choose more than one answer.")),
            other_text("review_sources_other", "selected(${review_sources}, 'other')"),
        ])


def _pillar(section_key: str, matrix_key: str, title: Text,
            standards: list[_Standard]) -> Section:
    prefix = standards[0][0].split("_", 1)[0]
    return Section(
        key=section_key, title=dict(title),
        questions=[
            Question(
                key=matrix_key, type=QuestionType.matrix, choices="met", required=True,
                label=dict(_MATRIX_LABEL), hint=dict(_MATRIX_HINT),
                items=[MatrixItem(key, t(uk=uk, ru=ru, en=en))
                       for key, uk, ru, en in standards]),
            Question(
                key=f"{prefix}_comment", type=QuestionType.long_text,
                label=t(uk="Коментар (необов'язково)", ru="Комментарий (необязательно)",
                        en="Comment (optional)"),
                hint=t(uk="Що вдалося, чого бракувало, що варто змінити.",
                       ru="Что получилось, чего не хватало, что стоит изменить.",
                       en="What worked, what was missing, what should change.")),
        ])


def _met_list() -> ChoiceList:
    return ChoiceList("met", [
        choice("yes", 2, uk="Так", ru="Да", en="Yes"),
        choice("partly", 1, uk="Частково", ru="Частично", en="Partly"),
        choice("no", 0, uk="Ні", ru="Нет", en="No"),
        choice("not_applicable", None, uk="Не застосовується", ru="Неприменимо",
               en="Not applicable"),
    ])


def _sources_list() -> ChoiceList:
    return ChoiceList("sources", [
        choice("case_file", uk="Документи справи", ru="Документы дела", en="The case file"),
        choice("provider_interview", uk="Розмова з фахівцем", ru="Беседа со специалистом",
               en="Interview with the provider"),
        choice("person_interview", uk="Розмова з людиною, яка отримала допомогу",
               ru="Беседа с человеком, получившим помощь",
               en="Interview with the assisted person"),
        choice("observation", uk="Спостереження", ru="Наблюдение", en="Observation"),
        choice("other", uk="Інше", ru="Другое", en="Other"),
    ])
