"""Small text helpers shared by the use cases: names of steps, roles and people in the reader's
language, and outbox messages to one person: a text (with buttons), a reply, the
acknowledgement of a finished part, any payload."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from messages.render import label, render
from storage.bot_uow import BotUnitOfWork
from storage.messaging import Outgoing
from workflow.acting import ActingKind
from workflow.model import Person
from workflow.spec import SopDefinition, Step

# The urgency (sifat) of a disposition and of the letters of its run: value -> label key.
SIFAT = {
    "biasa": "sifat_biasa",
    "segera": "sifat_segera",
    "sangat_segera": "sifat_sangat_segera",
    "rahasia": "sifat_rahasia",
}


def step_title(step: Step, lang: str) -> str:
    """The step title in the reader's language (Indonesian when no translation)."""
    return step.title_en if lang == "en" and step.title_en else step.title


def step_output(step: Step, lang: str) -> str:
    """The step output in the reader's language."""
    return step.output_en if lang == "en" and step.output_en else step.output


def role_names(spec: SopDefinition, roles: Sequence[str], lang: str) -> str:
    """Readable role names."""
    names = []
    for rid in roles:
        role = spec.role(rid)
        names.append(role.name_en if lang == "en" and role.name_en else role.name)
    return ", ".join(names)


def acting_title(spec: SopDefinition, role: str, kind: str | None, lang: str) -> str:
    """How an acting official's post is written: "Plh. Camat" (empty when not acting)."""
    if kind is None:
        return ""
    return f"{ActingKind(kind).prefix} {role_names(spec, [role], lang)}"


def named(person: Person, lang: str) -> str:
    """How a message names or addresses an official: "Ibu Siti Rahmawati", "Bapak Budi".

    The salutation comes from the organisation file; without one Indonesian says "Bapak/Ibu",
    English the bare name.
    """
    key = {"Bapak": "salutation_bapak", "Ibu": "salutation_ibu"}.get(
        person.salutation or "", "salutation_none"
    )
    return f"{label(key, lang)} {person.name}".strip()


def refusal_sentence(code: str, params: Mapping[str, Any], lang: str = "en") -> str:
    """A refusal as plain text for the server console: what went wrong and what to do."""
    rendered = render("refusal", lang, code=code, params=dict(params), console=True)
    return html.unescape(rendered).removeprefix("⚠️").strip()


def text(payload_text: str, buttons: list[list[dict[str, str]]] | None = None) -> dict[str, Any]:
    """An outbox payload for a text message with optional inline buttons."""
    payload: dict[str, Any] = {"text": payload_text}
    if buttons:
        payload["buttons"] = buttons
    return payload


def to_person(person: Person, kind: str, payload: dict[str, Any]) -> Outgoing:
    """An outbox message of any kind (text, document, …) for one person, in their office."""
    return Outgoing(kind, payload, person_id=person.id, org_id=person.org_id)


def reply(person: Person, template: str, **ctx: Any) -> Outgoing:
    """A text reply to one person, in their language, for the outbox."""
    return to_person(person, "text", text(render(template, person.language, **ctx)))


def step_done(person: Person, step: Step, waiting: int = 0, paraf: bool = False) -> Outgoing:
    """The reply to whoever finished their part of a step ("ack_done"); `waiting`: how many
    others are still at theirs; `paraf`: the part was a paraf."""
    lang = person.language
    return reply(
        person,
        "ack_done",
        step_no=step.no,
        step_title=step_title(step, lang),
        name=named(person, lang),
        waiting=waiting,
        paraf=paraf,
    )


async def send_text(
    uow: BotUnitOfWork,
    person: Person,
    now: datetime,
    body: str,
    rows: list[list[dict[str, str]]] | None = None,
) -> None:
    """Queue a text (with buttons) to one person."""
    await uow.messaging.enqueue(to_person(person, "text", text(body, rows)), now)
