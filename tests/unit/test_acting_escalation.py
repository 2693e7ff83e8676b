"""Escalations while someone acts for the head, and at the end of the chain: the acting
official, else the administrators — never nobody (`application.reminders`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from application.reminders import acting_for_them, chain_end
from workflow.acting import Acting, ActingKind
from workflow.model import Person

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
CAMAT = Person("p-camat", "org1", "Ahmad", frozenset({"camat"}))
SITI = Person("p-sek", "org1", "Siti", frozenset({"sekretaris"}))
ADMIN = Person("p-admin", "org1", "Wati", frozenset(), is_admin=True)
PEOPLE = {p.id: p for p in (CAMAT, SITI, ADMIN)}
PLH = Acting(
    "a1", "org1", "camat", SITI.id, CAMAT.id, ActingKind.PLH,
    NOW - timedelta(hours=1), NOW + timedelta(days=2), CAMAT.id, NOW,
)  # fmt: skip


def test_an_escalation_to_the_camat_goes_to_his_plh_while_she_acts() -> None:
    assert acting_for_them([(CAMAT, "camat")], PEOPLE, [PLH], NOW) == [(SITI, "camat")]
    after = NOW + timedelta(days=3)
    assert acting_for_them([(CAMAT, "camat")], PEOPLE, [PLH], after) == [(CAMAT, "camat")]


def test_the_top_of_the_chain_escalates_to_the_plh_else_the_administrators() -> None:
    assert chain_end("camat", CAMAT.id, PEOPLE, [PLH], NOW) == [SITI]
    assert chain_end("camat", CAMAT.id, PEOPLE, [], NOW) == [ADMIN]
    # The Plh's own overdue step at the top: the administrators, not herself.
    assert chain_end("camat", SITI.id, PEOPLE, [PLH], NOW) == [ADMIN]


def test_never_to_nobody_even_when_the_only_administrator_is_late() -> None:
    boss = Person("p-camat", "org1", "Ahmad", frozenset({"camat"}), is_admin=True)
    people = {boss.id: boss, SITI.id: SITI}
    assert chain_end("camat", boss.id, people, [], NOW) == [boss]
