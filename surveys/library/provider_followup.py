"""Follow-up of a service provider: training attended and the reaction to it (Kirkpatrick
level 1), a short knowledge check on identification and referral, identification and referral
practice, and caseload.

Each knowledge question has exactly one correct option, scored 1; the other options, "I don't
know" included, score 0.
"""

from __future__ import annotations

from surveys.library._common import (
    CONSENTED,
    agree5,
    choice,
    consent_question,
    exclusive,
    other_text,
    t,
)
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

TITLE = t(uk="Повторне опитування фахівців: навчання і практика",
          ru="Повторный опрос специалистов: обучение и практика",
          en="Follow-up survey for professionals: training and practice")
SUMMARY = t(
    uk="Для фахівців, які допомагають постраждалим: пройдене навчання та його оцінка, короткий "
       "тест знань, виявлення і перенаправлення, навантаження.",
    ru="Для специалистов, которые помогают пострадавшим: пройденное обучение и его оценка, "
       "короткий тест знаний, выявление и перенаправление, нагрузка.",
    en="For professionals who assist survivors: training attended and how it was received, a "
       "short knowledge check, identification and referral, caseload.")

REACTION_ITEMS = ["reaction_useful", "reaction_clear", "reaction_trainers",
                  "reaction_recommend"]
_TRAINED = "${trained} = 'yes'"


def build() -> Survey:
    """The provider follow-up survey, freshly built."""
    knowledge = _knowledge_questions()
    knowledge_keys = [q.key for q, _ in knowledge]
    return Survey(
        title=dict(TITLE),
        audience=Audience.provider,
        description=t(
            uk="Опитування для фахівців, які працюють з людьми, що постраждали від торгівлі "
               "людьми. Це займе близько 10 хвилин.",
            ru="Опрос для специалистов, которые работают с людьми, пострадавшими от торговли "
               "людьми. Это займёт около 10 минут.",
            en="A survey for professionals who work with people affected by human trafficking. "
               "It takes about 10 minutes."),
        sections=[_about(), _training(), _reaction(), _knowledge(knowledge), _practice(),
                  _caseload()],
        choice_lists={cl.name: cl for cl in [
            _modules_list(), agree5(), _first_action_list(), _barriers_list(),
            *(cl for _, cl in knowledge)]},
        scores=[
            Score(key="training_reaction",
                  label=t(uk="Оцінка навчання (середнє, 1–5)",
                          ru="Оценка обучения (среднее, 1–5)",
                          en="Reaction to the training (mean, 1–5)"),
                  items=list(REACTION_ITEMS), method=ScoreMethod.mean, min_items=3),
            Score(key="knowledge_score",
                  label=t(uk=f"Знання: правильні відповіді (0–{len(knowledge_keys)})",
                          ru=f"Знания: правильные ответы (0–{len(knowledge_keys)})",
                          en=f"Knowledge: correct answers (0–{len(knowledge_keys)})"),
                  items=list(knowledge_keys), method=ScoreMethod.sum),
            Score(key="knowledge_pct",
                  label=t(uk="Знання: відсоток правильних відповідей (0–100)",
                          ru="Знания: процент правильных ответов (0–100)",
                          en="Knowledge: percentage of correct answers (0–100)"),
                  items=list(knowledge_keys), method=ScoreMethod.sum,
                  multiplier=100 / len(knowledge_keys)),
        ],
    )


# --- pages ---------------------------------------------------------------------------------

