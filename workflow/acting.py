"""Acting officials (Plh / Plt): who stands in for whom, in which role, over which period.

An appointment names the role, the holder who is away, the official acting for them and the
instants the appointment runs between (from the opening of its first office day to the end of
its last). During that period the engine gives the holder's new parts of steps of that role to
the acting official, and the handover sweep moves the holder's open parts to them and, after
the period, back. Pure: no storage, no messages — the rules only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from workflow.errors import Refused
from workflow.model import Person


class ActingKind(StrEnum):
    """Pelaksana Harian (a few days' absence) or Pelaksana Tugas (a vacant post)."""

    PLH = "plh"
    PLT = "plt"

    @property
    def prefix(self) -> str:
        """How letters and the trail write it before the post: "Plh." / "Plt."."""
        return "Plh." if self is ActingKind.PLH else "Plt."


@dataclass(frozen=True)
class Acting:
    """One appointment: `person_id` acts as `role` for `holder_id` from `starts` until `ends`
    (or until `ended_at`, when it was ended early). Appointments are never deleted."""

    id: str
    org_id: str
    role: str
    person_id: str
    holder_id: str
    kind: ActingKind
    starts: datetime
    ends: datetime
    appointed_by: str | None
    appointed_at: datetime
    ended_at: datetime | None = None
    ended_by: str | None = None
    handed_over_at: datetime | None = None  # the holder's open work moved to the acting one
    returned_at: datetime | None = None  # the open work went back to the holder

    @property
    def until(self) -> datetime:
        """When the appointment stops: its end, or earlier when it was ended early."""
        return min(self.ends, self.ended_at) if self.ended_at is not None else self.ends

    def covers(self, at: datetime) -> bool:
        """True while the acting official acts (the instant is inside the period)."""
        return self.starts <= at < self.until

    def overlaps(self, other: Acting) -> bool:
        """True when both stand in for the same holder in the same role at some instant."""
        return (
            self.org_id == other.org_id
            and self.role == other.role
            and self.holder_id == other.holder_id
            and self.starts < other.until
            and other.starts < self.until
        )


def check_new(new: Acting, existing: Sequence[Acting], holder_roles: frozenset[str]) -> None:
    """Refuse an appointment that cannot be: an empty period, a holder who does not hold the
    role, someone standing in for himself, or one overlapping another of the same role."""
    if new.ends <= new.starts:
        raise Refused("acting_bad_period")
    if new.role not in holder_roles:
        raise Refused("acting_holder_without_role", role=new.role)
    if new.person_id == new.holder_id:
        raise Refused("acting_for_self")
    for other in existing:
        if other.overlaps(new):
            raise Refused(
                "acting_overlap",
                role=new.role,
                starts=other.starts,
                ends=other.until - timedelta(seconds=1),  # the last day it covers
            )


def find_stand_in(
    appointments: Sequence[Acting], role: str, holder_id: str, at: datetime
) -> Acting | None:
    """The appointment under which someone acts for this holder in this role now, if any."""
    for acting in appointments:
        if acting.role == role and acting.holder_id == holder_id and acting.covers(at):
            return acting
    return None


def acting_as(appointments: Sequence[Acting], person_id: str, at: datetime) -> list[Acting]:
    """The appointments under which this person acts now."""
    return [a for a in appointments if a.person_id == person_id and a.covers(at)]


def acting_data(acting: Acting) -> dict[str, str]:
    """What an assignment given to an acting official records in its activation event."""
    return {"acting_for": acting.holder_id, "acting_kind": acting.kind.value}


def substitute(
    holders: Sequence[tuple[Person, str]],
    people: Sequence[Person],
    appointments: Sequence[Acting],
    at: datetime,
) -> list[tuple[Person, str, Acting | None]]:
    """Who gets a step's parts now: each holder, or the official acting for them (once: an
    acting official who has a part of his own keeps only that one)."""
    by_id = {p.id: p for p in people}
    taken = {p.id for p, _role in holders}
    out: list[tuple[Person, str, Acting | None]] = []
    for person, role in holders:
        acting = find_stand_in(appointments, role, person.id, at)
        deputy = by_id.get(acting.person_id) if acting is not None else None
        if acting is None or deputy is None or deputy.id in taken:
            out.append((person, role, None))
            continue
        taken.add(deputy.id)
        out.append((deputy, role, acting))
    return out
