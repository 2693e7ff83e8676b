"""Office-time calendar: when is the office open, and when is an office-minute budget spent.

SOP step budgets are counted in *office minutes*: only time inside the configured weekly office
hours counts, and Indonesian public holidays and cuti bersama (joint leave) are closed. Holidays
come from the ``holidays`` package (categories ``public`` and ``government``), loaded when a
calendar first needs a holiday; local changes are made with ``extra_closed_days`` and
``extra_open_days``.

Pure domain code: no I/O, no clock. Every instant taken or returned is an aware ``datetime``;
returned instants are in UTC. Time is measured as real elapsed time, so the arithmetic stays
right even in a zone with daylight saving (Indonesia has none).

The two counting functions are exact inverses in this sense, for any aware ``start``, any
``t >= start`` and any ``m >= 0``::

    due(start, m) <= t   if and only if   office_minutes_between(start, t) >= m

so ``office_minutes_between(start, due(start, m)) == m`` always holds, also when ``start`` lies
outside office hours (the closed stretch before the next opening counts zero minutes). The
reverse round trip ``due(start, office_minutes_between(start, t)) == t`` does not hold in
general: when ``t`` is in a closed stretch (or exactly at an opening) ``due`` gives the closing
instant before it, and a ``t`` between whole minutes is floored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "DEFAULT_CALENDAR_CONFIG",
    "DEFAULT_HOLIDAY_SOURCE",
    "WEEKDAYS",
    "CalendarConfig",
    "OfficeCalendar",
    "check_holiday_source",
]

#: Weekday names accepted as keys of ``CalendarConfig.hours``; index = ``date.weekday()``.
WEEKDAYS: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)

_INTERVAL_RE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_MINUTES_PER_DAY = 24 * 60
_ONE_MINUTE = timedelta(minutes=1)
# A run of closed days this long means the configuration can never open again; without this
# limit a search for the next opening would loop for ever.
_MAX_CLOSED_DAYS = 3660


def _default_hours() -> dict[str, list[str]]:
    """Return the weekly hours of a regional government office (Monday–Friday)."""
    return {
        "monday": ["07:30-16:00"],
        "tuesday": ["07:30-16:00"],
        "wednesday": ["07:30-16:00"],
        "thursday": ["07:30-16:00"],
        "friday": ["07:30-16:30"],
    }


def _parse_interval(day: str, text: str) -> tuple[int, int]:
    """Parse ``"HH:MM-HH:MM"`` into minutes since midnight; ``24:00`` is allowed as an end."""
    match = _INTERVAL_RE.match(text)
    if match is None:
        raise ValueError(
            f"hours[{day!r}]: interval {text!r} is not of the form 'HH:MM-HH:MM' "
            "(for example '07:30-16:00')"
        )
    start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
    if start_h > 23 or start_m > 59:
        raise ValueError(f"hours[{day!r}]: interval {text!r} has an invalid start time")
    if not (end_h < 24 and end_m < 60) and (end_h, end_m) != (24, 0):
        raise ValueError(f"hours[{day!r}]: interval {text!r} has an invalid end time")
    start = start_h * 60 + start_m
    end = end_h * 60 + end_m
    if end <= start:
        raise ValueError(
            f"hours[{day!r}]: interval {text!r} ends at or before it starts "
            "(intervals cannot cross midnight)"
        )
    return start, end


def _require_aware(value: datetime, name: str) -> None:
    """Refuse a naive datetime: office time is meaningless without a time zone."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"aware datetime required for {name}, got naive {value!r}")


def _require_date(value: date, name: str) -> None:
    """Refuse a datetime where a calendar day is meant (it would never equal a date)."""
    if isinstance(value, datetime):
        raise TypeError(f"{name} must be a date, not a datetime ({value!r})")


#: The shipped holiday source: country, categories, language. The ``holidays`` package loads
#: the tables of all its countries when the first one is imported (a fifth of a second on a
#: busy server), so a calendar with this source does so when it first needs a holiday, not
#: when it is configured; a unit test checks that the package supports it.
DEFAULT_HOLIDAY_SOURCE: tuple[str, tuple[str, ...], str] = ("ID", ("public", "government"), "id")


def check_holiday_source(country: str, categories: tuple[str, ...], language: str) -> None:
    """Refuse a holiday source the ``holidays`` package does not support (ValueError)."""
    import holidays  # the tables of every country: only when a source must be checked

    try:
        source = holidays.country_holidays(country, years=[], categories=categories)
    except NotImplementedError as exc:
        raise ValueError(
            f"holiday_country {country!r} is not supported by the "
            "holidays package (use an ISO code such as 'ID')"
        ) from exc
    except ValueError as exc:
        raise ValueError(
            f"holiday_categories {categories!r} are not supported for {country!r}: {exc}"
        ) from exc
    languages = source.supported_languages
    if language not in languages:
        raise ValueError(
            f"holiday_language {language!r} is not supported for "
            f"{country!r} (choose one of {', '.join(languages)})"
        )


