"""What an accepted workflow command did (`Outcome`), and the publishers that turn it into
messages and documents in the same transaction (`combine` runs several in order)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from workflow.model import Assignment, Event, Run
from workflow.ports import UnitOfWork
from workflow.spec import SopDefinition


@dataclass(frozen=True)
class Outcome:
    """What an accepted command did: the run after it, its new events, new assignments."""

    run: Run
    spec: SopDefinition
    events: list[Event]
    activated: list[Assignment]


Publisher = Callable[[Outcome, UnitOfWork], Awaitable[None]]


def combine(*publishers: Publisher) -> Publisher:
    """One publisher that runs several in order (same transaction)."""

    async def publish(outcome: Outcome, uow: UnitOfWork) -> None:
        for each in publishers:
            await each(outcome, uow)

    return publish
