"""Follow-up of an assisted person: well-being (WHO-5), housing, work and income, safety,
services received and still needed, and satisfaction with the assistance.

Sensitive questions are never required and offer "I prefer not to say". Every page after the
first one is shown only to a respondent who agreed to take part.
"""

from __future__ import annotations

from surveys.library._common import (
    CONSENTED,
    HOTLINES,
    agree5,
    choice,
    consent_question,
    exclusive,
    joined,
    other_text,
    t,
    yes_no_prefer_not,
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
)

TITLE = t(uk="Як у вас справи? Повторне опитування",
          ru="Как у вас дела? Повторный опрос",
          en="How are you doing? Follow-up survey")
SUMMARY = t(
    uk="Для людей, які отримали допомогу: самопочуття (WHO-5), житло, робота і дохід, безпека, "
       "отримані й потрібні послуги, задоволеність допомогою.",
    ru="Для людей, получивших помощь: самочувствие (WHO-5), жильё, работа и доход, безопасность, "
       "полученные и нужные услуги, удовлетворённость помощью.",
    en="For people who received assistance: well-being (WHO-5), housing, work and income, "
       "safety, services received and still needed, satisfaction with the assistance.")

WHO5_ITEMS = [f"who5_{i}" for i in range(1, 6)]
SATISFACTION_ITEMS = ["sat_respect", "sat_language", "sat_safe", "sat_involved",
                      "sat_informed", "sat_pressured", "sat_recommend"]

_EMPLOYED = ("${employment_status} = 'employed_full' or ${employment_status} = 'employed_part' "
             "or ${employment_status} = 'self_employed'")


def build() -> Survey:
    """The person follow-up survey, freshly built."""
    return Survey(
        title=dict(TITLE),
        audience=Audience.person,
        description=t(
            uk="Коротке опитування про ваше самопочуття, житло, роботу, безпеку та допомогу, яку "
               "ви отримали. Це займе близько 10–15 хвилин.",
            ru="Короткий опрос о вашем самочувствии, жилье, работе, безопасности и помощи, "
               "которую вы получили. Это займёт около 10–15 минут.",
            en="A short survey about your well-being, housing, work, safety and the help you "
               "received. It takes about 10–15 minutes."),
        sections=[_about(), _wellbeing(), _housing(), _work(), _safety(), _services(),
                  _satisfaction(), _closing()],
        choice_lists={cl.name: cl for cl in [
            _who5_frequency(), _housing_list(), _employment_list(), _income_list(),
            _enough_list(), _safe_list(), _contact_list(), _services_list(), yes_no_prefer_not(),
            agree5()]},
        scores=[
            Score(key="who5_score",
                  label=t(uk="Індекс самопочуття WHO-5 (0–100)",
                          ru="Индекс самочувствия WHO-5 (0–100)",
                          en="WHO-5 Well-Being Index (0–100)"),
                  items=list(WHO5_ITEMS), method=ScoreMethod.sum, multiplier=4, min_items=5),
            Score(key="satisfaction_score",
                  label=t(uk="Задоволеність допомогою (середнє, 1–5)",
                          ru="Удовлетворённость помощью (среднее, 1–5)",
                          en="Satisfaction with the assistance (mean, 1–5)"),
                  items=list(SATISFACTION_ITEMS), method=ScoreMethod.mean, min_items=3),
        ],
    )


# --- pages ---------------------------------------------------------------------------------

