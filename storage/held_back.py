"""Rows a unit of work adds to one table, written together in one statement.

A step transition makes several buttons and several timers; one INSERT for each was a good
part of a transition's statements (issue 15). A repository keeps its new rows in `HeldBack`
and writes them with `flush`: before any of its own statements that read or change that table,
and at the latest when the unit of work commits. A rollback drops them (`discard`). Only for
rows nobody needs the generated id of, and whose order among other tables' rows does not
matter.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession


class HeldBack:
    """New rows of one table, not written yet."""

    def __init__(self, session: AsyncSession, table: Table) -> None:
        self.session = session
        self.table = table
        self.rows: list[dict[str, Any]] = []

    def add(self, row: dict[str, Any]) -> None:
        """Keep a row to write."""
        self.rows.append(row)

    async def flush(self) -> None:
        """Write the rows kept so far (one statement for all)."""
        if self.rows:
            rows, self.rows = self.rows, []
            await self.session.execute(self.table.insert(), rows)

    def discard(self) -> None:
        """Forget the rows not written (the transaction is rolled back)."""
        self.rows = []