def _about() -> Section:
    return Section(
        key="about", title=t(uk="Про опитування", ru="Об опросе", en="About this survey"),
        questions=[
            Question(key="intro", type=QuestionType.note, label=t(
                uk="Ми вивчаємо, як навчання фахівців впливає на допомогу людям, які постраждали "
                   "від торгівлі людьми.\n\n"
                   "Участь добровільна. Ви можете пропустити будь-яке питання і повернутися "
                   "пізніше. Відповіді конфіденційні: ми показуємо лише узагальнені результати, "
                   "ніколи — відповіді окремої людини чи установи. Вони не використовуються для "
                   "оцінювання вашої роботи.\n\n"
                   "Будь ласка, не пишіть імен клієнтів чи іншої інформації, за якою їх можна "
                   "впізнати.",
                ru="Мы изучаем, как обучение специалистов влияет на помощь людям, пострадавшим "
                   "от торговли людьми.\n\n"
                   "Участие добровольное. Вы можете пропустить любой вопрос и вернуться позже. "
                   "Ответы конфиденциальны: мы показываем только обобщённые результаты, никогда — "
                   "ответы отдельного человека или учреждения. Они не используются для оценки "
                   "вашей работы.\n\n"
                   "Пожалуйста, не пишите имён клиентов или других сведений, по которым их можно "
                   "узнать.",
                en="We are studying how training professionals changes the help that people "
                   "affected by human trafficking receive.\n\n"
                   "Taking part is voluntary. You can skip any question and come back later. "
                   "Your answers are confidential: we only show combined results, never the "
                   "answers of one person or one organisation. They are not used to assess your "
                   "work.\n\n"
                   "Please do not write clients' names or anything else that could identify "
                   "them.")),
            consent_question(),
        ])


def _training() -> Section:
    return Section(
        key="training", relevant=CONSENTED,
        title=t(uk="Навчання", ru="Обучение", en="Training"),
        questions=[
            Question(
                key="trained", type=QuestionType.yes_no,
                label=t(uk="За останні 12 місяців чи проходили ви навчання з протидії торгівлі "
                           "людьми або з національного механізму перенаправлення?",
                        ru="За последние 12 месяцев проходили ли вы обучение по противодействию "
                           "торговле людьми или по национальному механизму перенаправления?",
                        en="In the last 12 months, have you attended any training on countering "
                           "human trafficking or on the National Referral Mechanism?")),
            Question(
                key="trainings_count", type=QuestionType.integer, minimum=1, maximum=50,
                relevant=_TRAINED,
                label=t(uk="Скільки таких навчань ви пройшли за останні 12 місяців?",
                        ru="Сколько таких обучений вы прошли за последние 12 месяцев?",
                        en="How many such trainings have you attended in the last 12 months?"),
                hint=t(uk="Рахуйте кожен курс або семінар окремо.",
                       ru="Считайте каждый курс или семинар отдельно.",
                       en="Count each course or workshop once.")),
            Question(
                key="training_modules", type=QuestionType.select_multiple, choices="modules",
                relevant=_TRAINED,
                label=t(uk="Які теми охоплювало навчання?",
                        ru="Какие темы охватывало обучение?",
                        en="Which topics did the training cover?"),
                hint=t(uk="Можна обрати кілька відповідей.",
                       ru="Можно выбрать несколько ответов.",
                       en="You can choose more than one answer.")),
            other_text("training_modules_other", "selected(${training_modules}, 'other')"),
        ])


def _reaction() -> Section:
    def item(key: str, uk: str, ru: str, en: str) -> MatrixItem:
        return MatrixItem(key, t(uk=uk, ru=ru, en=en))

    return Section(
        key="training_view", relevant=f"{CONSENTED} and {_TRAINED}",
        title=t(uk="Ваша оцінка навчання", ru="Ваша оценка обучения",
                en="Your view of the training"),
        questions=[Question(
            key="reaction", type=QuestionType.matrix, choices="agree5",
            label=t(uk="Подумайте про останнє навчання. Наскільки ви погоджуєтеся з такими "
                       "твердженнями?",
                    ru="Вспомните последнее обучение. Насколько вы согласны со следующими "
                       "утверждениями?",
                    en="Think of the most recent training. How much do you agree with these "
                       "statements?"),
            items=[
                item("reaction_useful", "Навчання корисне для моєї роботи.",
                     "Обучение полезно для моей работы.", "The training is useful for my work."),
                item("reaction_clear", "Зміст навчання був зрозумілим.",
                     "Содержание обучения было понятным.", "The content was clear."),
                item("reaction_trainers", "Тренери були компетентними.",
                     "Тренеры были компетентными.", "The trainers were competent."),
                item("reaction_recommend", "Я порекомендую це навчання колегам.",
                     "Я порекомендую это обучение коллегам.",
                     "I would recommend this training to colleagues."),
            ])])


