"""Charts drawn on the server as inline SVG: no script library, nothing from the internet.

- :func:`rate_chart`: one row per county, a bar for departments and one for
  villages, each as long as its coverage rate;
- :func:`year_chart`: a small column chart of what one county covered each
  year (villages and departments side by side).
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from plugins.village_coverage.model import POPULATION_LABELS, Population
from plugins.village_coverage.rollup import CountyCoverage

__all__ = ["COLORS", "rate_chart", "year_chart"]

COLORS = {Population.departments.value: "#0969da", Population.villages.value: "#b3261e"}
"""Bar colours per population."""

_LABEL, _BAR_WIDTH, _ROW, _BAR = 170, 440, 36, 13


def _legend(y: int) -> str:
    parts = []
    for i, population in enumerate(Population):
        x = _LABEL + i * 190
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" '
                     f'fill="{COLORS[population.value]}"/>'
                     f'<text x="{x + 17}" y="{y + 11}">{POPULATION_LABELS[population]}</text>')
    return "".join(parts)


def rate_chart(counties: Sequence[CountyCoverage]) -> Markup:
    """Coverage rates of every county, departments and villages, as an SVG bar chart."""
    top = 34
    height = top + _ROW * max(len(counties), 1) + 24
    width = _LABEL + _BAR_WIDTH + 70
    out = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="100%" role="img" aria-label="各县（市、区）巡察覆盖率">'
           '<title>各县（市、区）巡察覆盖率</title>'
           '<style>text{font-size:12px;fill:#1f2328}.axis{fill:#636c76}</style>',
           _legend(4)]
    bottom = top + _ROW * max(len(counties), 1)
    for pct in (0, 25, 50, 75, 100):
        x = _LABEL + _BAR_WIDTH * pct // 100
        out.append(f'<line x1="{x}" y1="{top - 6}" x2="{x}" y2="{bottom}" stroke="#d0d7de"/>'
                   f'<text class="axis" x="{x}" y="{bottom + 16}" text-anchor="middle">'
                   f"{pct}%</text>")
    for i, county in enumerate(counties):
        y = top + i * _ROW
        out.append(f'<text x="{_LABEL - 8}" y="{y + _BAR + 5}" text-anchor="end">'
                   f"{escape(county.name)}</text>")
        for j, population in enumerate(Population):
            code = population.value
            by = y + j * (_BAR + 2)
            length = round(_BAR_WIDTH * county.ratio(code), 1)
            label = (f"{county.ratio(code) * 100:.1f}%" if county.count(code, "total")
                     else "未报送" if not county.reported else "—")
            out.append(f'<rect x="{_LABEL}" y="{by}" width="{length}" height="{_BAR}" '
                       f'fill="{COLORS[code]}"><title>{escape(county.name)} '
                       f"{POPULATION_LABELS[population]} {escape(county.rate(code))}</title>"
                       f'</rect><text x="{_LABEL + length + 4}" y="{by + _BAR - 2}">'
                       f"{label}</text>")
    out.append("</svg>")
    return Markup("".join(out))


def year_chart(county: CountyCoverage, years: Sequence[int]) -> Markup:
    """What one county covered each year, villages and departments side by side."""
    if not years:
        return Markup('<span class="meta">暂无</span>')
    per_year = {p.value: county.by_year(p.value) for p in Population}
    peak = max([1, *(n for counts in per_year.values() for n in counts.values())])
    step, height, base = 34, 74, 58
    width = step * len(years) + 6
    out = [f'<svg class="spark" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" '
           f'aria-label="{escape(county.name)}各年度覆盖数量">'
           '<style>text{font-size:10px;fill:#636c76}</style>']
    for i, year in enumerate(years):
        x = 4 + i * step
        for j, population in enumerate(Population):
            n = per_year[population.value].get(year, 0)
            h = round(44 * n / peak, 1)
            out.append(f'<rect x="{x + j * 13}" y="{base - h}" width="12" height="{h}" '
                       f'fill="{COLORS[population.value]}"><title>{year}年 '
                       f"{POPULATION_LABELS[population]} {n} 个</title></rect>")
        out.append(f'<text x="{x + 12}" y="{base + 12}" text-anchor="middle">{year % 100:02d}'
                   "</text>")
    out.append("</svg>")
    return Markup("".join(out))