class CalendarConfig(BaseModel):
    """Weekly office hours, holiday source and local exceptions of one office."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = "Asia/Jakarta"
    hours: dict[str, list[str]] = Field(default_factory=_default_hours)
    holiday_country: str = DEFAULT_HOLIDAY_SOURCE[0]
    holiday_categories: tuple[str, ...] = DEFAULT_HOLIDAY_SOURCE[1]
    # Pinned so that holiday names do not depend on the process locale.
    holiday_language: str = DEFAULT_HOLIDAY_SOURCE[2]
    extra_closed_days: list[date] = Field(default_factory=list)
    extra_open_days: list[date] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        """Accept only IANA zone names that zoneinfo knows."""
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"timezone {value!r} is not a known IANA time zone (for example 'Asia/Jakarta')"
            ) from exc
        return value

    @field_validator("hours")
    @classmethod
    def _valid_hours(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        """Check weekday names and intervals; return the intervals of each day sorted."""
        normalised: dict[str, list[str]] = {}
        for day, intervals in value.items():
            if day not in WEEKDAYS:
                raise ValueError(
                    f"hours: unknown weekday {day!r}; use lowercase English names "
                    f"({', '.join(WEEKDAYS)})"
                )
            parsed = sorted(
                ((_parse_interval(day, text), text) for text in intervals),
                key=lambda item: item[0],
            )
            for (previous, previous_text), (current, current_text) in pairwise(parsed):
                if current[0] < previous[1]:
                    raise ValueError(
                        f"hours[{day!r}]: interval {current_text!r} overlaps "
                        f"interval {previous_text!r}"
                    )
            normalised[day] = [text for _, text in parsed]
        if not any(normalised.values()):
            raise ValueError(
                "hours: no weekday has office hours, so the office would never open; "
                "give at least one day an interval such as '07:30-16:00'"
            )
        return normalised

    @model_validator(mode="after")
    def _consistent(self) -> CalendarConfig:
        """Check the holiday source and that no day is both extra-open and extra-closed."""
        if not self.holiday_categories:
            raise ValueError(
                "holiday_categories must not be empty (use for example ('public', 'government'))"
            )
        source = (self.holiday_country, self.holiday_categories, self.holiday_language)
        if source != DEFAULT_HOLIDAY_SOURCE:  # the default is checked by a test instead
            check_holiday_source(*source)
        both = sorted(set(self.extra_open_days) & set(self.extra_closed_days))
        if both:
            listed = ", ".join(day.isoformat() for day in both)
            raise ValueError(
                f"days listed both in extra_open_days and extra_closed_days: {listed}"
            )
        return self


#: The calendar of a regional office in WIB: Mon–Thu 07:30–16:00, Fri 07:30–16:30.
DEFAULT_CALENDAR_CONFIG = CalendarConfig()


class OfficeCalendar:
    """Answers questions about office time for one ``CalendarConfig``."""

    def __init__(self, config: CalendarConfig = DEFAULT_CALENDAR_CONFIG) -> None:
        """Parse the configuration once; holiday years are loaded when first needed."""
        self.config = config
        self._tz = ZoneInfo(config.timezone)
        self._week: tuple[tuple[tuple[int, int], ...], ...] = tuple(
            tuple(_parse_interval(day, text) for text in config.hours.get(day, []))
            for day in WEEKDAYS
        )
        # Spans used on an extra open day whose weekday has none: Monday's, or else the first
        # weekday that has hours (the config guarantees one exists).
        self._fallback_spans = next(spans for spans in self._week if spans)
        self._extra_closed = frozenset(config.extra_closed_days)
        self._extra_open = frozenset(config.extra_open_days)
        self._holiday_years: dict[int, Mapping[date, str]] = {}

    # -- days -------------------------------------------------------------------------------

    def holiday_name(self, d: date) -> str | None:
        """Name of the public holiday or cuti bersama on ``d`` (names joined by "; "), if any.

        This is the holiday source only: a day in ``extra_closed_days`` has no name, and a
        holiday listed in ``extra_open_days`` keeps its name although the office is open.
        """
        _require_date(d, "d")
        return self._holidays(d.year).get(d)

    def is_office_day(self, d: date) -> bool:
        """Whether the office opens at all on calendar day ``d`` (in the office time zone)."""
        _require_date(d, "d")
        if d in self._extra_closed:
            return False
        if d in self._extra_open:
            return True
        if not self._week[d.weekday()]:
            return False
        return d not in self._holidays(d.year)

    def opening_of_day(self, d: date) -> datetime | None:
        """First opening instant (UTC) of office day ``d``, or None when ``d`` is closed."""
        _require_date(d, "d")
        intervals = self._day_intervals(d)
        return intervals[0][0] if intervals else None

    # -- instants ---------------------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        """Whether ``at`` lies in office time; an interval includes its opening, not its close."""
        _require_aware(at, "at")
        start, _ = next(self._intervals_after(at.astimezone(UTC)))
        return start <= at

    def next_opening(self, at: datetime) -> datetime:
        """``at`` itself (in UTC) when the office is open, else the next opening instant."""
        _require_aware(at, "at")
        moment = at.astimezone(UTC)
        start, _ = next(self._intervals_after(moment))
        return max(start, moment)

    def due(self, start: datetime, minutes: int) -> datetime:
        """Instant (UTC) at which ``minutes`` office minutes have elapsed since ``start``.

        Counting begins at the next opening when ``start`` is outside office hours; a budget
        that runs out exactly at a closing time is due at that closing time. ``minutes == 0``
        gives ``start`` itself.
        """
        _require_aware(start, "start")
        if minutes < 0:
            raise ValueError(f"minutes must not be negative, got {minutes}")
        moment = start.astimezone(UTC)
        if minutes == 0:
            return moment
        remaining = timedelta(minutes=minutes)
        for opens, closes in self._intervals_after(moment):
            opens = max(opens, moment)
            available = closes - opens
            if remaining <= available:
                return opens + remaining
            remaining -= available
        raise AssertionError("unreachable: _intervals_after never ends")  # pragma: no cover

    def office_minutes_between(self, a: datetime, b: datetime) -> int:
        """Whole office minutes (floored) in the half-open span ``[a, b)``; 0 if ``b <= a``."""
        _require_aware(a, "a")
        _require_aware(b, "b")
        begin = a.astimezone(UTC)
        end = b.astimezone(UTC)
        if end <= begin:
            return 0
        total = timedelta(0)
        for opens, closes in self._intervals_after(begin):
            if opens >= end:
                break
            total += min(closes, end) - max(opens, begin)
        return total // _ONE_MINUTE

    # -- internals --------------------------------------------------------------------------

    def _holidays(self, year: int) -> Mapping[date, str]:
        """Holidays of one year, loaded from the holidays package on first use."""
        cached = self._holiday_years.get(year)
        if cached is None:
            import holidays  # loaded when the first holiday is needed, not at start

            cached = dict(
                holidays.country_holidays(
                    self.config.holiday_country,
                    years=year,
                    categories=self.config.holiday_categories,
                    language=self.config.holiday_language,
                )
            )
            self._holiday_years[year] = cached
        return cached

    def _spans(self, d: date) -> tuple[tuple[int, int], ...]:
        """Office intervals of day ``d`` in minutes since local midnight (empty if closed)."""
        if not self.is_office_day(d):
            return ()
        spans = self._week[d.weekday()]
        if not spans and d in self._extra_open:
            spans = self._week[0] or self._fallback_spans
        return spans

    def _day_intervals(self, d: date) -> list[tuple[datetime, datetime]]:
        """Office intervals of day ``d`` as UTC instants, in order."""
        midnight = datetime.combine(d, time(0), tzinfo=self._tz)
        intervals = []
        for start, end in self._spans(d):
            # Wall-clock arithmetic on an aware datetime keeps the zone; convert afterwards.
            opens = (midnight + timedelta(minutes=start)).astimezone(UTC)
            closes = (midnight + timedelta(minutes=end)).astimezone(UTC)
            intervals.append((opens, closes))
        return intervals

    def _intervals_after(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Yield, in order and without overlap, every office interval that ends after ``moment``.

        Iterates day by day, so a long budget costs one step per calendar day, not per minute.
        Raises ValueError when no office interval is found within about ten years.
        """
        day = moment.astimezone(self._tz).date() - timedelta(days=1)
        last_close = moment
        closed_run = 0
        while True:
            found = False
            for opens, closes in self._day_intervals(day):
                # Clipping to the previous close keeps intervals ordered even where a daylight
                # saving jump makes wall-clock hours overlap in real time.
                opens = max(opens, last_close)
                if closes <= opens:
                    continue
                found = True
                last_close = closes
                yield opens, closes
            closed_run = 0 if found else closed_run + 1
            if closed_run > _MAX_CLOSED_DAYS:
                raise ValueError(
                    f"no office hours in the {_MAX_CLOSED_DAYS} days after {day.isoformat()}; "
                    "check the calendar configuration"
                )
            day += timedelta(days=1)
