"""Rendering every user-facing text from Jinja2 templates (`templates/id`, `templates/en`).

Templates receive plain values and never query anything. Texts are Telegram HTML (autoescaped).
`render(name, lang, **ctx)` picks the person's language, falling back to Indonesian; button
labels live in `labels.j2` of each language as `{% set key = "..." %}` lines. Dates and times
are shown in the office's time zone, which the composition root sets once with `configure`
(Asia/Jakarta until then; the WIB/WITA/WIT label follows the zone).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from messages.formatting import (
    format_date,
    format_date_long,
    format_datetime_long,
    format_datetime_range,
    format_duration,
    format_number,
    format_stamp,
    format_wib,
    zone_label,
)

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
OFFICE_TZ = "Asia/Jakarta"  # the default office time zone
_office_tz = OFFICE_TZ


def configure(tz: str) -> str:
    """Show dates and times in the IANA zone `tz` from now on; return the zone used before."""
    global _office_tz
    try:
        ZoneInfo(tz)  # an unknown zone fails here, not at the first message
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {tz!r}") from None
    previous, _office_tz = _office_tz, tz
    return previous


def office_tz() -> str:
    """The zone dates and times are shown in."""
    return _office_tz


def _lang(lang: str | None) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


@cache
def environment() -> Environment:
    """The shared Jinja2 environment with our filters."""
    env = Environment(
        loader=PackageLoader("messages", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["wib"] = _short
    env.filters["when"] = _when
    env.filters["stamp"] = _stamp
    env.filters["span"] = _span
    env.filters["duration"] = _duration
    env.filters["day"] = _day
    env.filters["date"] = _date
    env.filters["clock"] = _clock
    env.filters["zone"] = _zone
    env.filters["number"] = format_number
    return env


def _short(value: datetime) -> str:
    """An instant in office time, short: "2026-11-30 10:00 WIB"."""
    return format_wib(value, _office_tz)


def _stamp(value: datetime | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """An instant in office time for tables: "30 Nov 2026 10.00 WIB"."""
    return format_stamp(value, _lang(lang), _office_tz)


def _when(value: datetime, lang: str = DEFAULT_LANGUAGE) -> str:
    return format_datetime_long(value, _lang(lang), _office_tz)


def _span(start: datetime, end: datetime, lang: str = DEFAULT_LANGUAGE) -> str:
    """From `start` to `end` in office time: "Selasa, 1 Desember 2026 pukul 09.00–11.00 WIB"."""
    return format_datetime_range(start, end, _lang(lang), _office_tz)


def _day(value: datetime, lang: str = DEFAULT_LANGUAGE) -> str:
    """The day of an instant in office time: "Senin, 30 November 2026"."""
    return format_date_long(value.astimezone(ZoneInfo(_office_tz)).date(), _lang(lang))


def _date(value: date | datetime, lang: str = DEFAULT_LANGUAGE) -> str:
    """A date without its weekday (an instant: its day in office time): "1 Desember 2026"."""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(_office_tz)).date()
    return format_date(value, _lang(lang))


def _clock(value: datetime) -> str:
    """The time of day of an instant in office time: "09.00"."""
    return f"{value.astimezone(ZoneInfo(_office_tz)):%H.%M}"


def _zone(value: datetime) -> str:
    """The office zone's label at an instant: "WIB", "WITA", "WIT"."""
    return zone_label(value, _office_tz)


def _duration(minutes: int, lang: str = DEFAULT_LANGUAGE) -> str:
    return format_duration(max(0, int(minutes)), _lang(lang))


def render(template_name: str, lang: str | None = None, **ctx: Any) -> str:
    """Render template `template_name` in `lang` (Indonesian when missing) with plain values."""
    language = _lang(lang)
    template = environment().get_template(f"{language}/{template_name}.j2")
    return template.render(lang=language, **ctx).strip()


def label(key: str, lang: str | None = None) -> str:
    """A short button label."""
    module = environment().get_template(f"{_lang(lang)}/labels.j2").module
    value = getattr(module, key, None)
    if not isinstance(value, str):
        raise KeyError(f"no label {key!r}")
    return value


def template_names() -> list[str]:
    """Every message template (without language folder and extension), for tests."""
    names = environment().list_templates(filter_func=lambda n: n.endswith(".j2"))
    return sorted({n.split("/", 1)[1][:-3] for n in names if "/" in n} - {"labels", "web_labels"})
