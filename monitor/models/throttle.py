"""Counters of failed attempts, kept in the database so a limit holds across server processes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from monitor.extensions import db


class ThrottleCounter(db.Model):
    """Failures counted for one key (e.g. ``login-ip:1.2.3.4``) in the current window."""

    __tablename__ = "throttle_counter"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    window_start: Mapped[datetime]
    failures: Mapped[int] = mapped_column(default=0)
