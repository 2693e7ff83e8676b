"""The measured table of a period: each indicator with its target, realisation, capaian and
predikat — what the formulir, the chart, the summary and `indikator check` all show.

The numbers come from the one implementation in `workflow.indicators` (capaian, the
cumulative rule, the bands); this module only lines them up per indicator, in the order of the
organisation's indicator set, with capaian rounded to two decimals as the office reports it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from workflow.indicators import (
    DEFAULT_BANDS,
    Band,
    Indicator,
    IndicatorSet,
    Period,
    Sasaran,
    capaian,
    missing_quarters,
    period_realisation,
    predikat,
    rounded,
)


@dataclass(frozen=True)
class Measurement:
    """One indicator measured for a period; capaian and predikat are None without a value or
    a target (a cumulative indicator also needs every earlier quarter)."""

    indicator: Indicator
    sasaran: Sasaran | None
    target: Decimal | None
    realisasi: Decimal | None
    capaian: Decimal | None  # percent, rounded to 2 decimals
    predikat: str | None
    # A cumulative indicator's quarters to date without a value (why there is no realisasi).
    missing_quarters: tuple[int, ...] = ()


def measure(
    indicator_set: IndicatorSet,
    period: Period,
    realised: Mapping[str, Mapping[int, Decimal]],
    bands: Sequence[Band] = DEFAULT_BANDS,
    cap: Decimal | None = None,
    codes: Iterable[str] | None = None,
) -> list[Measurement]:
    """Measure the indicators (all of the set, or those `codes` in that order) from the values
    reported per indicator code and quarter (0 for the whole year)."""
    sasaran = {s.code: s for s in indicator_set.sasaran}
    if codes is None:
        chosen = list(indicator_set.indicators)
    else:
        found = (indicator_set.indicator(code) for code in codes)
        chosen = [i for i in found if i is not None]
    out = []
    for indicator in chosen:
        target = indicator.target(period)
        by_quarter = realised.get(indicator.code, {})
        value = period_realisation(indicator, period, by_quarter)
        score = None
        if target is not None and value is not None:
            score = rounded(capaian(indicator, target, value, cap))
        out.append(
            Measurement(
                indicator=indicator,
                sasaran=sasaran.get(indicator.sasaran),
                target=target,
                realisasi=value,
                capaian=score,
                predikat=predikat(score, bands) if score is not None else None,
                missing_quarters=tuple(missing_quarters(indicator, period, by_quarter)),
            )
        )
    return out


def quarter_of(period: Period) -> int:
    """The quarter key a period's own values are reported under (0 for the whole year)."""
    return period.quarter if period.quarter is not None else 0
