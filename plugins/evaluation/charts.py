"""The county comparison drawn on the server as inline SVG (nothing from the internet)."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from plugins.evaluation.rollup import CountyResults

__all__ = ["average_chart"]

_LABEL, _BAR_WIDTH, _ROW, _BAR = 170, 440, 28, 16


def average_chart(counties: Sequence[CountyResults],
                  cutoffs: Sequence[float] = (80.0, 60.0)) -> Markup:
    """Each county's average total (0..100) as a horizontal bar, with its unit count;
    coloured by the city's scheme (green at or above its second-lowest cut-off, amber at
    or above its lowest, red below)."""
    high, low = (cutoffs[-2], cutoffs[-1]) if len(cutoffs) > 1 else (cutoffs[0], cutoffs[0])
    top = 12
    rows = max(len(counties), 1)
    bottom = top + _ROW * rows
    width = _LABEL + _BAR_WIDTH + 110
    out = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} '
           f'{bottom + 24}" width="100%" role="img" aria-label="各县（市、区）整改评估平均分">'
           "<title>各县（市、区）整改评估平均分</title>"
           "<style>text{font-size:12px;fill:#1f2328}.axis{fill:#636c76}</style>"]
    for mark in (0, 20, 40, 60, 80, 100):
        x = _LABEL + _BAR_WIDTH * mark // 100
        out.append(f'<line x1="{x}" y1="{top - 4}" x2="{x}" y2="{bottom}" stroke="#d0d7de"/>'
                   f'<text class="axis" x="{x}" y="{bottom + 16}" text-anchor="middle">'
                   f"{mark}</text>")
    for i, county in enumerate(counties):
        y = top + i * _ROW
        average = county.average
        length = round(_BAR_WIDTH * (average or 0) / 100, 1)
        colour = "#1a7f37" if (average or 0) >= high else "#9a6700" if (average or 0) >= low \
            else "#b3261e"
        label = f"{average:g} 分（{county.count} 个单位）" if average is not None else "未报送"
        out.append(f'<text x="{_LABEL - 8}" y="{y + _BAR - 3}" text-anchor="end">'
                   f"{escape(county.name)}</text>"
                   f'<rect x="{_LABEL}" y="{y}" width="{length}" height="{_BAR}" fill="{colour}">'
                   f"<title>{escape(county.name)} {escape(label)}</title></rect>"
                   f'<text x="{_LABEL + length + 4}" y="{y + _BAR - 3}">{escape(label)}</text>')
    out.append("</svg>")
    return Markup("".join(out))
