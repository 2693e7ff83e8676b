"""SQL implementations of the workflow repositories, mapping rows to domain objects by hand.

The repositories use Core statements on the tables of `storage.tables` (no ORM identity map),
so what a method returns is always what the database holds, and every write is explicit.

Runs are saved with an optimistic lock: `save` bumps `runs.lock_version` only if it still has
the value the run was loaded with; otherwise another transaction got there first and
`ConcurrentUpdate` is raised before anything else is written. Within one unit of work the
repository remembers what it loaded (a snapshot per run), so `save` writes only the new events
and the step instances and assignments that are new or changed. The same snapshot answers a
second `get` of the run in that unit of work without asking the database again (only this
repository writes runs, step instances and assignments, and a run changed meanwhile by another
transaction is still caught by the lock when saved): a fresh object, equal to a reload.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import CursorResult, Row, Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import insert_for
from storage.documents import SqlDocumentRepository
from storage.errors import ConcurrentUpdate
from storage.people import SqlPeopleRepository
from storage.tables import (
    ASSIGNMENTS,
    EVENTS,
    RUNS,
    SOP_VERSIONS,
    STEP_INSTANCES,
)
from workflow.catalog import SopCatalog
from workflow.model import (
    Assignment,
    AssignmentStatus,
    Event,
    EventKind,
    Run,
    RunStatus,
    StepInstance,
    StepOutcome,
    StepStatus,
)
from workflow.ports import (
    DefinitionRepository,
    RunRepository,
)
from workflow.spec import (
    LoadedDefinition,
    parse_definition,
    resolve_definition,
)

RowDict = dict[str, Any]


# Upsert statements by (dialect, table, key): building one makes a proxy of every column
# ("excluded"), which cost more than running it (issue 15's profile); they never change.
_UPSERTS: dict[tuple[str, str, tuple[str, ...]], Any] = {}


async def _upsert(
    session: AsyncSession, table: Table, rows: Sequence[RowDict], key: Sequence[str]
) -> None:
    """Insert rows, or update every non-key column of the rows already there."""
    if not rows:
        return
    made = (session.get_bind().dialect.name, table.name, tuple(key))
    stmt = _UPSERTS.get(made)
    if stmt is None:
        stmt = insert_for(session, table)
        stmt = stmt.on_conflict_do_update(
            index_elements=list(key),
            set_={c.name: stmt.excluded[c.name] for c in table.c if c.name not in key},
        )
        _UPSERTS[made] = stmt
    await session.execute(stmt, list(rows))


# --- runs ---------------------------------------------------------------------------------


def _run_row(run: Run) -> RowDict:
    return {
        "id": run.id,
        "org_id": run.org_id,
        "sop_name": run.sop_name,
        "sop_version": run.sop_version,
        "title": run.title,
        "status": run.status.value,
        "started_by": run.started_by,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "cancel_reason": run.cancel_reason,
        "period": run.period,
        "last_seq": run.last_seq,
        "lock_version": run.lock_version,
    }


def _step_row(inst: StepInstance, position: int) -> RowDict:
    return {
        "id": inst.id,
        "run_id": inst.run_id,
        "position": position,
        "step_no": inst.step_no,
        "round": inst.round,
        "status": inst.status.value,
        "activated_at": inst.activated_at,
        "completed_at": inst.completed_at,
        "outcome": inst.outcome.value if inst.outcome is not None else None,
        "note": inst.note,
        "returned_from": inst.returned_from,
        "only_people": list(inst.only_people) or None,
        "returned_items": list(inst.returned_items) or None,
    }


def _assignment_row(a: Assignment, position: int) -> RowDict:
    return {
        "id": a.id,
        "run_id": a.run_id,
        "position": position,
        "step_instance_id": a.step_instance_id,
        "step_no": a.step_no,
        "person_id": a.person_id,
        "role": a.role,
        "status": a.status.value,
        "activated_at": a.activated_at,
        "clock_from": a.clock_from,
        "due_at": a.due_at,
        "completed_at": a.completed_at,
        "note": a.note,
        "document_ids": list(a.document_ids),
        "data": dict(a.data),
        "paraf": a.paraf,
        "acting_for": a.acting_for,
        "acting_kind": a.acting_kind,
    }


def _event_row(e: Event) -> RowDict:
    return {
        "run_id": e.run_id,
        "seq": e.seq,
        "kind": e.kind.value,
        "at": e.at,
        "actor_id": e.actor_id,
        "step_no": e.step_no,
        "step_instance_id": e.step_instance_id,
        "assignment_id": e.assignment_id,
        "person_id": e.person_id,
        "note": e.note,
        "document_ids": list(e.document_ids),
        "data": dict(e.data),
    }


def _step_from(row: Row[Any] | SimpleNamespace) -> StepInstance:
    return StepInstance(
        id=row.id,
        run_id=row.run_id,
        step_no=row.step_no,
        round=row.round,
        status=StepStatus(row.status),
        activated_at=row.activated_at,
        completed_at=row.completed_at,
        outcome=StepOutcome(row.outcome) if row.outcome is not None else None,
        note=row.note,
        returned_from=row.returned_from,
        only_people=tuple(row.only_people or ()),
        returned_items=tuple(row.returned_items or ()),
    )


def _assignment_from(row: Row[Any] | SimpleNamespace) -> Assignment:
    return Assignment(
        id=row.id,
        run_id=row.run_id,
        step_instance_id=row.step_instance_id,
        step_no=row.step_no,
        person_id=row.person_id,
        role=row.role,
        status=AssignmentStatus(row.status),
        activated_at=row.activated_at,
        due_at=row.due_at,
        clock_from=row.clock_from,
        completed_at=row.completed_at,
        note=row.note,
        document_ids=list(row.document_ids or []),
        data=dict(row.data or {}),
        paraf=bool(row.paraf),
        acting_for=row.acting_for,
        acting_kind=row.acting_kind,
    )


def _event_from(row: Row[Any] | SimpleNamespace) -> Event:
    return Event(
        run_id=row.run_id,
        seq=row.seq,
        kind=EventKind(row.kind),
        at=row.at,
        actor_id=row.actor_id,
        step_no=row.step_no,
        step_instance_id=row.step_instance_id,
        assignment_id=row.assignment_id,
        person_id=row.person_id,
        note=row.note,
        document_ids=tuple(row.document_ids or ()),
        data=dict(row.data or {}),
    )


def _run_from(
    row: Row[Any] | SimpleNamespace, steps: list[StepInstance], assignments: list[Assignment]
) -> Run:
    return Run(
        id=row.id,
        org_id=row.org_id,
        sop_name=row.sop_name,
        sop_version=row.sop_version,
        title=row.title,
        status=RunStatus(row.status),
        started_by=row.started_by,
        started_at=row.started_at,
        finished_at=row.finished_at,
        cancel_reason=row.cancel_reason,
        period=row.period,
        steps=steps,
        assignments=assignments,
        last_seq=row.last_seq,
        lock_version=row.lock_version,
    )


@dataclass
class _Snapshot:
    """What the database holds for a run, as this unit of work last read or wrote it
    (`run` is None when the run's own row was not seen: then it is read again)."""

    persisted_seq: int
    steps: dict[str, RowDict] = field(default_factory=dict)
    assignments: dict[str, RowDict] = field(default_factory=dict)
    run: RowDict | None = None

    @classmethod
    def of(cls, run: Run) -> _Snapshot:
        """The snapshot of a run as loaded or saved (no unsaved events)."""
        return cls(
            persisted_seq=run.last_seq - len(run.events),
            steps={s.id: _step_row(s, i) for i, s in enumerate(run.steps)},
            assignments={a.id: _assignment_row(a, i) for i, a in enumerate(run.assignments)},
            run=_run_row(run),
        )

    def rebuild(self) -> Run | None:
        """A new Run equal to what a reload would give (None without the run's row)."""
        if self.run is None:
            return None
        steps = [_step_from(SimpleNamespace(**row)) for row in self.steps.values()]
        # `data` may nest lists and mappings: the new run must not share them with the
        # snapshot (a change made in place would then look saved).
        assignments = [
            _assignment_from(SimpleNamespace(**{**row, "data": copy.deepcopy(row["data"])}))
            for row in self.assignments.values()
        ]
        steps.sort(key=lambda s: self.steps[s.id]["position"])
        assignments.sort(key=lambda a: self.assignments[a.id]["position"])
        return _run_from(SimpleNamespace(**self.run), steps, assignments)


class SqlRunRepository(RunRepository):
    """Runs with their step instances, assignments and events."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._snapshots: dict[str, _Snapshot] = {}

    def forget(self) -> None:
        """Drop the snapshots (after a rollback they no longer describe the database)."""
        self._snapshots.clear()

    async def add(self, run: Run) -> None:
        """Insert a new run with its step instances, assignments and events."""
        run.lock_version = 0
        await self.session.execute(insert_for(self.session, RUNS), [_run_row(run)])
        steps = [_step_row(s, i) for i, s in enumerate(run.steps)]
        assignments = [_assignment_row(a, i) for i, a in enumerate(run.assignments)]
        if steps:
            await self.session.execute(insert_for(self.session, STEP_INSTANCES), steps)
        if assignments:
            await self.session.execute(insert_for(self.session, ASSIGNMENTS), assignments)
        if run.events:
            events = [_event_row(e) for e in run.events]
            await self.session.execute(insert_for(self.session, EVENTS), events)
        self._snapshots[run.id] = _Snapshot(
            persisted_seq=run.last_seq,
            steps={row["id"]: row for row in steps},
            assignments={row["id"]: row for row in assignments},
            run=_run_row(run),
        )

    async def get(self, run_id: str) -> Run | None:
        """Load a run's current state (its `events` list is empty: nothing new yet)."""
        snapshot = self._snapshots.get(run_id)
        known = snapshot.rebuild() if snapshot is not None else None
        if known is not None:
            return known
        runs = await self._load(RUNS.c.id == run_id)
        return runs[0] if runs else None

    async def get_many(self, run_ids: Sequence[str]) -> dict[str, Run]:
        """Load several runs at once (three queries), by id."""
        if not run_ids:
            return {}
        return {run.id: run for run in await self._load(RUNS.c.id.in_(list(set(run_ids))))}

    async def get_by_assignment(self, assignment_id: str) -> Run | None:
        """Load the run an assignment belongs to."""
        for known_id, snapshot in self._snapshots.items():
            if assignment_id in snapshot.assignments and snapshot.run is not None:
                return await self.get(known_id)
        run_id = await self.session.scalar(
            select(ASSIGNMENTS.c.run_id).where(ASSIGNMENTS.c.id == assignment_id)
        )
        return await self.get(run_id) if run_id is not None else None

    async def list_active(self, org_id: str) -> Sequence[Run]:
        """The organisation's active runs, oldest first."""
        return await self._load(
            (RUNS.c.org_id == org_id) & (RUNS.c.status == RunStatus.ACTIVE.value)
        )

    async def of_period(self, org_id: str, sop_name: str, period: str) -> Sequence[Run]:
        """The organisation's runs of an SOP for a period, any status, oldest first."""
        return await self._load(
            (RUNS.c.org_id == org_id) & (RUNS.c.sop_name == sop_name) & (RUNS.c.period == period)
        )

    async def of_org(self, org_id: str) -> Sequence[Run]:
        """Every run of the organisation (active, finished, cancelled), oldest first."""
        return await self._load(RUNS.c.org_id == org_id)

    async def history(self, run_id: str) -> list[Event]:
        """Every stored event of a run, in order (the audit trail)."""
        result = await self.session.execute(
            select(EVENTS).where(EVENTS.c.run_id == run_id).order_by(EVENTS.c.seq)
        )
        return [_event_from(row) for row in result]

    async def save(self, run: Run) -> None:
        """Write the run's new events and changed state, guarded by the optimistic lock."""
        snapshot = self._snapshots.get(run.id)
        if snapshot is None:  # not read through this unit of work: write everything we hold
            snapshot = _Snapshot(persisted_seq=run.last_seq - len(run.events))
        seen = run.lock_version
        values = _run_row(run)
        del values["id"], values["lock_version"]
        result = await self.session.execute(
            update(RUNS)
            .where((RUNS.c.id == run.id) & (RUNS.c.lock_version == seen))
            .values(lock_version=RUNS.c.lock_version + 1, **values)
        )
        if cast(CursorResult[Any], result).rowcount != 1:
            exists = await self.session.scalar(select(RUNS.c.id).where(RUNS.c.id == run.id))
            if exists is None:
                raise LookupError(f"run {run.id} is not stored; add() a new run first")
            raise ConcurrentUpdate(run.id, seen)
        run.lock_version = seen + 1
        values["id"], values["lock_version"] = run.id, run.lock_version

        steps = {s.id: _step_row(s, i) for i, s in enumerate(run.steps)}
        assignments = {a.id: _assignment_row(a, i) for i, a in enumerate(run.assignments)}
        await _upsert(self.session, STEP_INSTANCES, _changed(steps, snapshot.steps), ["id"])
        await _upsert(
            self.session, ASSIGNMENTS, _changed(assignments, snapshot.assignments), ["id"]
        )
        new_events = [_event_row(e) for e in run.events if e.seq > snapshot.persisted_seq]
        if new_events:
            await self.session.execute(insert_for(self.session, EVENTS), new_events)
        self._snapshots[run.id] = _Snapshot(
            persisted_seq=run.last_seq, steps=steps, assignments=assignments, run=values
        )

    async def _load(self, where: Any) -> list[Run]:
        """Load whole runs matching a condition, in three queries whatever their number."""
        run_rows = (
            await self.session.execute(
                select(RUNS).where(where).order_by(RUNS.c.started_at, RUNS.c.id)
            )
        ).all()
        if not run_rows:
            return []
        ids = [row.id for row in run_rows]
        steps: dict[str, list[StepInstance]] = {i: [] for i in ids}
        step_rows = await self.session.execute(
            select(STEP_INSTANCES)
            .where(STEP_INSTANCES.c.run_id.in_(ids))
            .order_by(STEP_INSTANCES.c.run_id, STEP_INSTANCES.c.position)
        )
        for row in step_rows:
            steps[row.run_id].append(_step_from(row))
        assignments: dict[str, list[Assignment]] = {i: [] for i in ids}
        assignment_rows = await self.session.execute(
            select(ASSIGNMENTS)
            .where(ASSIGNMENTS.c.run_id.in_(ids))
            .order_by(ASSIGNMENTS.c.run_id, ASSIGNMENTS.c.position)
        )
        for row in assignment_rows:
            assignments[row.run_id].append(_assignment_from(row))
        runs = [_run_from(row, steps[row.id], assignments[row.id]) for row in run_rows]
        for run in runs:
            self._snapshots[run.id] = _Snapshot.of(run)
        return runs


def _changed(current: Mapping[str, RowDict], seen: Mapping[str, RowDict]) -> list[RowDict]:
    """Rows that are new or differ from what the database holds."""
    return [row for key, row in current.items() if seen.get(key) != row]


# --- organisations and people -------------------------------------------------------------


@lru_cache(maxsize=64)
def _parse_pinned(source_text: str, source: str) -> LoadedDefinition:
    """Parse a pinned definition once per process (pinned texts never change)."""
    return parse_definition(source_text, source)


# Pinned definitions already read, by (database URL, SOP name, version).
_PINNED: dict[tuple[str, str, str], LoadedDefinition] = {}


def _database_of(session: AsyncSession) -> str:
    """The URL of the database a session works on (password hidden)."""
    bind = session.bind
    engine = getattr(bind, "engine", bind)
    return str(getattr(engine, "url", ""))


class SqlDefinitionRepository(DefinitionRepository):
    """SOP definitions: the current file for new runs, the pinned text for running ones.

    New runs take the definition the `catalog` finds (the deployment's directories, then the
    shipped SOPs); `sources` maps an SOP name to a definition file used before the catalog (a
    test's temporary file).
    """

    def __init__(
        self,
        session: AsyncSession,
        sources: Mapping[str, str | Path] | None = None,
        catalog: SopCatalog | None = None,
    ) -> None:
        self.session = session
        self.sources = dict(sources or {})
        self.catalog = catalog if catalog is not None else SopCatalog()

    async def current(self, name: str) -> LoadedDefinition | None:
        """Load the definition file for `name` and pin its version; None if there is none.

        A broken file raises `workflow.spec.DefinitionError` (it must not look like "unknown").
        """
        source = self.sources.get(name)
        if source is not None:
            loaded = resolve_definition(str(source))
        elif self.catalog.path(name) is None:
            return None
        else:
            loaded = self.catalog.load(name)
        await self.pin(loaded)
        return loaded

    async def pin(self, loaded: LoadedDefinition) -> None:
        """Keep a definition's exact text under its version (idempotent, race-free)."""
        stmt = insert_for(self.session, SOP_VERSIONS).on_conflict_do_nothing(
            index_elements=["name", "version"]
        )
        await self.session.execute(
            stmt,
            [
                {
                    "name": loaded.spec.name,
                    "version": loaded.version,
                    "source_text": loaded.source_text,
                }
            ],
        )

    async def get(self, name: str, version: str) -> LoadedDefinition | None:
        """The pinned version a run started with, whatever the file says today.

        A pinned text never changes (its version is its hash), so once read from a database
        it is kept for the process: a run's every command needs it.
        """
        key = (_database_of(self.session), name, version)
        known = _PINNED.get(key)
        if known is not None:
            return known
        text = await self.session.scalar(
            select(SOP_VERSIONS.c.source_text).where(
                (SOP_VERSIONS.c.name == name) & (SOP_VERSIONS.c.version == version)
            )
        )
        if text is None:
            return None
        loaded = _parse_pinned(text, f"sop_versions:{name}@{version}")
        _PINNED[key] = loaded
        return loaded

    async def versions(self, name: str) -> list[str]:
        """The pinned versions of an SOP, oldest first."""
        result = await self.session.scalars(
            select(SOP_VERSIONS.c.version)
            .where(SOP_VERSIONS.c.name == name)
            .order_by(SOP_VERSIONS.c.loaded_at, SOP_VERSIONS.c.version)
        )
        return list(result)


__all__ = [
    "SqlDefinitionRepository",
    "SqlDocumentRepository",
    "SqlPeopleRepository",
    "SqlRunRepository",
]
