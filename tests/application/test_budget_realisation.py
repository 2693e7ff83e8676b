"""The budget realisation (realisasi anggaran) of the programmes: reported by the section
answering for the programme's sasaran — in the `Anggaran` sheet of its format or in the chat
after its indicators —, required before Selesai, and printed with anggaran and % in the
compiled formulir (XLSX and PDF) and the run's dossier."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from application import realisation_chat
from application.budget_forms import BUDGET_SHEET, HEADER_ROW, SPENT_COL
from application.dossier.pdf import dossier_pdf
from application.dossier.record import gather_dossier
from tests.application import test_measurement_flow as flow
from tests.application.offices import Office, open_office
from tests.unit.indicator_samples import GOOD, fill
from workflow.errors import Refused
from workflow.indicators import IndicatorSet


def _indicators(org_id: str) -> IndicatorSet:
    """The flow's indicators; P1 serves sasaran S1 (Rina's), P2 sasaran S2 (Dewi's)."""
    base = flow._indicators(org_id)
    p1, p2 = base.programmes
    programmes = (dataclasses.replace(p1, sasaran="S1"), dataclasses.replace(p2, sasaran="S2"))
    return dataclasses.replace(base, programmes=programmes)


@pytest.fixture
async def office(tmp_path: Path) -> AsyncIterator[Office]:
    async with open_office(
        tmp_path, flow.MEASURE, flow.ORG, "uji-ukur", "Putri", period=flow.PERIOD,
        indicators=_indicators,
    ) as office:  # fmt: skip
        yield office


def _spend(data: bytes, values: dict[str, object]) -> bytes:
    wb = load_workbook(BytesIO(data))
    ws = wb[BUDGET_SHEET]
    for row in range(HEADER_ROW + 1, ws.max_row + 1):
        if ws.cell(row, 2).value in values:
            ws.cell(row, SPENT_COL).value = values[str(ws.cell(row, 2).value)]
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


async def _spent(office: Office) -> dict[str, Decimal]:
    async with office.ctx.uow_factory() as uow:
        run = (await uow.runs.list_active(office.people["Putri"].org_id))[0]
        return {
            b.programme_code: b.value for b in await uow.indicators.budget_realisations(run.id)
        }


async def _rina_reports(office: Office) -> None:
    own = (await flow._docs_to(office, "Rina"))[0]
    data = _spend(fill(await flow._bytes(office, own), GOOD), {"P1": "612.500.000"})
    await flow._send_file(office, "Rina", "format-rina-terisi.xlsx", data)


async def test_each_sections_format_holds_the_programmes_of_its_sasaran(office: Office) -> None:
    rina, dewi = [await flow._bytes(office, d) for d in await flow._docs_to(office, "Budi")]
    for data, code in ((rina, "P1"), (dewi, "P2")):
        ws = load_workbook(BytesIO(data))[BUDGET_SHEET]
        codes = [ws.cell(r, 2).value for r in range(HEADER_ROW + 1, ws.max_row + 1)]
        assert codes == [code]


async def test_a_format_without_the_budget_is_refused_and_a_filled_one_records_it(
    office: Office,
) -> None:
    await flow._formats_handed_over(office)
    own = (await flow._docs_to(office, "Rina"))[0]
    with pytest.raises(Refused) as refused:
        await flow._send_file(office, "Rina", "f.xlsx", fill(await flow._bytes(office, own), GOOD))
    assert "realisasi anggaran P1 belum diisi" in refused.value.params["errors"]
    assert await _spent(office) == {}
    await _rina_reports(office)
    assert await _spent(office) == {"P1": Decimal(612500000)}


async def test_the_chat_asks_the_budget_after_the_indicators_and_selesai_waits_for_it(
    office: Office,
) -> None:
    await flow._formats_handed_over(office)
    dewi = office.people["Dewi"]
    await realisation_chat.start_chat(office.ctx, dewi, await office.assignment_of("Dewi"))
    await flow._say(office, "Dewi", "ada")
    await flow._evidence(office, "Dewi", "lkjip-2026.pdf")
    asked = await flow._say(office, "Dewi", "4")
    assert "Realisasi anggaran <b>Program Pemberdayaan Masyarakat Desa dan Kelurahan</b>" in asked
    assert "(P2), anggaran Rp 400.000.000" in asked
    with pytest.raises(Refused) as refused:
        await flow._done(office, "Dewi")
    assert refused.value.params == {"values": "P2", "evidence": ""}
    with pytest.raises(Refused) as over:
        await flow._say(office, "Dewi", "500.000.000")
    assert over.value.code == "anggaran_over"
    done = await flow._say(office, "Dewi", "98.500.000")
    assert "Realisasi anggaran P2 tercatat: <b>Rp 98.500.000</b>" in done
    assert "• P2: Rp 98.500.000" in done
    assert await _spent(office) == {"P2": Decimal(98500000)}
    await flow._done(office, "Dewi")  # now complete


async def test_the_formulir_and_the_dossier_print_anggaran_realisasi_and_percent(
    office: Office,
) -> None:
    await flow._formats_handed_over(office)
    await _rina_reports(office)
    dewi = office.people["Dewi"]
    await realisation_chat.start_chat(office.ctx, dewi, await office.assignment_of("Dewi"))
    await flow._say(office, "Dewi", "ada")
    await flow._evidence(office, "Dewi", "lkjip-2026.pdf")
    await flow._say(office, "Dewi", "4")
    await flow._say(office, "Dewi", "98.500.000")
    for name in ("Rina", "Dewi", "Rina", "Dewi"):
        await flow._done(office, name)
    xlsx, pdf = (await flow._docs_to(office, "Budi"))[-2:]
    ws = load_workbook(BytesIO(await flow._bytes(office, xlsx))).active
    assert ws is not None
    rows = [
        r for r in ws.iter_rows(values_only=True) if r[1] and str(r[1]).startswith("Program P")
    ]
    assert [r[3:6] for r in rows] == [(850000000, 612500000, 72.06), (400000000, 98500000, 24.63)]
    total = next(r for r in ws.iter_rows(values_only=True) if r[1] == "Jumlah")
    assert total[3:6] == (1250000000, 711000000, 56.88)
    text = " ".join(
        p.extract_text() for p in PdfReader(BytesIO(await flow._bytes(office, pdf))).pages
    )
    assert "612.500.000" in text and "72,06" in text and "711.000.000" in text
    async with office.ctx.uow_factory() as uow:
        run = (await uow.runs.list_active(office.people["Putri"].org_id))[0]
        dossier = await gather_dossier(
            uow, run.id, datetime.now(UTC), lambda a, b: int((b - a).total_seconds() // 60)
        )
    assert dossier is not None
    assert [(b.code, b.spent, b.percent) for b in dossier.budget] == [
        ("P1", Decimal(612500000), Decimal("72.06")),
        ("P2", Decimal(98500000), Decimal("24.63")),
    ]
    pages = PdfReader(BytesIO(dossier_pdf(dossier, "Asia/Jakarta"))).pages
    text = " ".join(p.extract_text() for p in pages)
    assert "Realisasi anggaran program" in text and "98.500.000" in text and "24,63" in text
