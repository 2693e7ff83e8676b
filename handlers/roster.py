"""/anggota: the office's roster — everyone sees who holds which role, who has joined and who
is acting; administrators add a person (with the invite link), change roles, deactivate.
Fields are separated by "|"; the use cases are in `application.roster`."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from application import roster
from application.context import AppContext
from handlers.context import bot_context, member, refuse, say
from workflow.errors import Refused
from workflow.model import Person


async def _show(
    update: Update, ctx: AppContext, person: Person, org: str, **extra: object
) -> None:
    """The roster (with what was just done, or why the command was not understood)."""
    people = await roster.members(ctx, person.org_id)
    fields: dict[str, object] = {"done": "", "problem": "", "name": "", "roles": []}
    fields.update(extra)
    await say(
        update,
        "roster",
        person.language,
        members=people,
        is_admin=person.is_admin,
        org=org,
        **fields,
    )


async def anggota(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/anggota — the roster; tambah / peran / nonaktif for administrators."""
    ctx = bot_context(context)
    person = await member(update, ctx, private=True)
    if person is None:
        return
    org = await roster.org_name(ctx, person.org_id)
    message = update.effective_message
    text = (message.text or "") if message is not None else ""
    verb, _, rest = text.partition(" ")[2].strip().partition(" ")
    fields = [f.strip() for f in rest.split("|")]
    try:
        if not verb:
            await _show(update, ctx, person, org)
        elif verb.casefold() in ("tambah", "add") and fields[0]:
            while len(fields) < 4:
                fields.append("")
            roles = fields[1].split(",")
            await roster.add_member(ctx, person, fields[0], roles, fields[2], fields[3] or None)
        elif verb.casefold() in ("peran", "roles") and len(fields) == 2:
            changed = await roster.set_roles(ctx, person, fields[0], fields[1].split(","))
            await _after(update, ctx, person, org, changed, "roles")
        elif verb.casefold() in ("nonaktif", "deactivate") and fields[0]:
            changed = await roster.deactivate(ctx, person, fields[0])
            await _after(update, ctx, person, org, changed, "deactivated")
        else:
            await _show(update, ctx, person, org, problem="usage")
    except Refused as refusal:
        await refuse(update, person, refusal)


async def _after(
    update: Update,
    ctx: AppContext,
    person: Person,
    org: str,
    changed: roster.Changed,
    done: str,
) -> None:
    """The roster after a change, or what stopped it (with buttons to reassign)."""
    if changed.blocked_by:
        await roster.offer_reassignments(ctx, person, changed)
        return
    roles = roster.role_names(ctx, sorted(changed.person.roles))
    await _show(update, ctx, person, org, done=done, name=changed.person.name, roles=roles)