def _about() -> Section:
    intro = t(
        uk="Дякуємо, що відкрили це опитування. Ми запитуємо людей, які отримали допомогу, як у "
           "них справи зараз. Це допоможе зробити допомогу кращою для всіх.\n\n"
           "Участь — добровільна. Якщо ви відмовитеся, це ніяк не вплине на допомогу, яку ви "
           "отримуєте зараз або отримаєте потім.\n\n"
           "Відповіді конфіденційні. Ми не питаємо вашого імені. Відповіді бачить лише команда "
           "оцінювання, а результати показуються тільки для груп людей, ніколи для однієї "
           "людини.\n\n"
           "Ви можете пропустити будь-яке питання, зупинитися будь-коли і повернутися пізніше.\n\n"
           "Якщо у вас є запитання або потрібна допомога, зверніться до організації, яка "
           "надіслала вам це посилання.",
        ru="Спасибо, что открыли этот опрос. Мы спрашиваем людей, получивших помощь, как у них "
           "дела сейчас. Это поможет сделать помощь лучше для всех.\n\n"
           "Участие добровольное. Если вы откажетесь, это никак не повлияет на помощь, которую "
           "вы получаете сейчас или получите потом.\n\n"
           "Ответы конфиденциальны. Мы не спрашиваем ваше имя. Ответы видит только команда "
           "оценки, а результаты показываются только для групп людей, никогда для одного "
           "человека.\n\n"
           "Вы можете пропустить любой вопрос, остановиться в любой момент и вернуться позже.\n\n"
           "Если у вас есть вопросы или нужна помощь, обратитесь в организацию, которая "
           "прислала вам эту ссылку.",
        en="Thank you for opening this survey. We are asking people who received help how they "
           "are doing now. This helps us improve support for everyone.\n\n"
           "Taking part is your choice. If you say no, it will not change any help you get now "
           "or later.\n\n"
           "Your answers are confidential. We do not ask your name. Only the evaluation team "
           "sees the answers, and results are shown only for groups of people, never for one "
           "person.\n\n"
           "You can skip any question, stop at any time and come back later.\n\n"
           "If you have questions or need help, contact the organisation that sent you this "
           "link.")
    return Section(
        key="about", title=t(uk="Про опитування", ru="Об опросе", en="About this survey"),
        questions=[
            Question(key="intro", type=QuestionType.note, label=joined(intro, HOTLINES)),
            consent_question(),
        ])


def _wellbeing() -> Section:
    return Section(
        key="wellbeing", relevant=CONSENTED,
        title=t(uk="Як ви почувалися", ru="Как вы себя чувствовали",
                en="How you have been feeling"),
        questions=[Question(
            key="who5", type=QuestionType.matrix, choices="who5_frequency",
            label=t(uk="Протягом останніх двох тижнів…",
                    ru="В течение последних двух недель…",
                    en="Over the last two weeks…"),
            hint=t(uk="Для кожного твердження оберіть відповідь, яка найточніше описує, як ви "
                      "почувалися протягом останніх двох тижнів.",
                   ru="Для каждого утверждения выберите ответ, который точнее всего описывает, "
                      "как вы себя чувствовали в течение последних двух недель.",
                   en="For each of the five statements, choose the answer that is closest to "
                      "how you have been feeling over the last two weeks."),
            items=[
                MatrixItem("who5_1", t(
                    uk="Я почувався(-лася) бадьорим(-ою) і в гарному настрої",
                    ru="Я чувствовал(а) себя бодрым(ой) и в хорошем настроении",
                    en="I have felt cheerful and in good spirits")),
                MatrixItem("who5_2", t(
                    uk="Я почувався(-лася) спокійним(-ою) і розслабленим(-ою)",
                    ru="Я чувствовал(а) себя спокойным(ой) и расслабленным(ой)",
                    en="I have felt calm and relaxed")),
                MatrixItem("who5_3", t(
                    uk="Я почувався(-лася) активним(-ою) і енергійним(-ою)",
                    ru="Я чувствовал(а) себя активным(ой) и энергичным(ой)",
                    en="I have felt active and vigorous")),
                MatrixItem("who5_4", t(
                    uk="Я прокидався(-лася) свіжим(-ою) і відпочилим(-ою)",
                    ru="Я просыпался(ась) свежим(ей) и отдохнувшим(ей)",
                    en="I woke up feeling fresh and rested")),
                MatrixItem("who5_5", t(
                    uk="Моє повсякденне життя було сповнене того, що мене цікавить",
                    ru="Моя повседневная жизнь была наполнена тем, что мне интересно",
                    en="My daily life has been filled with things that interest me")),
            ])])


