"""Performance indicators (IKU / Perjanjian Kinerja), reporting periods, and the one way their
achievement (*capaian*) and its band (*predikat*) are computed.

Pure domain: no I/O. The organisation's indicator set is data (imported per year); a run of
Pengukuran Kinerja measures one `Period`. Numbers are `Decimal` throughout, so "95,5" stays
95.5 and a sum of quarters has no binary rounding.

The rules (documented here, used everywhere):
- higher is better: capaian = R / T × 100;
- lower is better: capaian = (2 − R / T) × 100, never below 0;
- on target: capaian = (1 − |R − T| / T) × 100, never below 0;
- qualitative (ada / tidak): ada = 100, tidak = 0 (realisasi 1 or 0);
- a target of 0: met (100) when the realisation is 0 — or, for higher is better, any
  realisation ≥ 0 — else 0 (a zero target cannot be divided by; it is either met or not);
- an optional cap (e.g. 120) limits capaian from above;
- cumulative indicators compare the realisation summed over the year's quarters to date with
  the period's (cumulative) target; the others compare the period's own value.
The default bands follow Permendagri 86/2017 (evaluasi capaian kinerja): Sangat Tinggi ≥ 91,
Tinggi ≥ 76, Sedang ≥ 66, Rendah ≥ 51, Sangat Rendah below; an organisation may set its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

HUNDRED = Decimal(100)
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
# What an official may type or write for a qualitative indicator (ada / tidak ada).
QUALITATIVE_WORDS = {"ada": Decimal(1), "tidak": Decimal(0), "tidak ada": Decimal(0)}


class Polarity(StrEnum):
    """Which way is better for an indicator."""

    HIGHER = "higher"  # maximise (e.g. a satisfaction index)
    LOWER = "lower"  # minimise (e.g. days to finish a service, complaints)
    ON_TARGET = "on_target"  # hit the target; a deviation either way lowers capaian


class IndicatorKind(StrEnum):
    """Measured by a number, or only whether something exists (ada / tidak)."""

    QUANTITATIVE = "quantitative"
    QUALITATIVE = "qualitative"


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: a quarter (Triwulan I–IV) of a year, or the whole year (Tahunan)."""

    year: int
    quarter: int | None = None  # 1..4; None for the whole year

    def __post_init__(self) -> None:
        if self.quarter is not None and not 1 <= self.quarter <= 4:
            raise ValueError(f"a quarter is 1 to 4, not {self.quarter}")
        if not 2000 <= self.year <= 2100:
            raise ValueError(f"not a plausible year: {self.year}")

    @property
    def key(self) -> str:
        """The target column of this period: "tw1" … "tw4", or "tahunan"."""
        return f"tw{self.quarter}" if self.quarter else "tahunan"

    def label(self, lang: str = "id") -> str:
        """ "Triwulan IV 2026" / "Tahunan 2026" (or "Quarter IV 2026" / "Year 2026")."""
        if self.quarter is None:
            return f"{'Year' if lang == 'en' else 'Tahunan'} {self.year}"
        word = "Quarter" if lang == "en" else "Triwulan"
        return f"{word} {ROMAN[self.quarter]} {self.year}"

    def quarters_to_date(self) -> list[int]:
        """The quarters a cumulative figure of this period adds up (the year: all four)."""
        return list(range(1, (self.quarter or 4) + 1))

    @classmethod
    def parse(cls, text: str) -> Period:
        """Read "Triwulan IV 2026", "TW 4 2026", "tw4-2026", "Tahunan 2026" or "2026"."""
        words = re.sub(r"[-_/]", " ", text.strip().lower()).split()
        years = [w for w in words if re.fullmatch(r"\d{4}", w)]
        if len(years) != 1:
            raise ValueError(f"no year in {text!r} (e.g. 'Triwulan IV 2026')")
        rest = " ".join(w for w in words if w != years[0])
        rest = re.sub(r"^(triwulan|tw|quarter|q)\s*", "", rest)
        if rest in ("", "tahunan", "year", "tahun"):
            return cls(int(years[0]))
        roman = {v.lower(): k for k, v in ROMAN.items()}
        quarter = roman.get(rest) or (int(rest) if rest.isdigit() else None)
        if quarter is None or not 1 <= quarter <= 4:
            raise ValueError(f"no quarter in {text!r} (Triwulan I, II, III or IV, or Tahunan)")
        return cls(int(years[0]), quarter)

    @classmethod
    def of_year(cls, year: int) -> list[Period]:
        """The four quarters and the whole year, in order."""
        return [cls(year, q) for q in (1, 2, 3, 4)] + [cls(year)]