def _knowledge(knowledge: list[tuple[Question, ChoiceList]]) -> Section:
    return Section(
        key="knowledge", relevant=CONSENTED,
        title=t(uk="Короткий тест знань", ru="Короткий тест знаний", en="Short knowledge check"),
        questions=[
            Question(key="knowledge_note", type=QuestionType.note, label=t(
                uk="Кілька питань про виявлення постраждалих і перенаправлення. Це не іспит: "
                   "відповіді допомагають покращити навчання. Оберіть одну відповідь. Якщо не "
                   "впевнені, оберіть «Не знаю».",
                ru="Несколько вопросов о выявлении пострадавших и перенаправлении. Это не "
                   "экзамен: ответы помогают улучшить обучение. Выберите один ответ. Если не "
                   "уверены, выберите «Не знаю».",
                en="A few questions about identifying survivors and referral. This is not an "
                   "exam: the answers help us improve the training. Choose one answer. If you "
                   "are not sure, choose 'I don't know'.")),
            *(q for q, _ in knowledge),
        ])


def _practice() -> Section:
    not_more = t(uk="Це число не може бути більшим за кількість виявлених людей.",
                 ru="Это число не может быть больше количества выявленных людей.",
                 en="This cannot be more than the number of people you identified.")
    return Section(
        key="practice", relevant=CONSENTED,
        title=t(uk="Виявлення і перенаправлення", ru="Выявление и перенаправление",
                en="Identification and referral"),
        questions=[
            Question(
                key="identified", type=QuestionType.integer, minimum=0, maximum=1000,
                label=t(uk="Скількох людей, які могли постраждати від торгівлі людьми, ви "
                           "виявили за останні 6 місяців?",
                        ru="Скольких людей, которые могли пострадать от торговли людьми, вы "
                           "выявили за последние 6 месяцев?",
                        en="In the last 6 months, how many people did you identify as possible "
                           "victims of trafficking?"),
                hint=t(uk="Приблизно. Якщо нікого, напишіть 0.",
                       ru="Примерно. Если никого, напишите 0.",
                       en="An estimate is fine. Write 0 if none.")),
            Question(
                key="referred", type=QuestionType.integer, minimum=0, maximum=1000,
                relevant="${identified} > 0",
                constraint=". <= ${identified}", constraint_message=not_more,
                label=t(uk="Скількох із них ви перенаправили в межах національного механізму "
                           "перенаправлення?",
                        ru="Скольких из них вы перенаправили в рамках национального механизма "
                           "перенаправления?",
                        en="How many of them did you refer through the National Referral "
                           "Mechanism?")),
            Question(
                key="first_action", type=QuestionType.select_one, choices="first_action",
                label=t(uk="Що ви зазвичай робите насамперед, коли підозрюєте, що людина "
                           "постраждала від торгівлі людьми?",
                        ru="Что вы обычно делаете в первую очередь, когда подозреваете, что "
                           "человек пострадал от торговли людьми?",
                        en="When you suspect that someone is a victim of trafficking, what do "
                           "you usually do first?")),
            other_text("first_action_other", "${first_action} = 'other'"),
            Question(
                key="barriers", type=QuestionType.select_multiple, choices="barriers",
                label=t(uk="Що ускладнює виявлення і перенаправлення у вашій роботі?",
                        ru="Что затрудняет выявление и перенаправление в вашей работе?",
                        en="What makes identification and referral difficult in your work?"),
                hint=t(uk="Можна обрати кілька відповідей.",
                       ru="Можно выбрать несколько ответов.",
                       en="You can choose more than one answer."),
                constraint=exclusive("no_barriers")[0],
                constraint_message=exclusive("no_barriers")[1]),
            other_text("barriers_other", "selected(${barriers}, 'other')"),
        ])