def _housing() -> Section:
    stable = "${housing_situation} = 'own_rented' or ${housing_situation} = 'family_friends'"
    return Section(
        key="housing", relevant=CONSENTED,
        title=t(uk="Де ви живете", ru="Где вы живёте", en="Where you live"),
        questions=[
            Question(
                key="housing_situation", type=QuestionType.select_one, choices="housing",
                label=t(uk="Де ви живете зараз?", ru="Где вы живёте сейчас?",
                        en="Where do you live now?")),
            other_text("housing_other", "${housing_situation} = 'other'"),
            Question(
                key="moves_3m", type=QuestionType.integer, minimum=0, maximum=50,
                label=t(uk="Скільки разів за останні 3 місяці ви переїжджали в інше місце?",
                        ru="Сколько раз за последние 3 месяца вы переезжали в другое место?",
                        en="In the last 3 months, how many times have you moved to a different "
                           "place to live?"),
                hint=t(uk="Якщо не переїжджали, напишіть 0.",
                       ru="Если не переезжали, напишите 0.",
                       en="If you have not moved, write 0.")),
            Question(
                key="housing_stable", type=QuestionType.calculate,
                label=t(uk="Стабільне житло (1 — так, 0 — ні)",
                        ru="Стабильное жильё (1 — да, 0 — нет)",
                        en="Stable housing (1 = yes, 0 = no)"),
                hint=t(uk="Своє, орендоване житло або в родичів чи друзів і не більше одного "
                          "переїзду за 3 місяці. Порожнє, якщо з відповідей це не зрозуміло.",
                       ru="Своё, съёмное жильё или у родственников либо друзей и не больше "
                          "одного переезда за 3 месяца. Пусто, если по ответам это не понять.",
                       en="Own or rented home, or with family or friends, and at most one move "
                          "in 3 months. Empty when that cannot be told from the answers."),
                calculation=(f"if(${{housing_situation}} = '', '', if(not({stable}), 0, "
                             f"if(${{moves_3m}} = '', '', if(${{moves_3m}} <= 1, 1, 0))))")),
        ])


def _work() -> Section:
    return Section(
        key="work", relevant=CONSENTED,
        title=t(uk="Робота і гроші", ru="Работа и деньги", en="Work and money"),
        questions=[
            Question(
                key="employment_status", type=QuestionType.select_one, choices="employment",
                label=t(uk="Чи працюєте ви зараз?", ru="Вы сейчас работаете?",
                        en="Are you working now?")),
            other_text("employment_other", "${employment_status} = 'other'"),
            Question(
                key="hours_week", type=QuestionType.integer, minimum=0, maximum=100,
                relevant=_EMPLOYED,
                label=t(uk="Скільки годин на тиждень ви зазвичай працюєте?",
                        ru="Сколько часов в неделю вы обычно работаете?",
                        en="About how many hours a week do you usually work?"),
                hint=t(uk="Приблизно. Рахуйте всі роботи разом.",
                       ru="Примерно. Считайте все работы вместе.",
                       en="An estimate is fine. Count all your jobs together.")),
            Question(
                key="work_contract", type=QuestionType.select_one, choices="yes_no_prefer_not",
                relevant=_EMPLOYED,
                label=t(uk="Чи маєте ви письмовий договір про роботу?",
                        ru="У вас есть письменный договор о работе?",
                        en="Do you have a written work contract?")),
            Question(
                key="income_band", type=QuestionType.select_one, choices="income",
                label=t(uk="Який ваш загальний дохід на місяць?",
                        ru="Какой ваш общий доход в месяц?",
                        en="What is your total income per month?"),
                hint=t(uk="Усі гроші разом: зарплата, виплати, допомога. Приблизно.",
                       ru="Все деньги вместе: зарплата, выплаты, помощь. Примерно.",
                       en="All money together: wages, benefits, support. An estimate is fine.")),
            Question(
                key="basic_needs", type=QuestionType.likert, choices="enough4",
                label=t(uk="Як часто за останній місяць вам вистачало грошей на "
                           "найнеобхідніше: їжу, житло, ліки?",
                        ru="Как часто за последний месяц вам хватало денег на самое "
                           "необходимое: еду, жильё, лекарства?",
                        en="In the last month, how often did you have enough money for basic "
                           "needs like food, housing and medicine?")),
        ])


