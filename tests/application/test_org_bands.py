"""An organisation's own predikat bands reach every place a capaian gets its predikat: the
compiled formulir, the run's dossier and `indikator check --org` (the default bands of
Permendagri 86/2017 otherwise)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from application.dossier.record import gather_dossier
from application.indicator_forms import check_report, collection_format, read_filled_format
from tests.application import test_measurement_flow as flow
from tests.application.offices import Office, open_office
from tests.unit.indicator_samples import GOOD, KASI_PELAYANAN, SECTION, TW4, fill, indicator_set
from workflow.indicators import Band

# IKU-1 (82,4 of 82) scores 100,49 and IKU-2 (95,5 of 95) 100,53 in the flow's answers.
PREDIKAT = """\
predikat:
  - {name: Istimewa, minimum: "100,5"}
  - {name: Baik Sekali, minimum: 100}
  - {name: Baik, minimum: 80}
  - {name: Kurang, minimum: 0}
"""


@pytest.fixture
async def office(tmp_path: Path) -> AsyncIterator[Office]:
    """The measurement office of `test_measurement_flow`, with bands of its own."""
    org = flow.ORG.replace("people:", PREDIKAT + "people:", 1)
    async with open_office(
        tmp_path, flow.MEASURE, org, "uji-ukur", "Putri", period=flow.PERIOD,
        indicators=flow._indicators,
    ) as office:  # fmt: skip
        yield office


async def test_the_formulir_and_the_dossier_use_the_offices_own_bands(office: Office) -> None:
    await flow._to_compiled(office)
    xlsx, pdf = (await flow._docs_to(office, "Budi"))[-2:]
    ws = load_workbook(BytesIO(await flow._bytes(office, xlsx))).active
    assert ws is not None
    bands = {row[2]: row[7] for row in ws.iter_rows(values_only=True) if row[6] is not None}
    assert bands["Indeks Kepuasan Masyarakat (IKM) terhadap layanan kecamatan"] == "Baik Sekali"
    assert bands["Persentase layanan administrasi kependudukan selesai tepat waktu"] == "Istimewa"
    text = " ".join(
        p.extract_text() for p in PdfReader(BytesIO(await flow._bytes(office, pdf))).pages
    )
    assert "Istimewa" in text and "Sangat Tinggi" not in text
    async with office.ctx.uow_factory() as uow:
        run = (await uow.runs.list_active(office.people["Putri"].org_id))[0]
        dossier = await gather_dossier(
            uow, run.id, datetime.now(UTC), lambda a, b: int((b - a).total_seconds() // 60)
        )
    assert dossier is not None
    assert {m.indicator.code: m.predikat for m in dossier.capaian if m.capaian} == {
        "IKU-1": "Baik Sekali",
        "IKU-2": "Istimewa",
        "IKU-3": "Baik Sekali",
        "IKU-4": "Baik Sekali",
    }


def test_check_report_names_the_band_of_the_given_bands() -> None:
    found = indicator_set()
    mine = [i for i in found.indicators if i.responsible == KASI_PELAYANAN]
    data = fill(collection_format(found, TW4, SECTION, mine), GOOD)
    filled = read_filled_format(data, found, TW4, SECTION)
    own = (Band("Istimewa", Decimal(100)), Band("Kurang", Decimal(0)))
    report = check_report(filled, found, TW4, bands=own)
    assert [i["predikat"] for i in report["indicators"]] == ["Istimewa", "Istimewa", "Istimewa"]
    default = check_report(filled, found, TW4)
    assert [i["predikat"] for i in default["indicators"]] == ["Sangat Tinggi"] * 3