@dataclass(frozen=True)
class Sasaran:
    """A strategic objective (sasaran strategis) the indicators measure."""

    code: str
    name: str


@dataclass(frozen=True)
class Indicator:
    """One performance indicator of an office for a year, with its targets per period."""

    code: str
    name: str
    unit: str  # satuan: "%", "hari", "indeks", "dokumen", …
    sasaran: str  # the code of its Sasaran
    responsible: str  # a role id of the SOP, or the name of a person
    polarity: Polarity = Polarity.HIGHER
    kind: IndicatorKind = IndicatorKind.QUANTITATIVE
    cumulative: bool = False  # targets and realisation add up over the year
    targets: Mapping[str, Decimal] = field(default_factory=dict)  # by Period.key
    evidence_required: bool = False  # bukti dukung

    def target(self, period: Period) -> Decimal | None:
        """The target for this period, if one is set."""
        return self.targets.get(period.key)

    @property
    def is_percentage(self) -> bool:
        """Whether the unit is a percentage (a realisation above 100 is then impossible)."""
        return self.unit.strip() in ("%", "persen", "percent")


@dataclass(frozen=True)
class Programme:
    """A programme with its budget (anggaran), for the budget part of the formulir."""

    code: str
    name: str
    budget: Decimal
    sasaran: str | None = None


