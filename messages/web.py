"""The web dashboard's pages: Jinja2 HTML templates in `templates/web/` (autoescaped, no
scripts), their words in `templates/<lang>/web_labels.j2`, and the stylesheet. Templates
receive plain values and never query anything; `page(name, lang, **ctx)` renders one."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from messages.formatting import format_number
from messages.render import _lang, environment

PAGES = ("overview", "run", "refused")


@cache
def words(lang: str | None) -> dict[str, str]:
    """Every word of the dashboard in a language (Indonesian when missing)."""
    module = environment().get_template(f"{_lang(lang)}/web_labels.j2").module
    return {k: v for k, v in vars(module).items() if isinstance(v, str) and not k.startswith("_")}


def what(kind: str, decision: object, lang: str | None) -> str:
    """What an entry of a run's trail did, in words."""
    w = words(lang)
    if kind == "assignment_completed" and decision in ("approved", "returned"):
        return w[f"decision_{decision}"]
    return w.get(f"kind_{kind}", kind.replace("_", " "))


def percent(value: Decimal | None, digits: int = 1) -> str:
    """A percentage as officials write it ("95,5"), or a dash."""
    return "—" if value is None else format_number(value, digits)


def page(name: str, lang: str | None, **ctx: Any) -> str:
    """One page of the dashboard as HTML."""
    language = _lang(lang)
    template = environment().get_template(f"web/{name}.html")
    return template.render(
        lang=language, w=words(language), what=what, percent=percent, **ctx
    ).strip()


@cache
def stylesheet() -> bytes:
    """The dashboard's one stylesheet."""
    return (resources.files("messages") / "templates" / "web" / "dashboard.css").read_bytes()
