"""Storage errors a caller can act on: a lost optimistic-lock race, a refused org import."""

from __future__ import annotations


class ConcurrentUpdate(Exception):
    """Another transaction changed the run since it was loaded; reload and retry the command."""

    def __init__(self, run_id: str, seen_version: int) -> None:
        self.run_id = run_id
        self.seen_version = seen_version
        super().__init__(
            f"run {run_id} was changed by someone else (loaded at version {seen_version})"
        )


class OrgImportError(Exception):
    """An organisation file that cannot be imported; the message is one line naming the place."""