def _caseload() -> Section:
    return Section(
        key="caseload_section", relevant=CONSENTED,
        title=t(uk="Ваші клієнти", ru="Ваши клиенты", en="Your caseload"),
        questions=[
            Question(
                key="caseload", type=QuestionType.integer, minimum=0, maximum=1000,
                label=t(uk="Зі скількома клієнтами ви працюєте зараз?",
                        ru="Со сколькими клиентами вы работаете сейчас?",
                        en="How many clients do you work with at present?"),
                hint=t(uk="Рахуйте людей, яких ви особисто супроводжуєте зараз.",
                       ru="Считайте людей, которых вы лично сопровождаете сейчас.",
                       en="Count the people you personally support now.")),
            Question(
                key="caseload_survivors", type=QuestionType.integer, minimum=0, maximum=1000,
                relevant="${caseload} > 0",
                constraint=". <= ${caseload}",
                constraint_message=t(
                    uk="Це число не може бути більшим за загальну кількість клієнтів.",
                    ru="Это число не может быть больше общего количества клиентов.",
                    en="This cannot be more than your total number of clients."),
                label=t(uk="Скільки з них постраждали від торгівлі людьми?",
                        ru="Сколько из них пострадали от торговли людьми?",
                        en="Of them, how many are people affected by trafficking?")),
            Question(
                key="comments", type=QuestionType.long_text,
                label=t(uk="Що ще ви хотіли б нам сказати?",
                        ru="Что ещё вы хотели бы нам сказать?",
                        en="Is there anything else you would like to tell us?"),
                hint=t(uk="Необов'язково. Будь ласка, не пишіть імен клієнтів.",
                       ru="Необязательно. Пожалуйста, не пишите имён клиентов.",
                       en="Optional. Please do not write clients' names.")),
        ])


# --- the knowledge check -------------------------------------------------------------------

def _knowledge_question(key: str, label: Text, options: list[tuple[str, bool, Text]]
                        ) -> tuple[Question, ChoiceList]:
    """A question with its own list: the correct option scores 1, every other one 0."""
    choices = [choice(value, 1 if correct else 0, **text) for value, correct, text in options]
    choices.append(choice("dont_know", 0, uk="Не знаю", ru="Не знаю", en="I don't know"))
    question = Question(key=key, type=QuestionType.select_one, choices=key, label=label,
                        required=True)
    return question, ChoiceList(key, choices)