def _safety() -> Section:
    contact = "${exploiter_contact} = 'yes'"
    note = t(
        uk="Кілька наступних питань — про людей, які вас експлуатували. Відповідайте лише на те, "
           "на що вам комфортно. Будь-яке питання можна пропустити.\n\n"
           "Ваші відповіді не передаються ні поліції, ні вашому соціальному працівнику. Якщо "
           "вам потрібна допомога, зверніться самі.",
        ru="Несколько следующих вопросов — о людях, которые вас эксплуатировали. Отвечайте "
           "только на то, на что вам комфортно. Любой вопрос можно пропустить.\n\n"
           "Ваши ответы не передаются ни полиции, ни вашему социальному работнику. Если вам "
           "нужна помощь, обратитесь сами.",
        en="The next few questions are about the people who exploited you. Answer only what "
           "you feel comfortable with. You can skip any question.\n\n"
           "Your answers are not passed on to the police or to your social worker. If you need "
           "help, please reach out yourself.")
    return Section(
        key="safety", relevant=CONSENTED,
        title=t(uk="Ваша безпека", ru="Ваша безопасность", en="Your safety"),
        questions=[
            Question(key="safety_note", type=QuestionType.note, label=joined(note, HOTLINES)),
            Question(
                key="feel_safe", type=QuestionType.likert, choices="safe4",
                label=t(uk="Наскільки безпечно ви почуваєтеся там, де живете зараз?",
                        ru="Насколько безопасно вы чувствуете себя там, где живёте сейчас?",
                        en="How safe do you feel where you live now?")),
            Question(
                key="exploiter_contact", type=QuestionType.select_one,
                choices="yes_no_prefer_not",
                label=t(uk="Чи зв'язувалися з вами після минулого опитування люди, які вас "
                           "експлуатували, або хтось від їхнього імені?",
                        ru="Связывались ли с вами после прошлого опроса люди, которые вас "
                           "эксплуатировали, или кто-то от их имени?",
                        en="Since the last survey, have the people who exploited you, or "
                           "someone acting for them, contacted you?"),
                hint=t(uk="Якщо ви відповідаєте вперше, згадайте останні 3 місяці.",
                       ru="Если вы отвечаете впервые, вспомните последние 3 месяца.",
                       en="If this is your first survey, think about the last 3 months.")),
            Question(
                key="contact_type", type=QuestionType.select_multiple, choices="contact_types",
                relevant=contact,
                label=t(uk="Як саме вони з вами зв'язувалися?",
                        ru="Как именно они с вами связывались?",
                        en="How did they contact you?"),
                hint=t(uk="Можна обрати кілька відповідей.",
                       ru="Можно выбрать несколько ответов.",
                       en="You can choose more than one answer."),
                constraint=exclusive("prefer_not")[0],
                constraint_message=exclusive("prefer_not")[1]),
            other_text("contact_type_other", "selected(${contact_type}, 'other')"),
            Question(
                key="threatened", type=QuestionType.select_one, choices="yes_no_prefer_not",
                relevant=contact,
                label=t(uk="Чи погрожували вони вам або близьким вам людям?",
                        ru="Угрожали ли они вам или близким вам людям?",
                        en="Did they threaten you or people close to you?")),
            Question(
                key="debt_pressure", type=QuestionType.select_one, choices="yes_no_prefer_not",
                label=t(uk="Чи вимагає хтось від вас повернути борг і тисне на вас через це?",
                        ru="Требует ли кто-то от вас вернуть долг и давит на вас из-за этого?",
                        en="Is anyone pressuring you to pay back money they say you owe?")),
            Question(
                key="danger_note", type=QuestionType.note,
                relevant=f"{contact} or ${{threatened}} = 'yes' or ${{debt_pressure}} = 'yes'",
                label=joined(t(uk="Дякуємо, що розповіли. Ви не самі, і це не ваша провина.",
                               ru="Спасибо, что рассказали. Вы не одни, и это не ваша вина.",
                               en="Thank you for telling us. You are not alone, and it is not "
                                  "your fault."), HOTLINES)),
        ])


