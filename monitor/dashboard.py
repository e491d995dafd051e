"""The programme at a glance: SQL aggregates for the overview page.

Every figure is one GROUP BY in the database, so the page costs the same for 50 persons as for
50,000; nothing here loads registry rows into Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import extract, func, select

from monitor.extensions import db
from monitor.models import (
    AssistanceEpisode,
    AssistedPerson,
    Provider,
    Region,
    TrainingAttendance,
    TrainingSession,
)


@dataclass(frozen=True)
class Totals:
    regions: int
    providers: int
    trained_providers: int
    sessions: int
    persons: int
    episodes: int

    @property
    def coverage(self) -> float | None:
        """Share of registered providers with any training (None without providers)."""
        return self.trained_providers / self.providers if self.providers else None


def _first_training():
    """Subquery: each trained provider's first training date."""
    return (select(TrainingAttendance.provider_id,
                   func.min(TrainingSession.held_on).label("first_on"))
            .join(TrainingSession, TrainingSession.id == TrainingAttendance.session_id)
            .group_by(TrainingAttendance.provider_id).subquery())


def totals() -> Totals:
    """Counts across the whole programme, one query."""
    first = _first_training()
    row = db.session.execute(select(
        select(func.count()).select_from(Region).scalar_subquery(),
        select(func.count()).select_from(Provider).scalar_subquery(),
        select(func.count()).select_from(first).scalar_subquery(),
        select(func.count()).select_from(TrainingSession).scalar_subquery(),
        select(func.count()).select_from(AssistedPerson).scalar_subquery(),
        select(func.count()).select_from(AssistanceEpisode).scalar_subquery(),
    )).one()
    return Totals(*(int(v or 0) for v in row))


def region_table() -> pd.DataFrame:
    """Per region: providers, trained providers, coverage, assisted persons, episodes, ongoing."""
    first = _first_training()
    providers = (select(Provider.region_id, func.count().label("providers"),
                        func.count(first.c.provider_id).label("trained"))
                 .outerjoin(first, first.c.provider_id == Provider.id)
                 .group_by(Provider.region_id).subquery())
    persons = (select(AssistedPerson.region_id, func.count().label("persons"))
               .group_by(AssistedPerson.region_id).subquery())
    episodes = (select(AssistedPerson.region_id, func.count().label("episodes"),
                       func.count().filter(AssistanceEpisode.ended_on.is_(None)).label("ongoing"))
                .join(AssistedPerson, AssistedPerson.id == AssistanceEpisode.person_id)
                .group_by(AssistedPerson.region_id).subquery())
    stmt = (select(Region.id.label("region_id"), Region.name.label("region"), Region.joined_year,
                   func.coalesce(providers.c.providers, 0).label("providers"),
                   func.coalesce(providers.c.trained, 0).label("trained"),
                   func.coalesce(persons.c.persons, 0).label("persons"),
                   func.coalesce(episodes.c.episodes, 0).label("episodes"),
                   func.coalesce(episodes.c.ongoing, 0).label("ongoing"))
            .outerjoin(providers, providers.c.region_id == Region.id)
            .outerjoin(persons, persons.c.region_id == Region.id)
            .outerjoin(episodes, episodes.c.region_id == Region.id)
            .order_by(Region.joined_year, Region.name))
    df = pd.DataFrame(db.session.execute(stmt).mappings().all(),
                      columns=["region_id", "region", "joined_year", "providers", "trained",
                               "persons", "episodes", "ongoing"])
    df["coverage"] = (df["trained"] / df["providers"].where(df["providers"] > 0)).astype(float)
    return df


def coverage_by_year() -> pd.DataFrame:
    """Region x year: providers trained for the first time that year, cumulative trained and
    cumulative coverage (trained / providers registered in the region today)."""
    first = _first_training()
    year = extract("year", first.c.first_on).label("year")
    stmt = (select(Provider.region_id, year, func.count().label("newly_trained"))
            .join(first, first.c.provider_id == Provider.id)
            .group_by(Provider.region_id, year))
    rows = pd.DataFrame(db.session.execute(stmt).mappings().all(),
                        columns=["region_id", "year", "newly_trained"])
    regions = region_table()[["region_id", "region", "joined_year", "providers"]]
    if rows.empty:
        return pd.DataFrame(columns=["region", "joined_year", "year", "newly_trained",
                                     "trained", "coverage"])
    rows["year"] = rows["year"].astype(int)
    years = range(rows["year"].min(), rows["year"].max() + 1)
    grid = pd.MultiIndex.from_product([regions["region_id"], years], names=["region_id", "year"])
    out = (rows.set_index(["region_id", "year"]).reindex(grid, fill_value=0).reset_index()
           .merge(regions, on="region_id"))
    out = out.sort_values(["joined_year", "region", "year"])
    out["trained"] = out.groupby("region_id")["newly_trained"].cumsum()
    out["coverage"] = out["trained"] / out["providers"].where(out["providers"] > 0)
    return out.reset_index(drop=True)