def _knowledge_questions() -> list[tuple[Question, ChoiceList]]:
    return [
        _knowledge_question("know_consent", t(
            uk="Доросла людина погодилася поїхати на роботу, а потім її експлуатували. Чи може "
               "вона бути постраждалою від торгівлі людьми?",
            ru="Взрослый человек согласился поехать на работу, а потом его эксплуатировали. "
               "Может ли он быть пострадавшим от торговли людьми?",
            en="An adult agreed to travel for a job and was then exploited. Can this person be "
               "a victim of trafficking?"), [
            ("no_agreed", False, t(uk="Ні, бо людина погодилася сама",
                                   ru="Нет, потому что человек сам согласился",
                                   en="No, because the person agreed")),
            ("yes_deceived", True, t(
                uk="Так: згода не має значення, якщо людину обманули або використали її "
                   "вразливість",
                ru="Да: согласие не имеет значения, если человека обманули или использовали его "
                   "уязвимость",
                en="Yes: consent does not matter if the person was deceived or their "
                   "vulnerability was abused")),
            ("only_force", False, t(uk="Лише якщо її вивезли силою",
                                    ru="Только если его вывезли силой",
                                    en="Only if the person was taken by force")),
        ]),
        _knowledge_question("know_border", t(
            uk="Чи обов'язково для торгівлі людьми перетинати державний кордон?",
            ru="Обязательно ли для торговли людьми пересекать государственную границу?",
            en="Does human trafficking always involve crossing a national border?"), [
            ("yes_always", False, t(uk="Так, завжди", ru="Да, всегда", en="Yes, always")),
            ("only_children", False, t(uk="Лише коли йдеться про дітей",
                                       ru="Только когда речь идёт о детях",
                                       en="Only when children are involved")),
            ("no_internal", True, t(uk="Ні, торгівля людьми буває і всередині України",
                                    ru="Нет, торговля людьми бывает и внутри Украины",
                                    en="No, trafficking also happens inside Ukraine")),
        ]),
        _knowledge_question("know_indicator", t(
            uk="Що з цього є поширеною ознакою того, що людина може бути постраждалою від "
               "торгівлі людьми?",
            ru="Что из этого — распространённый признак того, что человек может быть "
               "пострадавшим от торговли людьми?",
            en="Which of these is a common sign that a person may be a victim of trafficking?"),
            [
            ("documents_held", True, t(
                uk="Паспорт або інші документи людини тримає хтось інший",
                ru="Паспорт или другие документы человека держит кто-то другой",
                en="Someone else keeps the person's passport or other documents")),
            ("has_phone", False, t(uk="Людина має мобільний телефон",
                                   ru="У человека есть мобильный телефон",
                                   en="The person has a mobile phone")),
            ("worked_abroad", False, t(uk="Людина працювала за кордоном",
                                       ru="Человек работал за границей",
                                       en="The person has worked abroad")),
        ]),
        _knowledge_question("know_child", t(
            uk="Що правильно щодо дитини (до 18 років)?",
            ru="Что верно в отношении ребёнка (до 18 лет)?",
            en="Which is true for a child (under 18)?"), [
            ("force_needed", False, t(uk="Треба довести, що застосовували силу або погрози",
                                      ru="Нужно доказать, что применяли силу или угрозы",
                                      en="Force or threats must be proven")),
            ("no_means_needed", True, t(
                uk="Дитина, яку вербували, переміщували чи переховували з метою експлуатації, "
                   "є постраждалою, навіть без сили чи обману",
                ru="Ребёнок, которого вербовали, перемещали или укрывали с целью эксплуатации, "
                   "является пострадавшим даже без силы или обмана",
                en="A child recruited, moved or harboured for exploitation is a victim even "
                   "without force or deception")),
            ("parents_refused", False, t(uk="Лише якщо батьки були проти",
                                         ru="Только если родители были против",
                                         en="Only if the parents did not agree")),
        ]),
        _knowledge_question("know_status", t(
            uk="Чи має людина співпрацювати з поліцією, щоб отримати статус особи, яка "
               "постраждала від торгівлі людьми, і допомогу?",
            ru="Должен ли человек сотрудничать с полицией, чтобы получить статус лица, "
               "пострадавшего от торговли людьми, и помощь?",
            en="Must a person cooperate with the police to get the status of a person affected "
               "by trafficking and to receive assistance?"), [
            ("case_first", False, t(uk="Так, спочатку має бути відкрите кримінальне провадження",
                                    ru="Да, сначала должно быть открыто уголовное производство",
                                    en="Yes, a criminal case must be opened first")),
            ("offender_caught", False, t(uk="Лише якщо кривдника затримали",
                                         ru="Только если преступника задержали",
                                         en="Only if the offender has been caught")),
            ("independent", True, t(
                uk="Ні, статус і допомога не залежать від співпраці з поліцією",
                ru="Нет, статус и помощь не зависят от сотрудничества с полицией",
                en="No, status and assistance do not depend on cooperation with the police")),
        ]),
        _knowledge_question("know_referral_consent", t(
            uk="Що потрібно, перш ніж перенаправити дорослу людину до інших служб?",
            ru="Что нужно, прежде чем перенаправить взрослого человека в другие службы?",
            en="What do you need before you refer an adult to other services?"), [
            ("informed_consent", True, t(uk="Усвідомлена згода самої людини",
                                         ru="Осознанное согласие самого человека",
                                         en="The person's own informed consent")),
            ("police_permission", False, t(uk="Дозвіл поліції", ru="Разрешение полиции",
                                           en="Permission from the police")),
            ("nothing", False, t(uk="Нічого: перенаправлення обов'язкове",
                                 ru="Ничего: перенаправление обязательно",
                                 en="Nothing: referral is mandatory")),
        ]),
    ]


# --- choice lists --------------------------------------------------------------------------