def _services() -> Section:
    none_alone = exclusive("none")
    return Section(
        key="services", relevant=CONSENTED,
        title=t(uk="Допомога: отримана і потрібна", ru="Помощь: полученная и нужная",
                en="Help received and still needed"),
        questions=[
            Question(
                key="services_received", type=QuestionType.select_multiple, choices="services",
                label=t(uk="Яку допомогу ви отримали?", ru="Какую помощь вы получили?",
                        en="What help have you received?"),
                hint=t(uk="Можна обрати кілька відповідей.",
                       ru="Можно выбрать несколько ответов.",
                       en="You can choose more than one answer."),
                constraint=none_alone[0], constraint_message=none_alone[1]),
            other_text("services_received_other", "selected(${services_received}, 'other')"),
            Question(
                key="services_needed", type=QuestionType.select_multiple, choices="services",
                label=t(uk="Яка допомога вам потрібна зараз?",
                        ru="Какая помощь вам нужна сейчас?",
                        en="What help do you still need now?"),
                hint=t(uk="Можна обрати кілька відповідей.",
                       ru="Можно выбрать несколько ответов.",
                       en="You can choose more than one answer."),
                constraint=none_alone[0], constraint_message=none_alone[1]),
            other_text("services_needed_other", "selected(${services_needed}, 'other')"),
        ])


def _satisfaction() -> Section:
    def item(key: str, uk: str, ru: str, en: str, reverse: bool = False) -> MatrixItem:
        return MatrixItem(key, t(uk=uk, ru=ru, en=en), reverse=reverse)

    return Section(
        key="satisfaction",
        relevant=f"{CONSENTED} and not(selected(${{services_received}}, 'none'))",
        title=t(uk="Ваша думка про допомогу", ru="Ваше мнение о помощи",
                en="Your view of the help"),
        questions=[Question(
            key="satisfaction", type=QuestionType.matrix, choices="agree5",
            label=t(uk="Наскільки ви погоджуєтеся з такими твердженнями про допомогу, яку "
                       "отримали?",
                    ru="Насколько вы согласны со следующими утверждениями о помощи, которую "
                       "получили?",
                    en="How much do you agree with these statements about the help you "
                       "received?"),
            items=[
                item("sat_respect", "До мене ставилися з повагою.",
                     "Ко мне относились с уважением.", "I was treated with respect."),
                item("sat_language", "Я міг (могла) говорити своєю мовою або мав(-ла) "
                                     "перекладача.",
                     "Я мог(ла) говорить на своём языке или у меня был переводчик.",
                     "I could use my own language, or I had an interpreter."),
                item("sat_safe", "Я почувався(-лася) в безпеці, коли отримував(-ла) допомогу.",
                     "Я чувствовал(а) себя в безопасности, когда получал(а) помощь.",
                     "I felt safe while I was receiving help."),
                item("sat_involved", "Зі мною радилися, коли вирішували, яка допомога мені "
                                     "потрібна.",
                     "Со мной советовались, когда решали, какая помощь мне нужна.",
                     "I was involved in decisions about my help."),
                item("sat_informed", "Мені зрозуміло пояснили мої права і можливості.",
                     "Мне понятно объяснили мои права и возможности.",
                     "My rights and options were explained to me clearly."),
                item("sat_pressured", "Мене змушували робити те, чого я не хотів(-ла).",
                     "Меня заставляли делать то, чего я не хотел(а).",
                     "I was pressured to do things I did not want to do.", reverse=True),
                item("sat_recommend", "Я порадив(-ла) би цю допомогу людині в схожій ситуації.",
                     "Я посоветовал(а) бы эту помощь человеку в похожей ситуации.",
                     "I would recommend this help to someone in a similar situation."),
            ])])


def _closing() -> Section:
    return Section(
        key="closing", relevant=CONSENTED,
        title=t(uk="Наостанок", ru="В завершение", en="Finally"),
        questions=[
            Question(
                key="comments", type=QuestionType.long_text,
                label=t(uk="Чи хочете ви ще щось нам сказати?",
                        ru="Хотите ли вы ещё что-то нам сказать?",
                        en="Is there anything else you would like to tell us?"),
                hint=t(uk="Необов'язково. Будь ласка, не пишіть імен і контактів.",
                       ru="Необязательно. Пожалуйста, не пишите имён и контактов.",
                       en="Optional. Please do not write names or contact details.")),
            Question(
                key="thanks", type=QuestionType.note,
                label=t(uk="Дякуємо за ваш час і довіру. Ваші відповіді допоможуть покращити "
                           "допомогу для інших людей.",
                        ru="Спасибо за ваше время и доверие. Ваши ответы помогут улучшить "
                           "помощь для других людей.",
                        en="Thank you for your time and trust. Your answers will help to "
                           "improve help for other people.")),
        ])


