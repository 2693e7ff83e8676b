"""Date, time and duration texts for messages, in Indonesian (default) or English.

Month and weekday names are spelled out here rather than taken from the process locale, so the
output is the same on every server. Indonesian follows the PUEBI style: "Senin, 30 November
2026 pukul 10.00 WIB" (a dot between hours and minutes; an en dash between the two ends of a
span, "pukul 09.00–11.00 WIB"). Standard library only.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

__all__ = [
    "SUPPORTED_LANGUAGES",
    "format_date",
    "format_date_long",
    "format_datetime_long",
    "format_datetime_range",
    "format_duration",
    "format_number",
    "format_wib",
    "zone_label",
]

SUPPORTED_LANGUAGES: tuple[str, ...] = ("id", "en")

_DEFAULT_TZ = "Asia/Jakarta"

_WEEKDAYS = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}

_MONTHS = {
    "id": (
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}

# The zone database gives only "+07" etc. for Indonesia; officials read WIB, WITA and WIT.
_ZONE_LABELS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def _check_language(lang: str) -> None:
    """Refuse a language we have no names for."""
    if lang not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; use one of {SUPPORTED_LANGUAGES}")


def _to_local(dt: datetime, tz: str) -> tuple[datetime, str]:
    """Convert an aware datetime to zone ``tz``; return it with the zone's label."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"aware datetime required, got naive {dt!r}")
    local = dt.astimezone(ZoneInfo(tz))
    label = _ZONE_LABELS.get(tz) or local.tzname() or tz
    return local, label


def zone_label(dt: datetime, tz: str = _DEFAULT_TZ) -> str:
    """The label officials read for zone ``tz`` at an instant: ``"WIB"``, ``"WITA"``, ``"WIT"``."""
    return _to_local(dt, tz)[1]


def format_wib(dt: datetime | None, tz: str = _DEFAULT_TZ) -> str:
    """Short form of an instant in office time: ``"2026-11-30 10:00 WIB"``; ``"—"`` for no
    instant (a meeting step's due time before its meeting is scheduled)."""
    if dt is None:
        return "—"
    local, label = _to_local(dt, tz)
    return f"{local:%Y-%m-%d %H:%M} {label}"


_SHORT_MONTHS = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def format_stamp(dt: datetime | None, lang: str = "id", tz: str = _DEFAULT_TZ) -> str:
    """An instant in office time for tables people read: ``"30 Nov 2026 10.00 WIB"`` (English
    ``"30 Nov 2026 10:00 WIB"``); ``"—"`` for no instant."""
    if dt is None:
        return "—"
    _check_language(lang)
    local, label = _to_local(dt, tz)
    month = _SHORT_MONTHS[lang][local.month - 1]
    clock = f"{local:%H.%M}" if lang == "id" else f"{local:%H:%M}"
    return f"{local.day} {month} {local.year} {clock} {label}"


def format_date(d: date, lang: str = "id") -> str:
    """A day as a letter's date line writes it: ``"1 Desember 2026"`` / ``"1 December 2026"``."""
    _check_language(lang)
    return f"{d.day} {_MONTHS[lang][d.month - 1]} {d.year}"


def format_date_long(d: date, lang: str = "id") -> str:
    """Long form of a day: ``"Senin, 30 November 2026"`` / ``"Monday, 30 November 2026"``."""
    _check_language(lang)
    return f"{_WEEKDAYS[lang][d.weekday()]}, {format_date(d, lang)}"


def format_datetime_long(dt: datetime, lang: str = "id", tz: str = _DEFAULT_TZ) -> str:
    """Long form of an instant: ``"Senin, 30 November 2026 pukul 10.00 WIB"``.

    In English: ``"Monday, 30 November 2026 at 10:00 WIB"``.
    """
    _check_language(lang)
    local, label = _to_local(dt, tz)
    day = format_date_long(local.date(), lang)
    if lang == "id":
        return f"{day} pukul {local:%H.%M} {label}"
    return f"{day} at {local:%H:%M} {label}"


def format_datetime_range(
    start: datetime, end: datetime, lang: str = "id", tz: str = _DEFAULT_TZ
) -> str:
    """Long form of a span: ``"Selasa, 1 Desember 2026 pukul 09.00–11.00 WIB"``.

    In English: ``"Tuesday, 1 December 2026 at 09:00–11:00 WIB"``. A span over several days
    names both ends in full: ``"Senin, ... pukul 15.00 WIB – Selasa, ... pukul 09.00 WIB"``.
    """
    _check_language(lang)
    local_start, label = _to_local(start, tz)
    local_end, _ = _to_local(end, tz)
    if local_start.date() != local_end.date():
        return f"{format_datetime_long(start, lang, tz)} – {format_datetime_long(end, lang, tz)}"
    day = format_date_long(local_start.date(), lang)
    if lang == "id":
        return f"{day} pukul {local_start:%H.%M}–{local_end:%H.%M} {label}"
    return f"{day} at {local_start:%H:%M}–{local_end:%H:%M} {label}"


def format_duration(minutes: int, lang: str = "id") -> str:
    """Hours and minutes, exactly: ``"13 jam 15 menit"`` / ``"13 h 15 min"``; never days."""
    _check_language(lang)
    if minutes < 0:
        raise ValueError(f"a duration cannot be negative, got {minutes} minutes")
    hours, rest = divmod(minutes, 60)
    hour_unit, minute_unit = ("jam", "menit") if lang == "id" else ("h", "min")
    parts = []
    if hours:
        parts.append(f"{hours} {hour_unit}")
    if rest or not hours:
        parts.append(f"{rest} {minute_unit}")
    return " ".join(parts)


def format_number(value: Decimal | float | int, places: int = 2) -> str:
    """A number written the Indonesian way: "95,5", "1.234", "1.234,56" (trailing zeros cut)."""
    quantum = Decimal(1).scaleb(-places)
    text = f"{Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"
    whole, _, decimals = text.partition(".")
    decimals = decimals.rstrip("0")
    whole = whole.replace(",", ".")
    return f"{whole},{decimals}" if decimals else whole
