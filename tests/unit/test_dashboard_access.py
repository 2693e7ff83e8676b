"""The dashboard's links and sessions (issue 14): signed, short-lived, bound to one person;
a tampered, cut, expired, re-used-as-another-kind or foreign token is refused. And the
overview's sorting: by a column either way, rows without a value last."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from application.dashboard.access import (
    LINK,
    LINK_MINUTES,
    SESSION,
    DashboardKeys,
    Verdict,
    derive_key,
    link_for,
    session_for,
    sign,
    verify,
)
from application.dashboard.overview import OverviewRow, sort_rows
from workflow.model import Person

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
TOKEN = "123456:AAEsecret-bot-token"
KEYS = DashboardKeys("https://kinerja.example.go.id/dasbor/", derive_key(TOKEN))
RINA = Person(id="a" * 32, org_id="o" * 32, name="Rina", roles=frozenset({"anggota_tim_sakip"}))


def _token(link: str) -> str:
    return link.split("?t=", 1)[1]


def test_a_link_is_the_persons_for_ten_minutes_and_never_shows_the_bot_token() -> None:
    link = link_for(KEYS, RINA, NOW)
    assert link is not None
    assert link.startswith("https://kinerja.example.go.id/dasbor/masuk?t=")
    assert TOKEN not in link and "AAEsecret" not in link
    token = _token(link)
    assert verify(KEYS.key, LINK, token, NOW) == (Verdict.VALID, RINA.id)
    later = NOW + timedelta(minutes=LINK_MINUTES, seconds=-1)
    assert verify(KEYS.key, LINK, token, later) == (Verdict.VALID, RINA.id)
    expired = NOW + timedelta(minutes=LINK_MINUTES)
    assert verify(KEYS.key, LINK, token, expired) == (Verdict.EXPIRED, None)


def test_no_dashboard_configured_gives_no_link() -> None:
    assert link_for(None, RINA, NOW) is None


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the signature
        lambda t: "b" * 32 + t[32:],  # another person
        lambda t: t.replace(".", ".9", 1),  # a later expiry
        lambda t: t[:40],  # cut while copying
        lambda t: "",
        lambda t: "not.a.token",
        lambda t: t + ".extra",
    ],
)
def test_a_tampered_token_is_invalid(change: object) -> None:
    token = _token(link_for(KEYS, RINA, NOW) or "")
    assert callable(change)
    assert verify(KEYS.key, LINK, change(token), NOW) == (Verdict.INVALID, None)


def test_a_link_is_not_a_session_and_another_key_verifies_nothing() -> None:
    link_token = _token(link_for(KEYS, RINA, NOW) or "")
    assert verify(KEYS.key, SESSION, link_token, NOW)[0] is Verdict.INVALID
    session, seconds = session_for(KEYS, RINA.id, NOW)
    assert seconds == 9 * 3600
    assert verify(KEYS.key, SESSION, session, NOW + timedelta(hours=8)) == (Verdict.VALID, RINA.id)
    assert verify(KEYS.key, SESSION, session, NOW + timedelta(hours=9))[0] is Verdict.EXPIRED
    assert verify(KEYS.key, LINK, session, NOW)[0] is Verdict.INVALID
    other = derive_key("654321:another-bot")
    assert verify(other, SESSION, session, NOW)[0] is Verdict.INVALID


def test_a_configured_secret_replaces_the_token_as_the_key_source() -> None:
    assert derive_key(TOKEN, "a long configured secret") != derive_key(TOKEN)
    assert derive_key(TOKEN, None) == derive_key(TOKEN, "") == KEYS.key
    token = sign(derive_key(TOKEN, "s3cret"), LINK, RINA.id, NOW + timedelta(minutes=1))
    assert verify(KEYS.key, LINK, token, NOW)[0] is Verdict.INVALID


def _row(org: str, budget: str | None, step: int | None = None) -> OverviewRow:
    return OverviewRow(
        org=org,
        run_id=org if budget is not None else None,
        title="T",
        budget_pct=Decimal(budget) if budget is not None else None,
        step_no=step,
    )


def test_rows_sort_by_a_column_both_ways_with_the_empty_ones_last() -> None:
    rows = [
        _row("Cibatu", "40.5"),
        _row("Babakan", None),
        _row("Anjun", "12"),
        _row("Darangdan", "77"),
    ]
    up = [r.org for r in sort_rows(rows, "anggaran", descending=False)]
    down = [r.org for r in sort_rows(rows, "anggaran", descending=True)]
    assert up == ["Anjun", "Cibatu", "Darangdan", "Babakan"]
    assert down == ["Darangdan", "Cibatu", "Anjun", "Babakan"]
    assert [r.org for r in sort_rows(rows, "kantor", descending=True)] == [
        "Darangdan", "Cibatu", "Babakan", "Anjun"
    ]  # fmt: skip
    assert sort_rows(rows, "no-such-column", False)[0].org == "Anjun"
