"""Pagination of any SELECT (ORM entities or several columns), counted in SQL."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from monitor.extensions import db


@dataclass(frozen=True)
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def paginate(stmt: Select, page: int, per_page: int) -> Page:
    """One page of ``stmt``: a row per item (a single entity is unwrapped), and the total.

    Flask-SQLAlchemy's paginate only returns the first column; lists here show counts beside
    each record, computed by the same query.
    """
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page = min(max(page, 1), max(1, math.ceil((total or 0) / per_page)))
    result = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page))
    rows = result.all()  # many-to-one joinedloads only: no duplicate rows to unique()
    items = [row[0] if len(row) == 1 else row for row in rows]
    return Page(items=items, page=page, per_page=per_page, total=total or 0)

