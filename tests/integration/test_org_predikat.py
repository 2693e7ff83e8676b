"""The organisation's own predikat bands (`predikat:` in the org file): stored with the
organisation, kept when a later file leaves them out, and refused by the field when the
minimums don't go strictly down to 0 or a name is empty."""

from __future__ import annotations

from decimal import Decimal

import pytest

from storage.errors import OrgImportError
from storage.org_import import import_organisation
from tests.integration.conftest import SAMPLE_ORG, Database
from workflow.indicators import DEFAULT_BANDS, Band
from workflow.spec import LoadedDefinition

OWN = """\
predikat:
  - {name: Sangat Baik, minimum: 90}
  - {name: Baik, minimum: "75,5"}
  - {name: Cukup, minimum: 60}
  - {name: Kurang, minimum: 0}
"""


def _with(predikat: str) -> str:
    return SAMPLE_ORG.replace("people:", predikat + "people:", 1)


async def _bands(db: Database, org_id: str) -> tuple[Band, ...]:
    async with db.uow() as uow:
        org = await uow.people.get_org(org_id)
    assert org is not None
    return org.bands


async def test_the_default_bands_until_the_file_sets_its_own_then_kept_when_left_out(
    db: Database, sop: LoadedDefinition
) -> None:
    report = await import_organisation(db.uow, SAMPLE_ORG, sop)
    assert await _bands(db, report.org_id) == DEFAULT_BANDS
    await import_organisation(db.uow, _with(OWN), sop)
    own = (
        Band("Sangat Baik", Decimal(90)),
        Band("Baik", Decimal("75.5")),
        Band("Cukup", Decimal(60)),
        Band("Kurang", Decimal(0)),
    )
    assert await _bands(db, report.org_id) == own
    await import_organisation(db.uow, SAMPLE_ORG, sop)  # no `predikat`: the stored ones stay
    assert await _bands(db, report.org_id) == own


@pytest.mark.parametrize(
    ("predikat", "message"),
    [
        (
            OWN.replace("minimum: 60", "minimum: 80"),
            "predikat 3 (Cukup): minimum 80 is not below 75.5 above it; "
            "list the predikat from the highest minimum down",
        ),
        (
            OWN.replace("minimum: 0}", "minimum: 10}"),
            "predikat 4 (Kurang): the last minimum is 10; make it 0",
        ),
        (
            OWN.replace("name: Baik", "name: ' '"),
            "predikat 2: the name is empty; write the predikat, e.g. Sangat Tinggi",
        ),
        (
            OWN.replace("minimum: 90", "minimum: sembilan puluh"),
            "predikat 1: minimum: 'sembilan puluh' is not a number; write e.g. 91 or 90,5",
        ),
        (
            OWN.replace("{name: Cukup, minimum: 60}", "{name: Cukup}"),
            "predikat 3: minimum: required field is missing",
        ),
        ("predikat: []\n", "predikat: list at least one predikat, the last with minimum 0"),
    ],
)
async def test_bad_bands_are_refused_by_the_field_and_nothing_is_written(
    db: Database, sop: LoadedDefinition, predikat: str, message: str
) -> None:
    with pytest.raises(OrgImportError) as refused:
        await import_organisation(db.uow, _with(predikat), sop)
    assert str(refused.value) == message
    async with db.uow() as uow:
        assert await uow.people.list_orgs() == []
