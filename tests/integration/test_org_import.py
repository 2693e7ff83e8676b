"""Importing an organisation file: create, update in place, refuse bad roles, deactivate."""

from __future__ import annotations

import pytest

from storage.errors import OrgImportError
from storage.org_import import import_organisation
from tests.integration.conftest import SAMPLE_ORG, Database, Org
from workflow.spec import LoadedDefinition


async def test_import_creates_the_organisation_and_its_people(
    db: Database, sop: LoadedDefinition
) -> None:
    report = await import_organisation(db.uow, SAMPLE_ORG, sop)
    assert (report.org_created, report.created, report.updated, report.deactivated) == (
        True,
        5,
        0,
        0,
    )
    async with db.uow() as uow:
        org = await uow.people.get_org(report.org_id)
        people = await uow.people.of_org(report.org_id)
        ahmad = await uow.people.by_telegram_id(1001)
        anggota = await uow.people.holders(report.org_id, "anggota_tim_sakip")
    assert org is not None and org.name == "Kecamatan Contoh"
    assert [p.name for p in people] == ["Budi", "Dewi", "Drs. Ahmad", "Rina", "Siti"]
    assert ahmad is not None
    assert ahmad.name == "Drs. Ahmad"
    assert ahmad.is_admin and ahmad.roles == {"camat"}
    assert ahmad.nip == "197001011990031001"
    assert [p.name for p in anggota] == ["Dewi", "Rina"]
    assert next(p for p in people if p.name == "Dewi").language == "en"


async def test_importing_again_updates_in_place_without_duplicates(
    db: Database, sop: LoadedDefinition, org: Org
) -> None:
    changed = SAMPLE_ORG.replace(
        '{name: "Siti", roles: [sekretaris], telegram_id: 1002}',
        '{name: "Siti", roles: [sekretaris, anggota_tim_sakip], telegram_id: 1002}',
    ).replace('"Drs. Ahmad"', '"Drs. Ahmad, M.Si."')  # matched by NIP despite the new name
    report = await import_organisation(db.uow, changed, sop)
    assert report.org_id == org.id and not report.org_created
    assert (report.created, report.updated, report.unchanged, report.deactivated) == (0, 2, 3, 0)
    async with db.uow() as uow:
        people = await uow.people.all_of_org(org.id)
    assert len(people) == 5
    by_id = {p.id: p for p in people}
    assert by_id[org.people["Drs. Ahmad"].id].name == "Drs. Ahmad, M.Si."
    assert by_id[org.people["Siti"].id].roles == {"sekretaris", "anggota_tim_sakip"}


async def test_importing_the_same_file_twice_changes_nothing(
    db: Database, sop: LoadedDefinition, org: Org
) -> None:
    report = await import_organisation(db.uow, SAMPLE_ORG, sop)
    assert (report.created, report.updated, report.unchanged, report.deactivated) == (0, 0, 5, 0)


async def test_people_missing_from_a_reimport_become_inactive_not_deleted(
    db: Database, sop: LoadedDefinition, org: Org
) -> None:
    without_rina = SAMPLE_ORG.replace(
        '  - {name: "Rina", roles: [anggota_tim_sakip], telegram_id: 1004}\n', ""
    )
    report = await import_organisation(db.uow, without_rina, sop)
    assert report.deactivated == 1
    rina_id = org.people["Rina"].id
    async with db.uow() as uow:
        rina = await uow.people.get(rina_id)
        active = await uow.people.of_org(org.id)
        by_telegram = await uow.people.by_telegram_id(1004)
    assert rina is not None and not rina.active
    assert rina_id not in {p.id for p in active}
    assert by_telegram is None  # an inactive person is not found by their account

    report = await import_organisation(db.uow, SAMPLE_ORG, sop)  # Rina comes back
    assert (report.created, report.updated, report.deactivated) == (0, 1, 0)
    async with db.uow() as uow:
        back = await uow.people.get(rina_id)
    assert back is not None and back.active


