"""Personal, expiring access to the dashboard: the link the bot sends on /dasbor and the
session cookie the link turns into.

A token is `<person id>.<expiry, unix seconds>.<HMAC-SHA256>` over its kind ("link" or
"session"), the person and the expiry, with a key derived from the bot token (or from
KINERJA_DASHBOARD_SECRET) — never the token itself. A link lives `LINK_MINUTES`; the
session it opens lasts a working day (`SESSION_HOURS`). Both are bound to the person: the
server loads the person on every request, so someone deactivated loses access at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from workflow.model import Person

LINK_MINUTES = 10
SESSION_HOURS = 9  # a working day, with its margins
LINK = "link"
SESSION = "session"


class Verdict(Enum):
    """What a presented token turned out to be."""

    VALID = "valid"
    EXPIRED = "expired"
    INVALID = "invalid"  # tampered with, cut, or made with another key


@dataclass(frozen=True)
class DashboardKeys:
    """Where the dashboard is published and the key its links are signed with."""

    base_url: str  # e.g. https://kinerja.example.go.id/dasbor
    key: bytes

    def link(self, token: str) -> str:
        """The sign-in address carrying a link token."""
        return f"{self.base_url.rstrip('/')}/masuk?t={token}"


def derive_key(bot_token: str, secret: str | None = None) -> bytes:
    """The signing key: from the configured secret, else from the bot token (one-way)."""
    source = secret if secret else bot_token
    return hmac.new(source.encode(), b"kinerja-dashboard", hashlib.sha256).digest()


def _mac(key: bytes, kind: str, person_id: str, expires: int) -> str:
    """The signature of one token, URL-safe base64 without padding."""
    digest = hmac.new(key, f"{kind}|{person_id}|{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(key: bytes, kind: str, person_id: str, expires: datetime) -> str:
    """A token of this kind for this person, valid until `expires`."""
    stamp = int(expires.timestamp())
    return f"{person_id}.{stamp}.{_mac(key, kind, person_id, stamp)}"


def verify(key: bytes, kind: str, token: str, now: datetime) -> tuple[Verdict, str | None]:
    """The verdict on a token and, when valid, the person it is bound to."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isalnum() or not parts[1].isdigit():
        return Verdict.INVALID, None
    person_id, stamp, mac = parts[0], int(parts[1]), parts[2]
    if not hmac.compare_digest(mac.encode(), _mac(key, kind, person_id, stamp).encode()):
        return Verdict.INVALID, None
    if now.timestamp() >= stamp:
        return Verdict.EXPIRED, None
    return Verdict.VALID, person_id


def link_for(keys: DashboardKeys | None, person: Person, now: datetime) -> str | None:
    """/dasbor: this person's sign-in link; None when this server publishes no dashboard."""
    if keys is None:
        return None
    expires = now + timedelta(minutes=LINK_MINUTES)
    return keys.link(sign(keys.key, LINK, person.id, expires))


def session_for(keys: DashboardKeys, person_id: str, now: datetime) -> tuple[str, int]:
    """A session token for a person who opened a valid link, and its lifetime in seconds."""
    lifetime = timedelta(hours=SESSION_HOURS)
    return sign(keys.key, SESSION, person_id, now + lifetime), int(lifetime.total_seconds())
