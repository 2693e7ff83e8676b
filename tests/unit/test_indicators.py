"""Capaian, predikat, periods and Indonesian numbers: the one implementation, tested."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messages.formatting import format_number
from workflow.indicators import (
    DEFAULT_BANDS,
    Band,
    Indicator,
    IndicatorKind,
    Period,
    Polarity,
    capaian,
    missing_quarters,
    parse_number,
    period_realisation,
    predikat,
    quarters_label,
    rounded,
)

D = Decimal


def indicator(polarity: Polarity = Polarity.HIGHER, **kw: object) -> Indicator:
    base: dict[str, object] = {
        "code": "IKU-1",
        "name": "Indeks kepuasan masyarakat",
        "unit": "%",
        "sasaran": "S1",
        "responsible": "anggota_tim_sakip",
        "polarity": polarity,
    }
    return Indicator(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("polarity", "target", "realisasi", "expected"),
    [
        (Polarity.HIGHER, "95", "90", "94.74"),
        (Polarity.HIGHER, "80", "100", "125.00"),
        (Polarity.LOWER, "5", "4", "120.00"),  # 4 days where 5 were allowed
        (Polarity.LOWER, "5", "6", "80.00"),
        (Polarity.LOWER, "5", "12", "0.00"),  # never below 0
        (Polarity.ON_TARGET, "100", "90", "90.00"),
        (Polarity.ON_TARGET, "100", "110", "90.00"),
        (Polarity.HIGHER, "0", "3", "100.00"),  # a zero target is met by any realisation
        (Polarity.LOWER, "0", "0", "100.00"),  # zero complaints where zero were the target
        (Polarity.LOWER, "0", "2", "0.00"),
        (Polarity.ON_TARGET, "0", "1", "0.00"),
    ],
)
def test_capaian_by_polarity_and_the_zero_target_rule(
    polarity: Polarity, target: str, realisasi: str, expected: str
) -> None:
    assert rounded(capaian(indicator(polarity), D(target), D(realisasi))) == D(expected)


def test_qualitative_indicators_are_all_or_nothing() -> None:
    ada = indicator(kind=IndicatorKind.QUALITATIVE, unit="dokumen")
    assert capaian(ada, D(1), D(1)) == 100
    assert capaian(ada, D(1), D(0)) == 0


def test_the_cap_limits_capaian_from_above() -> None:
    assert capaian(indicator(), D(50), D(100), cap=D(120)) == 120
    assert capaian(indicator(), D(50), D(40), cap=D(120)) == 80


@given(
    target=st.decimals(min_value=D("0.01"), max_value=D(10_000), places=2),
    realisasi=st.decimals(min_value=D(0), max_value=D(10_000), places=2),
    polarity=st.sampled_from(list(Polarity)),
)
def test_capaian_is_never_negative_and_exactly_100_on_target(
    target: Decimal, realisasi: Decimal, polarity: Polarity
) -> None:
    value = capaian(indicator(polarity), target, realisasi)
    assert value >= 0
    assert capaian(indicator(polarity), target, target) == 100


@given(
    target=st.decimals(min_value=D(1), max_value=D(1000), places=1),
    low=st.decimals(min_value=D(0), max_value=D(1000), places=1),
    high=st.decimals(min_value=D(0), max_value=D(1000), places=1),
)
def test_more_is_better_exactly_when_the_polarity_says_so(
    target: Decimal, low: Decimal, high: Decimal
) -> None:
    low, high = min(low, high), max(low, high)
    assert capaian(indicator(Polarity.HIGHER), target, high) >= capaian(
        indicator(Polarity.HIGHER), target, low
    )
    assert capaian(indicator(Polarity.LOWER), target, high) <= capaian(
        indicator(Polarity.LOWER), target, low
    )


@given(
    st.integers(min_value=1, max_value=4),
    st.sets(st.integers(min_value=1, max_value=4)),
)
def test_a_cumulative_value_exists_exactly_when_no_quarter_to_date_is_missing(
    quarter: int, reported: set[int]
) -> None:
    served = indicator(cumulative=True, unit="desa")
    by_quarter = {q: D(q) for q in reported}
    period = Period(2026, quarter)
    missing = missing_quarters(served, period, by_quarter)
    assert missing == [q for q in range(1, quarter + 1) if q not in reported]
    value = period_realisation(served, period, by_quarter)
    assert (value is None) == bool(missing)
    if value is not None:
        assert value == sum(range(1, quarter + 1))  # every quarter to date, added up
    assert missing_quarters(indicator(), period, by_quarter) == []  # not cumulative


def test_missing_quarters_are_named_as_an_office_writes_them() -> None:
    assert quarters_label([1, 2, 3]) == "Triwulan I, II, III"
    assert quarters_label([1], "en") == "Quarter I"


def test_cumulative_indicators_add_up_the_quarters_to_date() -> None:
    served = indicator(cumulative=True, unit="dokumen")
    by_quarter = {1: D(10), 2: D(12), 3: D(9), 4: D(11)}
    assert period_realisation(served, Period(2026, 3), by_quarter) == 31
    assert period_realisation(served, Period(2026), by_quarter) == 42
    assert period_realisation(served, Period(2026, 3), {1: D(10), 3: D(9)}) is None
    assert period_realisation(indicator(), Period(2026, 3), by_quarter) == 9


@pytest.mark.parametrize(
    ("value", "band"),
    [("91", "Sangat Tinggi"), ("90.99", "Tinggi"), ("76", "Tinggi"), ("66", "Sedang"),
     ("51", "Rendah"), ("50.99", "Sangat Rendah"), ("0", "Sangat Rendah"),
     ("130", "Sangat Tinggi")],
)  # fmt: skip
def test_default_bands_follow_permendagri_86_2017(value: str, band: str) -> None:
    assert predikat(D(value)) == band


def test_an_office_may_set_its_own_bands() -> None:
    bands = [Band("Baik", D(80)), Band("Kurang", D(0))]
    assert predikat(D(85), bands) == "Baik" and predikat(D(79), bands) == "Kurang"
    assert DEFAULT_BANDS[0].name == "Sangat Tinggi"


@pytest.mark.parametrize(
    ("text", "value"),
    [("95,5", "95.5"), ("1.234", "1234"), ("1.234,5", "1234.5"), ("87 %", "87"), ("87%", "87"),
     (" 12 ", "12"), ("95.5", "95.5"), ("0,75", "0.75"), ("1.234.567", "1234567"),
     ("-3", "-3"), ("100", "100")],
)  # fmt: skip
def test_numbers_as_an_indonesian_office_writes_them(text: str, value: str) -> None:
    assert parse_number(text) == D(value)


@pytest.mark.parametrize(
    "text", ["sembilan puluh", "", "  ", "1,2,3", "12.34.5", "%", "95,5 persen lebih", "1.23,4"]
)
def test_what_is_not_a_number_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        parse_number(text)


@given(st.decimals(min_value=D(0), max_value=D(10**9), places=2))
def test_a_number_written_the_indonesian_way_reads_back(value: Decimal) -> None:
    assert parse_number(format_number(value)) == value


@pytest.mark.parametrize(
    ("text", "period", "label"),
    [("Triwulan IV 2026", Period(2026, 4), "Triwulan IV 2026"),
     ("tw2-2026", Period(2026, 2), "Triwulan II 2026"),
     ("Tahunan 2026", Period(2026), "Tahunan 2026"),
     ("2026", Period(2026), "Tahunan 2026")],
)  # fmt: skip
def test_periods_are_read_and_named_as_officials_write_them(
    text: str, period: Period, label: str
) -> None:
    assert Period.parse(text) == period
    assert period.label() == label


@pytest.mark.parametrize("text", ["Triwulan V 2026", "Triwulan IV", "kemarin"])
def test_a_period_that_is_none_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Period.parse(text)


def test_a_period_knows_its_target_column_and_the_year_in_order() -> None:
    assert [p.key for p in Period.of_year(2026)] == ["tw1", "tw2", "tw3", "tw4", "tahunan"]
    assert indicator(targets={"tw4": D(95)}).target(Period(2026, 4)) == 95