# --- choice lists --------------------------------------------------------------------------

def _who5_frequency() -> ChoiceList:
    """The WHO-5 response scale, scored 5 (all of the time) to 0 (at no time)."""
    return ChoiceList("who5_frequency", [
        choice("all_of_the_time", 5, uk="Весь час", ru="Всё время", en="All of the time"),
        choice("most_of_the_time", 4, uk="Більшу частину часу", ru="Большую часть времени",
               en="Most of the time"),
        choice("more_than_half", 3, uk="Більше половини часу", ru="Более половины времени",
               en="More than half of the time"),
        choice("less_than_half", 2, uk="Менше половини часу", ru="Менее половины времени",
               en="Less than half of the time"),
        choice("some_of_the_time", 1, uk="Іноді", ru="Иногда", en="Some of the time"),
        choice("at_no_time", 0, uk="Ніколи", ru="Никогда", en="At no time"),
    ])


def _housing_list() -> ChoiceList:
    return ChoiceList("housing", [
        choice("own_rented", uk="У своєму або орендованому житлі, постійно",
               ru="В своём или съёмном жилье, постоянно",
               en="In my own or a rented home, for the long term"),
        choice("family_friends", uk="У родичів або друзів", ru="У родственников или друзей",
               en="With family or friends"),
        choice("shelter", uk="У притулку або кризовому центрі", ru="В приюте или кризисном центре",
               en="In a shelter or crisis centre"),
        choice("temporary", uk="Тимчасово або непостійно (хостел, часто змінюю місце)",
               ru="Временно или непостоянно (хостел, часто меняю место)",
               en="Somewhere temporary or unsure (hostel, often changing place)"),
        choice("homeless", uk="Мені ніде жити", ru="Мне негде жить", en="I have nowhere to live"),
        choice("other", uk="Інше", ru="Другое", en="Other"),
    ])


def _employment_list() -> ChoiceList:
    return ChoiceList("employment", [
        choice("employed_full", uk="Так, працюю повний день", ru="Да, работаю полный день",
               en="Yes, full-time"),
        choice("employed_part", uk="Так, працюю неповний день", ru="Да, работаю неполный день",
               en="Yes, part-time"),
        choice("self_employed", uk="Так, працюю на себе або маю підробітки",
               ru="Да, работаю на себя или подрабатываю",
               en="Yes, self-employed or occasional jobs"),
        choice("studying", uk="Ні, навчаюся", ru="Нет, учусь", en="No, I am studying or training"),
        choice("looking", uk="Ні, шукаю роботу", ru="Нет, ищу работу",
               en="No, I am looking for work"),
        choice("not_looking", uk="Ні, і не шукаю роботу", ru="Нет, и не ищу работу",
               en="No, and I am not looking for work"),
        choice("unable", uk="Не можу працювати (здоров'я, догляд за кимось)",
               ru="Не могу работать (здоровье, уход за кем-то)",
               en="I cannot work (health, caring for someone)"),
        choice("other", uk="Інше", ru="Другое", en="Other"),
        choice("prefer_not", uk="Не хочу відповідати", ru="Не хочу отвечать",
               en="I prefer not to say"),
    ])


def _income_list() -> ChoiceList:
    return ChoiceList("income", [
        choice("none", uk="Немає доходу", ru="Нет дохода", en="No income"),
        choice("under_4000", uk="Менше 4 000 грн", ru="Меньше 4 000 грн",
               en="Less than 4,000 UAH"),
        choice("4000_7999", uk="4 000 – 7 999 грн", ru="4 000 – 7 999 грн",
               en="4,000 – 7,999 UAH"),
        choice("8000_11999", uk="8 000 – 11 999 грн", ru="8 000 – 11 999 грн",
               en="8,000 – 11,999 UAH"),
        choice("12000_19999", uk="12 000 – 19 999 грн", ru="12 000 – 19 999 грн",
               en="12,000 – 19,999 UAH"),
        choice("20000_plus", uk="20 000 грн або більше", ru="20 000 грн или больше",
               en="20,000 UAH or more"),
        choice("dont_know", uk="Не знаю", ru="Не знаю", en="I don't know"),
        choice("prefer_not", uk="Не хочу відповідати", ru="Не хочу отвечать",
               en="I prefer not to say"),
    ])


