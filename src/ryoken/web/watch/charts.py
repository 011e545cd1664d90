"""Charts as inline SVG, drawn on the server: the CSP forbids scripts, and an SVG needs no
plotting library at run time. Every label is escaped; the markup is safe to embed."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

COLOURS = ("#0b5cad", "#9aa5b1", "#b3261e", "#1e7d32")


def _fmt(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def grouped_bars(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str,
    width: int = 680,
    height: int = 300,
) -> SafeString:
    """One group of bars per category, one bar per series, with values on the bars."""
    left, right, top, bottom = 48, 12, 48, 58
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([v for _, values in series for v in values] + [0.0])
    scale = plot_h / peak if peak > 0 else 0.0
    group_w = plot_w / max(len(categories), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#5b6775"/>',
    ]
    for i, category in enumerate(categories):
        x0 = left + i * group_w + group_w * 0.1
        for j, (_, values) in enumerate(series):
            value = values[i] if i < len(values) else 0.0
            h = value * scale
            x = x0 + j * bar_w
            y = top + plot_h - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w * 0.9:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS[j % len(COLOURS)]}"><title>{escape(series[j][0])}: '
                f"{_fmt(value)}</title></rect>"
            )
            parts.append(
                f'<text x="{x + bar_w * 0.45:.1f}" y="{y - 3:.1f}" font-size="11" '
                f'text-anchor="middle" fill="#1d2733">{_fmt(value)}</text>'
            )
        parts.append(
            f'<text x="{left + (i + 0.5) * group_w:.1f}" y="{top + plot_h + 16}" font-size="12" '
            f'text-anchor="middle" fill="#1d2733">{escape(category)}</text>'
        )
    for j, (name, _) in enumerate(series):
        x = left + j * 170
        parts.append(
            f'<rect x="{x}" y="{height - 20}" width="12" height="12" '
            f'fill="{COLOURS[j % len(COLOURS)]}"/>'
            f'<text x="{x + 16}" y="{height - 10}" font-size="12" fill="#1d2733">'
            f"{escape(name)}</text>"
        )
    parts.append(
        f'<text x="{left}" y="20" font-size="13" font-weight="600" fill="#1d2733">'
        f"{escape(title)}</text></svg>"
    )
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def day_bars(days: Sequence[tuple[str, int]], *, title: str, height: int = 160) -> SafeString:
    """Events per day as a simple bar chart (the timeline's overview)."""
    left, top, bottom = 36, 40, 34
    bar = 36 if len(days) <= 31 else 12
    label_every = 1 if bar >= 30 else 7  # a label needs about 30 pixels
    width = max(left + bar * len(days) + 12, 320)
    plot_h = height - top - bottom
    peak = max([n for _, n in days] + [1])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>',
        f'<text x="{left}" y="16" font-size="13" font-weight="600" fill="#1d2733">'
        f"{escape(title)}</text>",
    ]
    for i, (label, n) in enumerate(days):
        h = plot_h * n / peak
        x = left + i * bar
        y = top + plot_h - h
        parts.append(
            f'<rect x="{x + 2}" y="{y:.1f}" width="{bar - 4}" height="{h:.1f}" '
            f'fill="{COLOURS[0]}"><title>{escape(label)}: {n}</title></rect>'
        )
        if n:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" font-size="10" '
                f'text-anchor="middle" fill="#1d2733">{n}</text>'
            )
        if i % label_every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 14}" font-size="9" '
                f'text-anchor="middle" fill="#5b6775">{escape(label[-5:])}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