def _modules_list() -> ChoiceList:
    """The registry's training modules, plus "other"."""
    return ChoiceList("modules", [
        choice("identification", uk="Виявлення постраждалих", ru="Выявление пострадавших",
               en="Identification of victims"),
        choice("referral", uk="Національний механізм перенаправлення і порядок перенаправлення",
               ru="Национальный механизм перенаправления и порядок перенаправления",
               en="The National Referral Mechanism and referral"),
        choice("victim_rights", uk="Права постраждалих", ru="Права пострадавших",
               en="Rights of victims"),
        choice("psychosocial", uk="Психосоціальна підтримка", ru="Психосоциальная поддержка",
               en="Psychosocial support"),
        choice("legal_aid", uk="Правова допомога і кримінальне правосуддя",
               ru="Правовая помощь и уголовное правосудие",
               en="Legal aid and criminal justice"),
        choice("labour_exploitation", uk="Трудова експлуатація", ru="Трудовая эксплуатация",
               en="Labour exploitation"),
        choice("child_trafficking", uk="Торгівля дітьми", ru="Торговля детьми",
               en="Child trafficking"),
        choice("data_protection", uk="Захист даних і конфіденційність",
               ru="Защита данных и конфиденциальность",
               en="Data protection and confidentiality"),
        choice("other", uk="Інше", ru="Другое", en="Other"),
    ])


def _first_action_list() -> ChoiceList:
    return ChoiceList("first_action", [
        choice("talk_privately", uk="Розмовляю з людиною наодинці, пояснюю її права і "
                                    "можливості",
               ru="Разговариваю с человеком наедине, объясняю его права и возможности",
               en="Talk with the person in private and explain their rights and options"),
        choice("local_coordinator", uk="Звертаюся до місцевого координатора з протидії "
                                       "торгівлі людьми",
               ru="Обращаюсь к местному координатору по противодействию торговле людьми",
               en="Contact the local counter-trafficking coordinator"),
        choice("police", uk="Повідомляю поліцію", ru="Сообщаю в полицию", en="Call the police"),
        choice("hotline_ngo", uk="Звертаюся на гарячу лінію або до громадської організації",
               ru="Обращаюсь на горячую линию или в общественную организацию",
               en="Contact a hotline or an NGO"),
        choice("shelter", uk="Направляю людину до притулку", ru="Направляю человека в приют",
               en="Take the person to a shelter"),
        choice("not_my_role", uk="Нічого: це не моя роль", ru="Ничего: это не моя роль",
               en="Nothing: it is not my role"),
        choice("not_sure", uk="Не знаю, що робити", ru="Не знаю, что делать",
               en="I am not sure what to do"),
        choice("other", uk="Інше", ru="Другое", en="Other"),
    ])


def _barriers_list() -> ChoiceList:
    return ChoiceList("barriers", [
        choice("procedure_unclear", uk="Я недостатньо знаю процедуру",
               ru="Я недостаточно знаю процедуру", en="I do not know the procedure well enough"),
        choice("no_contacts", uk="Не знаю, до кого звертатися", ru="Не знаю, к кому обращаться",
               en="I do not know whom to contact"),
        choice("no_services", uk="У моїй громаді бракує потрібних послуг",
               ru="В моём районе не хватает нужных услуг",
               en="The services needed are not available in my area"),
        choice("person_declines", uk="Люди не хочуть, щоб їх виявляли чи перенаправляли",
               ru="Люди не хотят, чтобы их выявляли или перенаправляли",
               en="People do not want to be identified or referred"),
        choice("fear", uk="Люди бояться кривдників або поліції",
               ru="Люди боятся преступников или полиции",
               en="People are afraid of the offenders or the police"),
        choice("slow_procedure", uk="Процедура встановлення статусу довга або складна",
               ru="Процедура установления статуса долгая или сложная",
               en="The status procedure is slow or complicated"),
        choice("workload", uk="Забагато роботи, бракує часу", ru="Слишком много работы, не хватает "
                                                                 "времени",
               en="Too much work, not enough time"),
        choice("no_feedback", uk="Після перенаправлення я не знаю, що сталося далі",
               ru="После перенаправления я не знаю, что было дальше",
               en="After a referral I do not hear what happened next"),
        choice("other", uk="Інше", ru="Другое", en="Other"),
        choice("no_barriers", uk="Труднощів немає", ru="Трудностей нет", en="No difficulties"),
    ])