def _enough_list() -> ChoiceList:
    return ChoiceList("enough4", [
        choice("never", 1, uk="Ніколи", ru="Никогда", en="Never"),
        choice("sometimes", 2, uk="Іноді", ru="Иногда", en="Sometimes"),
        choice("mostly", 3, uk="Здебільшого", ru="Чаще всего", en="Most of the time"),
        choice("always", 4, uk="Завжди", ru="Всегда", en="Always"),
    ])


def _safe_list() -> ChoiceList:
    return ChoiceList("safe4", [
        choice("very_unsafe", 1, uk="Зовсім небезпечно", ru="Совсем небезопасно",
               en="Very unsafe"),
        choice("rather_unsafe", 2, uk="Радше небезпечно", ru="Скорее небезопасно",
               en="Somewhat unsafe"),
        choice("rather_safe", 3, uk="Радше безпечно", ru="Скорее безопасно",
               en="Somewhat safe"),
        choice("very_safe", 4, uk="Цілком безпечно", ru="Вполне безопасно", en="Very safe"),
        choice("prefer_not", uk="Не хочу відповідати", ru="Не хочу отвечать",
               en="I prefer not to say"),
    ])


def _contact_list() -> ChoiceList:
    return ChoiceList("contact_types", [
        choice("in_person", uk="Зустрілися зі мною особисто", ru="Встретились со мной лично",
               en="They met me in person"),
        choice("phone_online", uk="Дзвінки, повідомлення, соцмережі",
               ru="Звонки, сообщения, соцсети", en="Calls, messages or social media"),
        choice("through_others", uk="Через моїх родичів або знайомих",
               ru="Через моих родственников или знакомых",
               en="Through my family or people I know"),
        choice("offer", uk="Знову пропонували роботу або поїздку",
               ru="Снова предлагали работу или поездку", en="They offered work or travel again"),
        choice("money", uk="Вимагали гроші або казали, що я їм винен(-на)",
               ru="Требовали деньги или говорили, что я им должен(-на)",
               en="They asked for money or said I owe them"),
        choice("other", uk="Інше", ru="Другое", en="Other"),
        choice("prefer_not", uk="Не хочу відповідати", ru="Не хочу отвечать",
               en="I prefer not to say"),
    ])


def _services_list() -> ChoiceList:
    """The registry's service vocabulary, worded for the person, plus "none of these"."""
    return ChoiceList("services", [
        choice("shelter", uk="Притулок (безпечне місце для проживання)",
               ru="Приют (безопасное место для проживания)",
               en="Shelter (a safe place to stay)"),
        choice("medical", uk="Медична допомога", ru="Медицинская помощь", en="Medical care"),
        choice("psychological", uk="Психологічна підтримка", ru="Психологическая поддержка",
               en="Psychological support"),
        choice("legal", uk="Правова допомога (юрист, суд, захист прав)",
               ru="Правовая помощь (юрист, суд, защита прав)",
               en="Legal aid (a lawyer, court, your rights)"),
        choice("social", uk="Соціальна підтримка (соціальний працівник, виплати, документи)",
               ru="Социальная поддержка (социальный работник, выплаты, документы)",
               en="Social support (a social worker, benefits, documents)"),
        choice("employment", uk="Допомога з працевлаштуванням", ru="Помощь в трудоустройстве",
               en="Help to find work"),
        choice("education", uk="Навчання або професійна підготовка",
               ru="Обучение или профессиональная подготовка",
               en="Education or vocational training"),
        choice("financial", uk="Фінансова допомога (гроші)", ru="Финансовая помощь (деньги)",
               en="Financial aid (money)"),
        choice("repatriation", uk="Допомога з поверненням додому",
               ru="Помощь с возвращением домой", en="Help to return home"),
        choice("other", uk="Інше", ru="Другое", en="Other"),
        choice("none", uk="Нічого з переліченого", ru="Ничего из перечисленного",
               en="None of these"),
    ])
