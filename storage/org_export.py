"""Write an organisation as the org file `storage.org_import` reads: its letterhead, numbering
and active people (roles, posts, NIP, Telegram account). Importing the export changes nothing,
so what was done in Telegram (/anggota) and the bulk file agree: `kinerja-bot org export`."""

from __future__ import annotations

from typing import Any

import yaml

from storage.uow import SqlUnitOfWork
from workflow.letters import Letterhead, OfficeIdentity
from workflow.model import Organisation, Person

HEADER = (
    "# Exported by `kinerja-bot org export`; edit and load again with `kinerja-bot org import`.\n"
    "# People left out of the file are deactivated by the import (their history stays).\n"
)


def _person(p: Person) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": p.name}
    if p.salutation:
        entry["salutation"] = p.salutation
    if p.nip:
        entry["nip"] = p.nip
    if p.jabatan:
        entry["jabatan"] = p.jabatan
    if p.pangkat:
        entry["pangkat"] = p.pangkat
    entry["roles"] = sorted(p.roles)
    if p.is_admin:
        entry["admin"] = True
    if p.telegram_id is not None:
        entry["telegram_id"] = p.telegram_id
    if p.language != "id":
        entry["language"] = p.language
    return entry


def _identity(identity: OfficeIdentity) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if identity.letterhead != Letterhead():
        head = identity.letterhead
        fields = {
            "government": head.government,
            "office": head.office,
            "address": head.address,
            "telephone": head.telephone,
            "email": head.email,
            "postcode": head.postcode,
            "website": head.website,
            "logo": head.logo,
        }
        out["letterhead"] = {k: v for k, v in fields.items() if v}
    default = OfficeIdentity()
    if (identity.unit, identity.city, identity.head_role, identity.kinds) != (
        default.unit,
        default.city,
        default.head_role,
        default.kinds,
    ):
        letters: dict[str, Any] = {"unit": identity.unit}
        if identity.city:
            letters["city"] = identity.city
        if identity.head_role:
            letters["head_role"] = identity.head_role
        if identity.kinds:
            letters["kinds"] = {
                name: {
                    "klasifikasi": kind.klasifikasi,
                    "pattern": kind.pattern,
                    **({"signed_by": kind.signed_by} if kind.signed_by else {}),
                }
                for name, kind in identity.kinds
            }
        out["letters"] = letters
    return out


def organisation_yaml(org: Organisation, people: list[Person]) -> str:
    """The org file of an organisation and its active people."""
    data: dict[str, Any] = {"organisation": org.name}
    if org.group_chat_id is not None:
        data["group_chat_id"] = org.group_chat_id
    data.update(_identity(org.identity))
    data["people"] = [_person(p) for p in people if p.active]
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return HEADER + body


async def export_organisation(uow: SqlUnitOfWork, org: Organisation) -> str:
    """The org file of `org` as it stands in the database."""
    return organisation_yaml(org, await uow.people.all_of_org(org.id))
