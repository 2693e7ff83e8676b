"""What the workflow services need from the outside: repositories and a unit of work.

`storage/` implements these with SQLAlchemy; `tests/unit/fakes.py` with dictionaries. The
services never see SQL or Telegram, only these interfaces.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from workflow.acting import Acting
from workflow.indicators import BudgetRealisation, IndicatorSet, PeriodValue, Realisation
from workflow.model import Document, Organisation, Person, Run
from workflow.spec import LoadedDefinition


class Calendar(Protocol):
    """The part of the office calendar the engine needs."""

    def due(self, start: datetime, minutes: int) -> datetime:
        """The instant `minutes` office minutes after `start`."""
        ...

    def office_minutes_between(self, a: datetime, b: datetime) -> int:
        """Office minutes in [a, b)."""
        ...


class RunRepository(ABC):
    """Runs with their step instances, assignments and (new) events."""

    @abstractmethod
    async def add(self, run: Run) -> None:
        """Register a new run (persisted on commit)."""

    @abstractmethod
    async def get(self, run_id: str) -> Run | None:
        """Load a run by id."""

    @abstractmethod
    async def get_by_assignment(self, assignment_id: str) -> Run | None:
        """Load the run an assignment belongs to."""

    @abstractmethod
    async def save(self, run: Run) -> None:
        """Persist a changed run (its new events and state) on commit."""

    @abstractmethod
    async def list_active(self, org_id: str) -> Sequence[Run]:
        """The organisation's active runs, oldest first."""

    @abstractmethod
    async def of_period(self, org_id: str, sop_name: str, period: str) -> Sequence[Run]:
        """The organisation's runs of an SOP for a period ("Triwulan IV 2026"), any status."""


class PeopleRepository(ABC):
    """Organisations and their people."""

    @abstractmethod
    async def get_org(self, org_id: str) -> Organisation | None:
        """An organisation by id."""

    @abstractmethod
    async def get(self, person_id: str) -> Person | None:
        """A person by id."""

    @abstractmethod
    async def of_org(self, org_id: str) -> Sequence[Person]:
        """The organisation's active people, in a stable order (name, then id)."""

    async def acting_at(self, org_id: str, at: datetime) -> Sequence[Acting]:
        """The organisation's acting appointments (Plh / Plt) running at this instant; an
        office without any has none (the default)."""
        del org_id, at
        return []


class DefinitionRepository(ABC):
    """SOP definitions, pinned by version."""

    @abstractmethod
    async def current(self, name: str) -> LoadedDefinition | None:
        """The definition a new run of `name` uses (pinning it if new)."""

    @abstractmethod
    async def get(self, name: str, version: str) -> LoadedDefinition | None:
        """The exact version a run pinned."""


class DocumentRepository(ABC):
    """Metadata of stored documents."""

    @abstractmethod
    async def get(self, document_id: str) -> Document | None:
        """A document by id."""

    @abstractmethod
    async def add(self, document: Document) -> None:
        """Register a stored document."""


class IndicatorRepository(ABC):
    """An organisation's indicator sets per year, and the realisations reported in runs."""

    @abstractmethod
    async def get_set(self, org_id: str, year: int) -> IndicatorSet | None:
        """The organisation's sasaran, indicators and programmes of that year, if imported."""

    @abstractmethod
    async def save_set(self, indicator_set: IndicatorSet) -> None:
        """Add or update by code (never duplicates); indicators left out are kept as retired."""

    @abstractmethod
    async def realisations(
        self, run_id: str, before: datetime | None = None
    ) -> Sequence[Realisation]:
        """The latest realisation of each indicator reported in a run (with `before`: the
        latest reported before that instant, what stood then)."""

    @abstractmethod
    async def record(self, realisation: Realisation) -> None:
        """Keep a reported value (a correction is a newer row; the history stays)."""

    @abstractmethod
    async def period_values(self, org_id: str, year: int) -> Sequence[PeriodValue]:
        """The latest imported value of each (indicator, quarter) of the year."""

    @abstractmethod
    async def record_period_value(self, value: PeriodValue) -> None:
        """Keep an imported value (an import again is a newer row; the history stays)."""

    @abstractmethod
    async def budget_realisations(self, run_id: str) -> Sequence[BudgetRealisation]:
        """The latest budget realisation of each programme reported in a run."""

    @abstractmethod
    async def record_budget(self, spent: BudgetRealisation) -> None:
        """Keep a reported budget realisation (a correction is a newer row)."""


class UnitOfWork(ABC):
    """One transaction: everything a command changes is committed together or not at all."""

    runs: RunRepository
    people: PeopleRepository
    definitions: DefinitionRepository
    documents: DocumentRepository
    indicators: IndicatorRepository

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.rollback()

    @abstractmethod
    async def commit(self) -> None:
        """Make the changes durable."""

    @abstractmethod
    async def rollback(self) -> None:
        """Drop uncommitted changes (harmless after a commit)."""
