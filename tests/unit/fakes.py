"""In-memory repositories, unit of work, clock and calendar for testing the engine without I/O."""

from __future__ import annotations

import copy
import hashlib
import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from workflow.acting import Acting
from workflow.model import Document, Event, Organisation, Person, Run
from workflow.ports import (
    DefinitionRepository,
    DocumentRepository,
    PeopleRepository,
    RunRepository,
    UnitOfWork,
)
from workflow.spec import LoadedDefinition, resolve_definition


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Mon 08:00 WIB

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: int) -> None:
        """Move time forward."""
        self.now += timedelta(minutes=minutes)


class WallCalendar:
    """A calendar where every minute is an office minute (keeps engine tests simple)."""

    def due(self, start: datetime, minutes: int) -> datetime:
        return start + timedelta(minutes=minutes)

    def office_minutes_between(self, a: datetime, b: datetime) -> int:
        return max(0, int((b - a).total_seconds() // 60))


class FakeStore:
    """The 'database': committed state shared by fake units of work."""

    def __init__(self) -> None:
        self.runs: dict[str, Run] = {}
        self.events: dict[str, list[Event]] = {}
        self.orgs: dict[str, Organisation] = {}
        self.people: dict[str, Person] = {}
        self.definitions: dict[tuple[str, str], LoadedDefinition] = {}
        self.current: dict[str, LoadedDefinition] = {}
        self.documents: dict[str, Document] = {}
        self.acting: list[Acting] = []
        self.commits = 0


class FakeRuns(RunRepository):
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow

    async def add(self, run: Run) -> None:
        self.uow.pending_runs[run.id] = run

    async def get(self, run_id: str) -> Run | None:
        if run_id in self.uow.pending_runs:
            return self.uow.pending_runs[run_id]
        run = self.uow.store.runs.get(run_id)
        if run is None:
            return None
        loaded = copy.deepcopy(run)
        self.uow.pending_runs[run_id] = loaded
        return loaded

    async def get_by_assignment(self, assignment_id: str) -> Run | None:
        for run in list(self.uow.store.runs.values()) + list(self.uow.pending_runs.values()):
            if run.assignment(assignment_id) is not None:
                return await self.get(run.id)
        return None

    async def save(self, run: Run) -> None:
        self.uow.pending_runs[run.id] = run

    async def list_active(self, org_id: str) -> Sequence[Run]:
        return [r for r in self.uow.store.runs.values() if r.org_id == org_id]

    async def of_period(self, org_id: str, sop_name: str, period: str) -> Sequence[Run]:
        return [
            r
            for r in self.uow.store.runs.values()
            if (r.org_id, r.sop_name, r.period) == (org_id, sop_name, period)
        ]


class FakePeople(PeopleRepository):
    def __init__(self, store: FakeStore) -> None:
        self.store = store

    async def get_org(self, org_id: str) -> Organisation | None:
        return self.store.orgs.get(org_id)

    async def get(self, person_id: str) -> Person | None:
        return self.store.people.get(person_id)

    async def of_org(self, org_id: str) -> Sequence[Person]:
        found = [p for p in self.store.people.values() if p.org_id == org_id and p.active]
        return sorted(found, key=lambda p: (p.name, p.id))

    async def acting_at(self, org_id: str, at: datetime) -> Sequence[Acting]:
        return [a for a in self.store.acting if a.org_id == org_id and a.covers(at)]


class FakeDefinitions(DefinitionRepository):
    def __init__(self, store: FakeStore) -> None:
        self.store = store

    async def current(self, name: str) -> LoadedDefinition | None:
        loaded = self.store.current.get(name)
        if loaded is not None:
            self.store.definitions[(name, loaded.version)] = loaded
        return loaded

    async def get(self, name: str, version: str) -> LoadedDefinition | None:
        return self.store.definitions.get((name, version))


class FakeDocuments(DocumentRepository):
    def __init__(self, store: FakeStore) -> None:
        self.store = store

    async def get(self, document_id: str) -> Document | None:
        return self.store.documents.get(document_id)

    async def add(self, document: Document) -> None:
        self.store.documents[document.id] = document


class FakeUnitOfWork(UnitOfWork):
    """Keeps loaded runs private until commit, like a transaction."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.pending_runs: dict[str, Run] = {}
        self.runs = FakeRuns(self)
        self.people = FakePeople(store)
        self.definitions = FakeDefinitions(store)
        self.documents = FakeDocuments(store)
        self.committed = False

    async def commit(self) -> None:
        for run in self.pending_runs.values():
            self.store.events.setdefault(run.id, []).extend(run.events)
            saved = copy.deepcopy(run)
            saved.events = []
            self.store.runs[run.id] = saved
        self.pending_runs = {}
        self.store.commits += 1
        self.committed = True

    async def rollback(self) -> None:
        self.pending_runs = {}


_ids = itertools.count(1)


def sequential_ids() -> str:
    """Readable, unique ids for tests."""
    return f"id{next(_ids):05d}"


def kecamatan(store: FakeStore, anggota: int = 3) -> dict[str, Person]:
    """A sample Kecamatan with the Pengukuran Kinerja SOP and its officials."""
    loaded = resolve_definition("pengukuran-kinerja")
    store.current[loaded.spec.name] = loaded
    store.orgs["org1"] = Organisation(id="org1", name="Kecamatan Contoh")
    people = {
        "camat": Person("p-camat", "org1", "Drs. Ahmad", frozenset({"camat"}), is_admin=True),
        "sekretaris": Person("p-sek", "org1", "Siti", frozenset({"sekretaris"})),
        "sts": Person("p-sts", "org1", "Budi", frozenset({"sekretaris_tim_sakip"})),
        "admin": Person("p-admin", "org1", "Admin", frozenset(), is_admin=True),
    }
    for i in range(anggota):
        people[f"a{i}"] = Person(
            f"p-a{i}", "org1", f"Anggota {i}", frozenset({"anggota_tim_sakip"})
        )
    store.orgs["org2"] = Organisation(id="org2", name="Kecamatan Lain")
    people["other"] = Person("p-other", "org2", "Orang Lain", frozenset({"camat"}), is_admin=True)
    for p in people.values():
        store.people[p.id] = p
    return people


def add_document(store: FakeStore, doc_id: str, org_id: str = "org1") -> Document:
    """Register an uploaded document's metadata."""
    doc = Document(
        id=doc_id,
        org_id=org_id,
        name=f"{doc_id}.pdf",
        mime_type="application/pdf",
        size=10,
        sha256=hashlib.sha256(doc_id.encode()).hexdigest(),
        storage_path=f"00/00/{doc_id}",
        uploaded_by="p-sts",
        uploaded_at=datetime(2026, 11, 23, tzinfo=UTC),
    )
    store.documents[doc_id] = doc
    return doc
