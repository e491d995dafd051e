"""The fixed facts of the demo programme: regions, the mix of professions, organisations.

These are facts of the synthetic world, not random draws: every seed sees the same regions, the
same dates on which training starts in each region and the same organisations. The random part of
the demo (who is trained when, who is referred and who assists whom) lives in
:mod:`monitor.demo.generator`.

Regions carry their ISO 3166-2:UA codes and their names in English, Ukrainian and Russian. Six
regions piloted the National Referral Mechanism in 2012-2013; seven more joined in 2014. The dates
on which training starts and the population weights are those of the demo, chosen to look like a
real roll-out; they are not historical records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from monitor.models import ORGANISATION_KINDS, PROFESSIONS


@dataclass(frozen=True)
class RegionFact:
    """A region of the demo programme.

    ``where`` is the adjective used in the names of its agencies ("Chernivtsi Regional",
    "Kyiv City"); ``population`` (millions, about 2013) weighs how many providers work there and
    how many persons are referred there; ``training_from`` is the day training starts.
    """

    code: str
    name: str
    name_uk: str
    name_ru: str
    joined_year: int
    training_from: date
    where: str
    population: float

    @property
    def short(self) -> str:
        """The code without its hyphen ("UA77"), used inside pseudonymous codes."""
        return self.code.replace("-", "")

    @property
    def pilot(self) -> bool:
        return self.joined_year < 2014


REGIONS: tuple[RegionFact, ...] = (
    # Pilots, 2012-2013.
    RegionFact("UA-77", "Chernivtsi", "Чернівецька область", "Черновицкая область",
               2012, date(2012, 10, 2), "Chernivtsi Regional", 0.91),
    RegionFact("UA-14", "Donetsk", "Донецька область", "Донецкая область",
               2012, date(2012, 9, 18), "Donetsk Regional", 4.38),
    RegionFact("UA-63", "Kharkiv", "Харківська область", "Харьковская область",
               2012, date(2012, 10, 16), "Kharkiv Regional", 2.74),
    RegionFact("UA-68", "Khmelnytskyi", "Хмельницька область", "Хмельницкая область",
               2013, date(2013, 2, 19), "Khmelnytskyi Regional", 1.30),
    RegionFact("UA-09", "Luhansk", "Луганська область", "Луганская область",
               2013, date(2013, 3, 12), "Luhansk Regional", 2.24),
    RegionFact("UA-05", "Vinnytsia", "Вінницька область", "Винницкая область",
               2013, date(2013, 4, 9), "Vinnytsia Regional", 1.62),
    # Added in 2014; training starts in the autumn of 2014 or early in 2015.
    RegionFact("UA-35", "Kirovohrad", "Кіровоградська область", "Кировоградская область",
               2014, date(2014, 10, 14), "Kirovohrad Regional", 0.99),
    RegionFact("UA-32", "Kyiv oblast", "Київська область", "Киевская область",
               2014, date(2014, 9, 16), "Kyiv Regional", 1.72),
    RegionFact("UA-56", "Rivne", "Рівненська область", "Ровенская область",
               2014, date(2014, 11, 11), "Rivne Regional", 1.16),
    RegionFact("UA-59", "Sumy", "Сумська область", "Сумская область",
               2014, date(2015, 2, 10), "Sumy Regional", 1.13),
    RegionFact("UA-07", "Volyn", "Волинська область", "Волынская область",
               2014, date(2014, 11, 25), "Volyn Regional", 1.04),
    RegionFact("UA-18", "Zhytomyr", "Житомирська область", "Житомирская область",
               2014, date(2015, 3, 10), "Zhytomyr Regional", 1.27),
    RegionFact("UA-30", "Kyiv city", "місто Київ", "город Киев",
               2014, date(2014, 9, 30), "Kyiv City", 2.85),
)

PILOT_CODES: frozenset[str] = frozenset(r.code for r in REGIONS if r.pilot)

#: Share of each profession among the providers of a region (the people the programme would
#: train: the social services and the police are the bulk, NGO activists a committed minority).
PROFESSION_MIX: dict[str, float] = {
    "social_worker": 0.30,
    "police": 0.20,
    "medical": 0.14,
    "teacher": 0.16,
    "journalist": 0.03,
    "ngo_activist": 0.10,
    "other": 0.07,
}
#: The professions in the order the demo indexes them.
PROFESSION_CODES: tuple[str, ...] = tuple(PROFESSION_MIX)


@dataclass(frozen=True)
class OrganisationKind:
    """An organisation every region has: a key, its kind (state|ngo) and a name template."""

    key: str
    kind: str
    template: str

    def name(self, region: RegionFact) -> str:
        return self.template.format(where=region.where, city=region.name)


#: The organisations of every region. Names are neutral inventions, not real NGOs.
ORGANISATIONS: tuple[OrganisationKind, ...] = (
    OrganisationKind("social_services", "state",
                     "{where} Centre of Social Services for Families, Children and Youth"),
    OrganisationKind("social_protection", "state", "{where} Department of Social Protection"),
    OrganisationKind("children_service", "state", "{where} Service for Children's Affairs"),
    OrganisationKind("police", "state", "{where} Police Department"),
    OrganisationKind("hospital", "state", "{where} Clinical Hospital"),
    OrganisationKind("education", "state", "{where} Department of Education and Science"),
    OrganisationKind("employment", "state", "{where} Employment Centre"),
    OrganisationKind("administration", "state", "{where} State Administration"),
    OrganisationKind("hotline", "ngo", "{city} Safe Migration Hotline"),
    OrganisationKind("shelter", "ngo", "{city} Shelter and Crisis Support Association"),
    OrganisationKind("legal_aid", "ngo", "{city} Legal Aid Initiative"),
    OrganisationKind("family_network", "ngo", "{city} Youth and Family Support Network"),
    OrganisationKind("media", "ngo", "{city} Journalists' Association"),
)

#: Where a provider of each profession works: organisation key -> probability. ``None`` means
#: no organisation is recorded (a freelance journalist, for one).
EMPLOYERS: dict[str, dict[str | None, float]] = {
    "social_worker": {"social_services": 0.50, "social_protection": 0.25,
                      "children_service": 0.15, "shelter": 0.10},
    "police": {"police": 1.0},
    "medical": {"hospital": 0.85, "shelter": 0.15},
    "teacher": {"education": 0.90, "family_network": 0.10},
    "journalist": {"media": 0.40, None: 0.60},
    "ngo_activist": {"hotline": 0.40, "shelter": 0.30, "legal_aid": 0.15,
                     "family_network": 0.15},
    "other": {"employment": 0.50, "administration": 0.30, None: 0.20},
}


#: The staff accounts the demo creates: (role, e-mail, password). Development only: the command
#: line refuses to load the demo when MONITOR_ENV=production.
DEMO_LOGINS: tuple[tuple[str, str, str], ...] = (
    ("admin", "admin@demo.example", "demo-admin-2012"),
    ("officer", "officer@demo.example", "demo-officer-2012"),
    ("evaluator", "evaluator@demo.example", "demo-evaluator-2012"),
)


def check_facts() -> None:
    """Check that the facts agree with the models' vocabularies and with each other.

    Raises:
        AssertionError: naming the first fact that does not.
    """
    assert set(PROFESSION_MIX) == set(PROFESSIONS), "PROFESSION_MIX must cover PROFESSIONS"
    assert abs(sum(PROFESSION_MIX.values()) - 1.0) < 1e-9
    keys = {o.key for o in ORGANISATIONS}
    assert all(o.kind in ORGANISATION_KINDS for o in ORGANISATIONS)
    assert set(EMPLOYERS) == set(PROFESSIONS)
    for where in EMPLOYERS.values():
        assert set(where) - {None} <= keys
        assert abs(sum(where.values()) - 1.0) < 1e-9
    assert len({r.code for r in REGIONS}) == len({r.name for r in REGIONS}) == len(REGIONS)
    assert all(r.training_from.year >= r.joined_year for r in REGIONS)
    assert all(r.training_from.weekday() < 5 for r in REGIONS)
