"""What differs between our two SQL backends, in one place: the INSERT construct that offers
ON CONFLICT (PostgreSQL's and SQLite's)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_for(session: AsyncSession, table: Table) -> Any:
    """The dialect's INSERT construct (it offers ON CONFLICT on both of our backends)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
