"""One unit of work reads an office and its people once, and sees its own writes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import event

from tests.integration.conftest import Database, Org


async def test_an_office_and_its_people_are_read_once_per_unit_of_work(
    db: Database, org: Org
) -> None:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        statements.append(statement)

    someone = org.people["Drs. Ahmad"]
    async with db.uow() as uow:
        event.listen(db.engine.sync_engine, "before_cursor_execute", count)
        try:
            everyone = await uow.people.all_of_org(org.id)
            active = await uow.people.of_org(org.id)
            one = await uow.people.get(someone.id)
            again = await uow.people.get(someone.id)
            office = await uow.people.get_org(org.id)
            assert await uow.people.get_org(org.id) == office
            reads = len(statements)
            # a write is seen by the reads after it, in the same unit of work
            await uow.people.update(replace(someone, name="Drs. Ahmad Baru"))
            renamed = await uow.people.get(someone.id)
            listed = {p.id: p.name for p in await uow.people.of_org(org.id)}
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert reads == 2  # the people once, the office once
    assert [p.id for p in active] == [p.id for p in everyone if p.active]
    assert one == again and one is not None and one.name == "Drs. Ahmad"
    assert renamed is not None and renamed.name == "Drs. Ahmad Baru"
    assert listed[someone.id] == "Drs. Ahmad Baru"