async def test_an_unknown_role_is_refused_by_name_and_nothing_is_written(
    db: Database, sop: LoadedDefinition
) -> None:
    bad = SAMPLE_ORG.replace(
        '{name: "Rina", roles: [anggota_tim_sakip]', '{name: "Rina", roles: [anggota]'
    )
    with pytest.raises(OrgImportError) as refused:
        await import_organisation(db.uow, bad, sop)
    assert str(refused.value) == (
        "person 'Rina': unknown role 'anggota' (known: camat, sekretaris, "
        "sekretaris_tim_sakip, anggota_tim_sakip)"
    )
    async with db.uow() as uow:
        assert await uow.people.org_by_name("Kecamatan Contoh") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("organisation: X\npeople: []\n", "people: List should have at least 1 item"),
        ("organisation: X\npeople:\n  - {name: A, rank: 3}\n", "person 'A': rank: unknown field"),
        ("organisation: X\npeople:\n  - {roles: [camat]}\n", "person 1: name: required field"),
        (
            "organisation: X\npeople:\n  - {name: A}\n  - {name: ' a '}\n",
            "person 'a': listed twice",
        ),
        ("organisation: [\n", "line 2: not valid YAML"),
    ],
)
async def test_a_malformed_file_is_refused_with_a_one_line_reason(
    db: Database, sop: LoadedDefinition, text: str, message: str
) -> None:
    with pytest.raises(OrgImportError) as refused:
        await import_organisation(db.uow, text, sop)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)


async def test_an_unquoted_nip_is_kept_as_text(db: Database, sop: LoadedDefinition) -> None:
    text = "organisation: X\npeople:\n  - {name: A, roles: [camat], nip: 197001011990031001}\n"
    report = await import_organisation(db.uow, text, sop)
    async with db.uow() as uow:
        (person,) = await uow.people.of_org(report.org_id)
    assert person.nip == "197001011990031001"


async def test_a_telegram_account_can_move_between_people(
    db: Database, sop: LoadedDefinition, org: Org
) -> None:
    swapped = (
        SAMPLE_ORG.replace("telegram_id: 1002", "telegram_id: 9999")
        .replace("telegram_id: 1003", "telegram_id: 1002")
        .replace("telegram_id: 9999", "telegram_id: 1003")
    )
    report = await import_organisation(db.uow, swapped, sop)
    assert report.updated == 2
    async with db.uow() as uow:
        siti = await uow.people.by_telegram_id(1003)
        budi = await uow.people.by_telegram_id(1002)
    assert siti is not None and siti.name == "Siti"
    assert budi is not None and budi.name == "Budi"


async def test_a_salutation_is_read_in_any_case_stored_and_changed_by_a_reimport(
    db: Database, sop: LoadedDefinition, org: Org
) -> None:
    assert org.people["Siti"].salutation is None  # not in the file: messages say "Bapak/Ibu"
    with_salutations = SAMPLE_ORG.replace(
        '{name: "Siti", roles:', '{name: "Siti", salutation: ibu, roles:'
    ).replace('{name: "Budi", roles:', '{name: "Budi", salutation: Bapak, roles:')
    report = await import_organisation(db.uow, with_salutations, sop)
    assert (report.created, report.updated) == (0, 2)
    async with db.uow() as uow:
        siti = await uow.people.get(org.people["Siti"].id)
        budi = await uow.people.get(org.people["Budi"].id)
    assert siti is not None and siti.salutation == "Ibu"
    assert budi is not None and budi.salutation == "Bapak"


async def test_a_salutation_other_than_bapak_or_ibu_is_refused_by_name(
    db: Database, sop: LoadedDefinition
) -> None:
    bad = SAMPLE_ORG.replace('{name: "Siti", roles:', '{name: "Siti", salutation: Tuan, roles:')
    with pytest.raises(OrgImportError, match=r"person 'Siti': salutation"):
        await import_organisation(db.uow, bad, sop)
