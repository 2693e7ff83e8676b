"""A Kecamatan's indicator set for the document tests: the IKU an office in West Java reports
(service satisfaction, timeliness, processing days, the SAKIP documents, village coaching)."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from typing import Any

from openpyxl import load_workbook

from application.indicator_forms import COL, FIRST_ROW, SHEET
from workflow.indicators import (
    Indicator,
    IndicatorKind,
    IndicatorSet,
    Period,
    Polarity,
    Programme,
    Sasaran,
)

D = Decimal
TW4 = Period(2026, 4)
KASI_PELAYANAN = "kasi_pelayanan"
KASI_PEMERINTAHAN = "kasi_pemerintahan"
SECTION = "Seksi Pelayanan Umum"


def _quarters(*values: str, year: str | None = None) -> dict[str, Decimal]:
    targets = {f"tw{q}": D(v) for q, v in enumerate(values, start=1)}
    targets["tahunan"] = D(year if year is not None else values[-1])
    return targets


def indicator_set(org_id: str = "org-1") -> IndicatorSet:
    """Five indicators under two sasaran, with two programmes."""
    return IndicatorSet(
        org_id=org_id,
        year=2026,
        sasaran=(
            Sasaran("S1", "Meningkatnya kualitas pelayanan publik kecamatan"),
            Sasaran("S2", "Meningkatnya akuntabilitas kinerja dan pembinaan desa"),
        ),
        indicators=(
            Indicator(
                "IKU-1",
                "Indeks Kepuasan Masyarakat (IKM) terhadap layanan kecamatan",
                "indeks",
                "S1",
                KASI_PELAYANAN,
                targets=_quarters("80", "80", "80", "82"),
            ),
            Indicator(
                "IKU-2",
                "Persentase layanan administrasi kependudukan selesai tepat waktu",
                "%",
                "S1",
                KASI_PELAYANAN,
                targets=_quarters("90", "92", "94", "95"),
                evidence_required=True,
            ),
            Indicator(
                "IKU-3",
                "Rata-rata waktu penyelesaian izin usaha mikro",
                "hari",
                "S1",
                KASI_PELAYANAN,
                polarity=Polarity.LOWER,
                targets=_quarters("5", "4", "4", "3"),
            ),
            Indicator(
                "IKU-4",
                "Tersusunnya dokumen LKjIP kecamatan tepat waktu",
                "dokumen",
                "S2",
                KASI_PEMERINTAHAN,
                kind=IndicatorKind.QUALITATIVE,
                targets=_quarters("1", "1", "1", "1"),
                evidence_required=True,
            ),
            Indicator(
                "IKU-5",
                "Jumlah desa yang dibina tata kelola pemerintahannya",
                "desa",
                "S2",
                KASI_PEMERINTAHAN,
                cumulative=True,
                targets=_quarters("3", "6", "9", "12"),
            ),
        ),
        programmes=(
            Programme(
                "P1", "Program Penyelenggaraan Pemerintahan dan Pelayanan Publik", D("850000000")
            ),
            Programme("P2", "Program Pemberdayaan Masyarakat Desa dan Kelurahan", D("400000000")),
        ),
    )


def fill(data: bytes, values: dict[str, tuple[Any, ...]]) -> bytes:
    """Write realisasi (and keterangan, bukti dukung) into the rows of the given codes."""
    wb = load_workbook(BytesIO(data))
    ws = wb[SHEET]
    for row in range(FIRST_ROW, ws.max_row + 1):
        code = ws[f"{COL['code']}{row}"].value
        for key, value in zip(
            ("realisasi", "keterangan", "bukti"), values.get(code, ()), strict=False
        ):
            ws[f"{COL[key]}{row}"] = value
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


# A correct filling of the Seksi Pelayanan format: a numeric cell, "95,5" text, evidence named.
GOOD = {
    "IKU-1": (82.4, "Survei 400 responden", None),
    "IKU-2": ("95,5", None, "rekap-layanan-tw4.pdf"),
    "IKU-3": ("3", None, None),
}
