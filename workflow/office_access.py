"""Who may run the office's runs: reassign an open part, cancel a run, appoint an acting
official. The one place these permissions are decided.

The head of the office is the org file's `head_role`, else the top of the SOP's supervisor
chain (never a role id written here). Administrators, the head's holders and whoever acts for
the head (Plh / Plt) right now oversee the office.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from workflow.acting import Acting, acting_as
from workflow.letters import top_role
from workflow.model import Organisation, Person
from workflow.spec import SopDefinition


def head_of(org: Organisation, spec: SopDefinition) -> str | None:
    """The role heading the office for this SOP (the Camat)."""
    return org.identity.head_role or top_role({r.id: r.supervisor for r in spec.roles})


def roles_now(person: Person, appointments: Sequence[Acting], at: datetime) -> frozenset[str]:
    """The roles a person holds, with those they act in at this instant."""
    return person.roles | {a.role for a in acting_as(appointments, person.id, at)}


def oversees(
    person: Person,
    org: Organisation,
    spec: SopDefinition,
    appointments: Sequence[Acting] = (),
    at: datetime | None = None,
) -> bool:
    """Administrators, the head of the office and the head's acting official oversee it:
    they reassign open work, cancel runs and appoint acting officials."""
    if person.is_admin:
        return True
    head = head_of(org, spec)
    if head is None:
        return False
    held = roles_now(person, appointments, at) if at is not None else person.roles
    return head in held


def may_cancel(
    person: Person,
    org: Organisation,
    spec: SopDefinition,
    appointments: Sequence[Acting] = (),
    at: datetime | None = None,
) -> bool:
    """Those who oversee the office, and the roles that may start the SOP, cancel its runs."""
    return bool(person.roles & set(spec.starters)) or oversees(person, org, spec, appointments, at)
