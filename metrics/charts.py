"""Server-side SVG charts: no JavaScript, no CDN, readable without colour.

Each chart is decorative next to its table (which carries the numbers for screen readers), so
the SVG has role="img" and a short aria-label; labels are escaped.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from shared.money import format_money

Number = int | float | Decimal


def _num(v: Number | None) -> float:
    return float(v) if v is not None else 0.0


def _whole(v: Number) -> str:
    """A bar's figure, whole and grouped as the active language writes numbers."""
    return format_money(Decimal(str(v)), "", get_language() or "en", whole=True)


def bars(
    rows: list[tuple[str, Number | None]],
    *,
    label: str,
    width: int = 520,
    marker: list[Number | None] | None = None,
) -> SafeString:
    """Horizontal bars, one per row; `marker` draws a target tick on each bar (e.g. quota)."""
    bar_h, gap, left, right = 18, 6, 170, 70
    height = max(len(rows), 1) * (bar_h + gap) + gap
    top = max([_num(v) for _l, v in rows] + [_num(m) for m in (marker or [])] + [1])
    scale = (width - left - right) / top
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(label)}">'
    ]
    for i, (name, value) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = max(_num(value) * scale, 0)
        text = "–" if value is None else _whole(value)
        parts.append(
            f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" class="chart-label">'
            f"{escape(name[:28])}</text>"
            f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="2" class="chart-bar"/>'
            f'<text x="{left + w + 4:.1f}" y="{y + 13}" class="chart-value">{text}</text>'
        )
        if marker and i < len(marker) and marker[i] is not None:
            x = left + _num(marker[i]) * scale
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 2}" y2="{y + bar_h + 2}" '
                f'class="chart-target"/>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped


def line(
    points: list[tuple[str, Number | None]], *, label: str, width: int = 260, height: int = 80
) -> SafeString:
    """A small trend line (sparkline with first/last labels); gaps where a value is None."""
    pad = 6
    values = [_num(v) for _l, v in points if v is not None]
    top, bottom = (max(values), min(values)) if values else (1.0, 0.0)
    span = (top - bottom) or 1.0
    step = (width - 2 * pad) / max(len(points) - 1, 1)
    segments: list[list[str]] = [[]]
    for i, (_name, v) in enumerate(points):
        if v is None:
            segments.append([])
            continue
        x = pad + i * step
        y = height - 16 - (_num(v) - bottom) / span * (height - 16 - 2 * pad)
        segments[-1].append(f"{x:.1f},{y:.1f}")
    parts = [
        f'<svg class="chart spark" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(label)}">'
    ]
    for seg in segments:
        if len(seg) == 1:
            cx, cy = seg[0].split(",")
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="2" class="chart-dot"/>')
        elif seg:
            parts.append(f'<polyline points="{" ".join(seg)}" class="chart-line"/>')
    if points:
        parts.append(
            f'<text x="{pad}" y="{height - 2}" class="chart-label">{escape(points[0][0])}</text>'
            f'<text x="{width - pad}" y="{height - 2}" text-anchor="end" class="chart-label">'
            f"{escape(points[-1][0])}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped
