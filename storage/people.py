"""Organisations and their people in SQL (with the office's letterhead and signing settings)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.acting import ActingRepository, OfficeEvents
from storage.dialect import insert_for
from storage.letters import identity_from_json, identity_json
from storage.tables import (
    ORGANISATIONS,
    PEOPLE,
)
from workflow.acting import Acting
from workflow.indicators import DEFAULT_BANDS, Band
from workflow.model import (
    Organisation,
    Person,
)
from workflow.ports import (
    PeopleRepository,
)

RowDict = dict[str, Any]


def _person_row(p: Person) -> RowDict:
    return {
        "id": p.id,
        "org_id": p.org_id,
        "name": p.name,
        "nip": p.nip,
        "telegram_id": p.telegram_id,
        "roles": sorted(p.roles),
        "is_admin": p.is_admin,
        "language": p.language,
        "salutation": p.salutation,
        "jabatan": p.jabatan,
        "pangkat": p.pangkat,
        "active": p.active,
        "digest": p.digest,
    }


def _person_from(row: Row[Any]) -> Person:
    return Person(
        id=row.id,
        org_id=row.org_id,
        name=row.name,
        roles=frozenset(row.roles or ()),
        is_admin=row.is_admin,
        nip=row.nip,
        telegram_id=row.telegram_id,
        language=row.language,
        salutation=row.salutation,
        jabatan=row.jabatan,
        pangkat=row.pangkat,
        active=row.active,
        digest=row.digest,
    )


BANDS_KEY = "predikat"  # in organisations.settings


def _org_from(row: Row[Any]) -> Organisation:
    return Organisation(
        id=row.id,
        name=row.name,
        group_chat_id=row.group_chat_id,
        identity=identity_from_json(row.settings),
        bands=bands_from_json(row.settings),
        kabupaten=(row.settings or {}).get("kabupaten"),
        level=(row.settings or {}).get("level") or "kecamatan",
    )


def _settings(org: Organisation) -> dict[str, Any]:
    """What `organisations.settings` keeps: the identity on paper, the kabupaten and level,
    and the predikat bands (only when the office set its own; otherwise the default applies,
    and follows it)."""
    settings = identity_json(org.identity) | {"kabupaten": org.kabupaten, "level": org.level}
    if org.bands != DEFAULT_BANDS:
        settings[BANDS_KEY] = [{"name": b.name, "minimum": str(b.minimum)} for b in org.bands]
    return settings


def bands_from_json(settings: Mapping[str, Any] | None) -> tuple[Band, ...]:
    """The bands stored by `_settings` (the default when the office has none)."""
    stored = (settings or {}).get(BANDS_KEY)
    if not stored:
        return DEFAULT_BANDS
    return tuple(Band(b["name"], Decimal(b["minimum"])) for b in stored)


class SqlPeopleRepository(PeopleRepository):
    """Organisations and their people (people are deactivated, never deleted)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.acting = ActingRepository(session)
        self.changes = OfficeEvents(session)  # the office's own audit trail
        # What this unit of work read already: one transaction asks for the same office and
        # people several times (the tapper, the run's next actor, the notices). Only this
        # class writes people and organisations; each write forgets all of it.
        self._orgs: dict[str, Organisation | None] = {}
        self._staff: dict[str, list[Person]] = {}  # org id -> all its people, by name then id
        self._persons: dict[str, Person | None] = {}

    def _forget(self) -> None:
        self._orgs.clear()
        self._staff.clear()
        self._persons.clear()

    async def acting_at(self, org_id: str, at: datetime) -> Sequence[Acting]:
        """The organisation's acting appointments (Plh / Plt) running at this instant."""
        return await self.acting.at(org_id, at)

    async def get_org(self, org_id: str) -> Organisation | None:
        """An organisation by id."""
        if org_id in self._orgs:
            return self._orgs[org_id]
        row = (
            await self.session.execute(select(ORGANISATIONS).where(ORGANISATIONS.c.id == org_id))
        ).first()
        org = self._orgs[org_id] = _org_from(row) if row is not None else None
        return org

    async def org_by_name(self, name: str) -> Organisation | None:
        """An organisation by its (unique) name."""
        row = (
            await self.session.execute(select(ORGANISATIONS).where(ORGANISATIONS.c.name == name))
        ).first()
        return _org_from(row) if row is not None else None

    async def list_orgs(self) -> list[Organisation]:
        """Every organisation, by name."""
        result = await self.session.execute(select(ORGANISATIONS).order_by(ORGANISATIONS.c.name))
        return [_org_from(row) for row in result]

    async def add_org(self, org: Organisation) -> None:
        """Register a new organisation."""
        self._forget()
        await self.session.execute(
            insert_for(self.session, ORGANISATIONS),
            [
                {
                    "id": org.id,
                    "name": org.name,
                    "group_chat_id": org.group_chat_id,
                    "settings": _settings(org),
                }
            ],
        )

    async def update_org(self, org: Organisation) -> None:
        """Write an organisation's name, group chat and identity on paper."""
        self._forget()
        await self.session.execute(
            update(ORGANISATIONS)
            .where(ORGANISATIONS.c.id == org.id)
            .values(
                name=org.name,
                group_chat_id=org.group_chat_id,
                settings=_settings(org),
            )
        )

    async def get(self, person_id: str) -> Person | None:
        """A person by id (also an inactive one: history refers to them)."""
        if person_id in self._persons:
            return self._persons[person_id]
        row = (await self.session.execute(select(PEOPLE).where(PEOPLE.c.id == person_id))).first()
        person = self._persons[person_id] = _person_from(row) if row is not None else None
        return person

    async def of_org(self, org_id: str) -> Sequence[Person]:
        """The organisation's active people, by name then id."""
        return [p for p in await self.all_of_org(org_id) if p.active]

    async def all_of_org(self, org_id: str) -> list[Person]:
        """The organisation's people, active or not, by name then id."""
        staff = self._staff.get(org_id)
        if staff is None:
            staff = self._staff[org_id] = await self._people(PEOPLE.c.org_id == org_id)
            self._persons.update((p.id, p) for p in staff)
        return list(staff)

    async def by_telegram_id(self, telegram_id: int) -> Person | None:
        """The active person using this Telegram account (the earliest registered, if several
        organisations know the same account)."""
        row = (
            await self.session.execute(
                select(PEOPLE)
                .where((PEOPLE.c.telegram_id == telegram_id) & PEOPLE.c.active.is_(True))
                .order_by(PEOPLE.c.created_at, PEOPLE.c.id)
                .limit(1)
            )
        ).first()
        return _person_from(row) if row is not None else None

    async def holders(self, org_id: str, role: str) -> list[Person]:
        """The organisation's active people holding a role, by name then id."""
        # Roles are a JSON list; filtering in Python keeps one query for both backends.
        return [p for p in await self.of_org(org_id) if role in p.roles]

    async def add(self, person: Person) -> None:
        """Register a new person."""
        self._forget()
        await self.session.execute(insert_for(self.session, PEOPLE), [_person_row(person)])

    async def update(self, person: Person) -> None:
        """Write every field of an existing person."""
        self._forget()
        values = _person_row(person)
        del values["id"]
        await self.session.execute(update(PEOPLE).where(PEOPLE.c.id == person.id).values(values))

    async def _people(self, where: Any) -> list[Person]:
        result = await self.session.execute(
            select(PEOPLE).where(where).order_by(PEOPLE.c.name, PEOPLE.c.id)
        )
        return [_person_from(row) for row in result]


# --- definitions --------------------------------------------------------------------------
