"""Charts for the HTML reports: matplotlib figures rendered as inline SVG.

Both reports (the evaluation's and the trainers' usage report) draw with these, so a page
needs no image files and no network. matplotlib is imported when a chart is drawn, never when
a command's module is imported.
"""

from __future__ import annotations

import io
from typing import Any


def pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    return plt


def svg(figure: Any) -> str:
    """The figure as an `<svg>` element to paste into a page; the figure is closed."""
    plt = pyplot()
    buffer = io.StringIO()
    figure.tight_layout()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    drawing = buffer.getvalue()
    return drawing[drawing.index("<svg") :]
