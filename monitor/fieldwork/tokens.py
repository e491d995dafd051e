"""Invitation tokens and respondent session ids: random, shown once, stored only as a hash.

SHA-256 without a salt is enough here (unlike passwords): a token carries 256 bits of randomness,
so there is nothing to guess from its hash, and an unsalted hash can be looked up by index.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

#: Length of a token from ``secrets.token_urlsafe(32)``; anything else is refused before lookup.
TOKEN_LENGTH = 43


def new_token() -> str:
    """A fresh random token for a link or a session (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The SHA-256 hex digest stored in place of ``token``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(token: str) -> bool:
    """A cheap shape check so that junk never reaches the database."""
    return len(token) == TOKEN_LENGTH and all(c.isalnum() or c in "-_" for c in token)


def same_hash(a: str, b: str) -> bool:
    """Constant-time comparison of two hashes."""
    return hmac.compare_digest(a, b)