@dataclass(frozen=True)
class IndicatorSet:
    """An organisation's sasaran, indicators and programmes for one year."""

    org_id: str
    year: int
    sasaran: tuple[Sasaran, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    programmes: tuple[Programme, ...] = ()

    def indicator(self, code: str) -> Indicator | None:
        """The indicator with this code."""
        return next((i for i in self.indicators if i.code == code), None)

    def of_responsible(self, names: Sequence[str]) -> list[Indicator]:
        """The indicators a section answers for (any of its role ids or names)."""
        return [i for i in self.indicators if i.responsible in names]


@dataclass(frozen=True)
class Realisation:
    """What a section reported for one indicator in one run (a period), with its evidence."""

    run_id: str
    indicator_code: str
    quarter: int  # the quarter it is for, 0 for the whole year
    value: Decimal
    reported_by: str  # person id
    reported_at: datetime
    note: str | None = None  # keterangan
    evidence_document_ids: tuple[str, ...] = ()  # bukti dukung


@dataclass(frozen=True)
class BudgetRealisation:
    """What a programme spent of its anggaran up to a run's period (realisasi anggaran, in
    rupiah), as its section reported it in the run."""

    run_id: str
    programme_code: str
    value: Decimal
    reported_by: str  # person id
    reported_at: datetime


@dataclass(frozen=True)
class PeriodValue:
    """A realisation of an earlier quarter recorded without a run (an office that starts
    using the bot mid-year imports what it reported before); the cumulative sum takes it
    where no run of that quarter reported the indicator."""

    org_id: str
    year: int
    indicator_code: str
    quarter: int  # 1..4
    value: Decimal
    imported_at: datetime
    note: str | None = None  # keterangan
    source: str | None = None  # the file it came from


@dataclass(frozen=True)
class Band:
    """A predikat and the lowest capaian that earns it."""

    name: str
    minimum: Decimal


# Permendagri 86/2017, evaluation of capaian kinerja (tingkat capaian).
DEFAULT_BANDS: tuple[Band, ...] = (
    Band("Sangat Tinggi", Decimal(91)),
    Band("Tinggi", Decimal(76)),
    Band("Sedang", Decimal(66)),
    Band("Rendah", Decimal(51)),
    Band("Sangat Rendah", Decimal(0)),
)


def band_problems(bands: Sequence[Band]) -> list[tuple[int, str]]:
    """What is wrong with an organisation's own bands, as (position from 1, what to do): each
    needs a name, the minimums go strictly down, and the last is 0 (every capaian gets one)."""
    problems: list[tuple[int, str]] = []
    if not bands:
        return [(0, "list at least one predikat, the last with minimum 0")]
    for n, band in enumerate(bands, start=1):
        if not band.name.strip():
            problems.append((n, "the name is empty; write the predikat, e.g. Sangat Tinggi"))
        if band.minimum < 0:
            problems.append((n, f"minimum {band.minimum} is negative; the lowest is 0"))
        if n > 1 and band.minimum >= bands[n - 2].minimum:
            problems.append(
                (
                    n,
                    f"minimum {band.minimum} is not below {bands[n - 2].minimum} above it; "
                    "list the predikat from the highest minimum down",
                )
            )
    if bands[-1].minimum != 0:
        problems.append((len(bands), f"the last minimum is {bands[-1].minimum}; make it 0"))
    return problems


def capaian(
    indicator: Indicator,
    target: Decimal,
    realisasi: Decimal,
    cap: Decimal | None = None,
) -> Decimal:
    """Capaian in percent (not rounded) of `realisasi` against `target`, by the rules above."""
    if indicator.kind is IndicatorKind.QUALITATIVE:
        value = HUNDRED if realisasi > 0 else Decimal(0)
    elif target == 0:
        met = realisasi >= 0 if indicator.polarity is Polarity.HIGHER else realisasi == 0
        value = HUNDRED if met else Decimal(0)
    else:
        ratio = realisasi / target
        if indicator.polarity is Polarity.HIGHER:
            value = ratio * HUNDRED
        elif indicator.polarity is Polarity.LOWER:
            value = (2 - ratio) * HUNDRED
        else:
            value = (1 - abs(realisasi - target) / abs(target)) * HUNDRED
        value = max(value, Decimal(0))
    if cap is not None:
        value = min(value, cap)
    return value


def period_realisation(
    indicator: Indicator, period: Period, by_quarter: Mapping[int, Decimal]
) -> Decimal | None:
    """The realisation to compare with the period's target: the period's own value, or for a
    cumulative indicator the sum of the quarters to date (None when one is missing)."""
    if not indicator.cumulative:
        key = period.quarter if period.quarter is not None else 0
        return by_quarter.get(key)
    values = [by_quarter.get(q) for q in period.quarters_to_date()]
    if any(v is None for v in values):
        return None
    return sum((v for v in values if v is not None), Decimal(0))


def missing_quarters(
    indicator: Indicator, period: Period, by_quarter: Mapping[int, Decimal]
) -> list[int]:
    """The quarters a cumulative indicator still lacks to add up this period (the reason its
    capaian can't be computed: "Triwulan I belum ada data"); empty for the others."""
    if not indicator.cumulative:
        return []
    return [q for q in period.quarters_to_date() if q not in by_quarter]


def quarters_label(quarters: Sequence[int], lang: str = "id") -> str:
    """ "Triwulan I, II" / "Quarter I, II": quarters named the way an office writes them."""
    word = "Quarter" if lang == "en" else "Triwulan"
    return f"{word} {', '.join(ROMAN[q] for q in quarters)}"


def predikat(value: Decimal, bands: Sequence[Band] = DEFAULT_BANDS) -> str:
    """The band a capaian falls in (bands from the highest minimum down)."""
    for band in sorted(bands, key=lambda b: b.minimum, reverse=True):
        if value >= band.minimum:
            return band.name
    return sorted(bands, key=lambda b: b.minimum)[0].name


def rounded(value: Decimal, places: int = 2) -> Decimal:
    """Rounded half up, as an office rounds ("95,555" -> "95,56")."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


_NUMBER = re.compile(r"^[+-]?[\d.,]+$")


def parse_number(text: str) -> Decimal:
    """A number as an Indonesian office writes it: "95,5", "1.234", "1.234,5", "87 %".

    The comma is the decimal separator and the dot groups thousands ("1.234" is 1234). A single
    dot followed by other than exactly three digits ("95.5") is read as a decimal point, as
    people used to English-language software type it. Anything else ("sembilan puluh", "1,2,3",
    "") raises ValueError with a sentence saying what is wrong.
    """
    cleaned = text.strip().replace("\u00a0", " ").removesuffix("%").strip().replace(" ", "")
    if not cleaned or not _NUMBER.match(cleaned) or not any(c.isdigit() for c in cleaned):
        raise ValueError(f"bukan angka: {text.strip()!r}")
    sign = ""
    if cleaned[0] in "+-":
        sign, cleaned = cleaned[0].replace("+", ""), cleaned[1:]
    if cleaned.count(",") > 1:
        raise ValueError(f"koma desimal lebih dari satu: {text.strip()!r}")
    whole, _, decimals = cleaned.partition(",")
    if "." in whole:
        groups = whole.split(".")
        if decimals == "" and len(groups) == 2 and len(groups[1]) != 3:
            whole, decimals = groups[0], groups[1]  # "95.5": a decimal point
        elif groups[0] and all(len(g) == 3 for g in groups[1:]) and len(groups[0]) <= 3:
            whole = "".join(groups)  # "1.234.567": thousands
        else:
            raise ValueError(f"pemisah ribuan tidak tepat: {text.strip()!r}")
    if not whole and not decimals:
        raise ValueError(f"bukan angka: {text.strip()!r}")
    try:
        return Decimal(f"{sign}{whole or '0'}.{decimals or '0'}")
    except InvalidOperation:
        raise ValueError(f"bukan angka: {text.strip()!r}") from None
