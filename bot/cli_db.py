"""The database of the server-side sub-commands: open (and migrate) it, find the organisation
a command is about."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli_errors import CliError
from bot.settings import Settings
from storage.bot_uow import BotUnitOfWork
from storage.database import make_engine, make_session_factory, private_dir
from storage.migrate import upgrade_engine
from workflow.model import Organisation

R = TypeVar("R")
UowFactory = Callable[[], BotUnitOfWork]


async def open_db(settings: Settings) -> tuple[AsyncEngine, UowFactory]:
    """Migrate the database and return (engine, unit-of-work factory over the SOP catalog)."""
    private_dir(settings.data_dir)
    engine = make_engine(settings.database())
    await upgrade_engine(engine)
    sessions = make_session_factory(engine)
    sops = settings.sops()
    return engine, lambda: BotUnitOfWork(sessions, sops=sops)


async def find_org(uow: BotUnitOfWork, name: str | None) -> Organisation:
    """The organisation named (or the only one)."""
    orgs = await uow.people.list_orgs()
    if name is None and len(orgs) == 1:
        return orgs[0]
    found = [o for o in orgs if name is not None and o.name.casefold() == name.casefold()]
    if not found:
        known = ", ".join(o.name for o in orgs) or "(none: run `kinerja-bot org import` first)"
        if name is None:
            raise CliError(f"several organisations; name one with --org ({known})")
        raise CliError(f"unknown organisation {name!r}; known: {known}")
    return found[0]


async def with_org(
    settings: Settings,
    org_name: str | None,
    work: Callable[[UowFactory, Organisation], Awaitable[R]],
) -> tuple[Organisation, R]:
    """Open the database, find the organisation named (or the only one), run `work` on it
    with the unit-of-work factory, close the database; the organisation and what it gave."""
    engine, factory = await open_db(settings)
    try:
        async with factory() as uow:
            org = await find_org(uow, org_name)
        return org, await work(factory, org)
    finally:
        await engine.dispose()
