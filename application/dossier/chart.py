"""The dossier's timeline chart: one horizontal bar pair per round of a step — its budget (pale)
and the office minutes it actually took (green on time, red late, blue still open) — as PNG
bytes, drawn with Pillow the way `application.formulir.capaian_chart` draws the capaian."""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from PIL import Image, ImageDraw

from application.document_fonts import image_font
from application.dossier.record import StepSpan
from messages.formatting import format_number
from messages.render import label

ON_TIME = (46, 125, 50)
LATE = (198, 40, 40)
OPEN = (21, 101, 192)
BUDGET = (207, 216, 220)
GREY = (90, 90, 90)


def _scale(value: int) -> tuple[int, int]:
    """A round top of the scale at or above `value` minutes, and its tick (at most 8 ticks)."""
    for tick in (5, 10, 15, 30, 60, 120, 240, 480, 960, 1920, 3840, 7680):
        if value <= tick * 8:
            return max(tick, -(-value // tick) * tick), tick
    return -(-value // 15360) * 15360, 15360


def timeline_chart(spans: Sequence[StepSpan], lang: str = "id") -> bytes:
    """Budget against actual office minutes per step round, as PNG bytes."""
    rows = list(spans)
    bar_h, gap, top, left, right, bottom = 30, 12, 92, 100, 190, 60
    width = 1200
    height = top + max(len(rows), 1) * (bar_h + gap) + bottom
    longest = max([1, *(r.budget_minutes for r in rows), *(r.used_minutes for r in rows)])
    scale, tick = _scale(longest)
    plot = width - left - right
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    title, text, small = image_font(26, bold=True), image_font(20), image_font(18)
    draw.text((left, 14), label("dossier_chart_title", lang), fill="black", font=title)
    legend_x = left
    for colour, key in (
        (BUDGET, "dossier_chart_budget"),
        (ON_TIME, "dossier_chart_on_time"),
        (LATE, "dossier_chart_late"),
        (OPEN, "dossier_chart_open"),
    ):
        draw.rectangle([(legend_x, 52), (legend_x + 18, 70)], fill=colour)
        words = label(key, lang)
        draw.text((legend_x + 24, 61), words, fill="black", font=small, anchor="lm")
        legend_x += 40 + int(draw.textlength(words, font=small))

    def x_of(minutes: int) -> int:
        return left + int(plot * min(minutes, scale) / scale)

    axis_bottom = top + len(rows) * (bar_h + gap)
    for value in range(0, scale + 1, tick):
        x = x_of(value)
        draw.line([(x, top - 6), (x, axis_bottom)], fill=(230, 230, 230), width=1)
        draw.text((x, axis_bottom + 6), str(value), fill=GREY, font=small, anchor="ma")
    draw.text(
        (left + plot // 2, axis_bottom + 32),
        label("dossier_chart_axis", lang),
        fill=GREY,
        font=small,
        anchor="ma",
    )
    for i, r in enumerate(rows):
        y = top + i * (bar_h + gap)
        name = f"{r.step_no}" if r.round == 1 else f"{r.step_no} ({r.round})"
        draw.text((left - 10, y + bar_h // 2), name, fill="black", font=text, anchor="rm")
        draw.rectangle(
            [(left, y), (max(x_of(r.budget_minutes), left + 1), y + bar_h)], fill=BUDGET
        )
        colour = OPEN if r.open else LATE if r.late else ON_TIME
        inner = (y + 6, y + bar_h - 6)
        end = max(x_of(r.used_minutes), left + 2)
        draw.rectangle([(left, inner[0]), (end, inner[1])], fill=colour)
        if r.used_minutes > scale:  # cut at the edge of the scale: say so
            draw.text((end - 4, y + bar_h // 2), "»", fill="white", font=text, anchor="rm")
        share = (
            format_number(100 * r.used_minutes / r.budget_minutes, 0) if r.budget_minutes else "—"
        )
        words = f"{r.used_minutes}/{r.budget_minutes} ({share} %)"
        edge = max(x_of(r.budget_minutes), end)
        draw.text((edge + 6, y + bar_h // 2), words, fill="black", font=small, anchor="lm")
    draw.line([(left, top - 6), (left, axis_bottom)], fill="black", width=1)
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
