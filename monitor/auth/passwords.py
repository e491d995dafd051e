"""Password hashing with argon2id (argon2-cffi)."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import ngettext

_HASHERS = {
    "default": PasswordHasher(type=Type.ID),
    # Cheap parameters so the test suite does not spend ~100 ms per hash; never in production.
    "test": PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID),
}

MIN_PASSWORD_LENGTH = 12


class WeakPassword(ValueError):
    """Raised when a new password is too short to be accepted."""


def _hasher() -> PasswordHasher:
    return _HASHERS[current_app.config.get("ARGON2_PROFILE", "default")]


def hash_password(password: str) -> str:
    """Hash a new password. Raises WeakPassword when it is shorter than MIN_PASSWORD_LENGTH."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(ngettext("A password needs at least %(num)d character.",
                                    "A password needs at least %(num)d characters.",
                                    MIN_PASSWORD_LENGTH))
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when ``password`` matches ``stored_hash``; never raises on a bad hash."""
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# One hash per profile to verify against when the e-mail is unknown.
_DUMMY_HASHES: dict[str, str] = {}


def dummy_verify(password: str) -> None:
    """Spend the time of one verification, so a login does not reveal which e-mails exist."""
    profile = current_app.config.get("ARGON2_PROFILE", "default")
    if profile not in _DUMMY_HASHES:
        _DUMMY_HASHES[profile] = _HASHERS[profile].hash("x" * MIN_PASSWORD_LENGTH)
    verify_password(_DUMMY_HASHES[profile], password)
