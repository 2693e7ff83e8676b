"""The org file's kabupaten (issue 14): a Kecamatan says which kabupaten it belongs to; a
kabupaten-level office (`level: kabupaten`) gives its viewers the built-in role
`pemantau_kabupaten`, which no other office may give; both survive a re-import that leaves
them out, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from storage.errors import OrgImportError
from storage.org_import import import_organisation
from tests.integration.conftest import SAMPLE_ORG, Database
from workflow.model import KABUPATEN_VIEWER
from workflow.spec import LoadedDefinition

KABUPATEN = """\
organisation: Bagian Organisasi Setda Kabupaten Purwakarta
kabupaten: Purwakarta
level: kabupaten
people:
  - {name: Hendra, roles: [pemantau_kabupaten], telegram_id: 1010}
"""


async def test_a_kecamatan_keeps_its_kabupaten_and_a_kabupaten_office_its_level(
    db: Database, sop: LoadedDefinition
) -> None:
    kecamatan = await import_organisation(db.uow, f"kabupaten: Purwakarta\n{SAMPLE_ORG}", sop)
    office = await import_organisation(db.uow, KABUPATEN, sop)
    assert office.unheld_roles == []  # it runs no Kecamatan SOP
    async with db.uow() as uow:
        contoh = await uow.people.get_org(kecamatan.org_id)
        bagian = await uow.people.get_org(office.org_id)
        viewer = await uow.people.by_telegram_id(1010)
    assert contoh is not None and (contoh.kabupaten, contoh.level) == ("Purwakarta", "kecamatan")
    assert bagian is not None and (bagian.kabupaten, bagian.level) == ("Purwakarta", "kabupaten")
    assert viewer is not None and viewer.roles == {KABUPATEN_VIEWER}
    # A re-import that leaves them out keeps them.
    await import_organisation(db.uow, SAMPLE_ORG, sop)
    async with db.uow() as uow:
        again = await uow.people.get_org(kecamatan.org_id)
    assert again is not None and again.kabupaten == "Purwakarta"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            SAMPLE_ORG.replace("roles: [sekretaris]", "roles: [pemantau_kabupaten]"),
            "belongs to a kabupaten-level organisation",
        ),
        (KABUPATEN.replace("kabupaten: Purwakarta\n", ""), "needs 'kabupaten: <name>'"),
        (KABUPATEN.replace("level: kabupaten", "level: provinsi"), "level"),
    ],
)
async def test_the_viewer_role_and_the_level_are_checked_and_nothing_is_written(
    db: Database, sop: LoadedDefinition, text: str, problem: str
) -> None:
    with pytest.raises(OrgImportError, match=problem):
        await import_organisation(db.uow, text, sop)
    async with db.uow() as uow:
        assert await uow.people.list_orgs() == []
