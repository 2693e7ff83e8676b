"""What the meeting use cases write to the outbox: buttons (opaque tokens, as plain rows for
the adapters to turn into keyboards) and texts to one person in their language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from application.texts import send_text
from messages.render import render
from storage.bot_uow import BotUnitOfWork
from storage.messaging import Outgoing
from workflow.meetings import Meeting
from workflow.model import Person

Rows = list[list[dict[str, str]]]


async def button(
    uow: BotUnitOfWork,
    person: Person,
    caption: str,
    action: str,
    now: datetime,
    assignment_id: str | None = None,
    **data: Any,
) -> dict[str, str]:
    """One button: its caption and a fresh token for `action` with `data`."""
    token = await uow.messaging.new_token(
        person.id, action, now, assignment_id=assignment_id, data=data
    )
    return {"text": caption, "data": token}


async def send(
    uow: BotUnitOfWork,
    person: Person,
    template: str,
    now: datetime,
    rows: Rows | None = None,
    **ctx: Any,
) -> None:
    """A text (with optional buttons) to one person, rendered in their language."""
    await send_text(uow, person, now, render(template, person.language, **ctx), rows)


async def send_files(
    uow: BotUnitOfWork,
    meeting: Meeting,
    document_ids: Sequence[str],
    now: datetime,
    *,
    person_id: str | None = None,
    chat_id: int | None = None,
) -> None:
    """The meeting's files (letter, .ics) to one person or chat, captioned with its title."""
    for doc_id in document_ids:
        await uow.messaging.enqueue(
            Outgoing(
                "document",
                {"document_id": doc_id, "caption": meeting_title(meeting)},
                person_id=person_id,
                chat_id=chat_id,
                org_id=meeting.org_id,
            ),
            now,
        )


def meeting_title(meeting: Meeting) -> str:
    """The event's summary line (calendar files and messages)."""
    return render("meeting_summary", "id", agenda=meeting.agenda)
