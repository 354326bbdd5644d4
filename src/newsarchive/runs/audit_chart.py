"""The audit's articles per day as a PNG chart: gaps in colour, each weekday's usual as a line."""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .audit import Day

COLOURS = {None: "#4c72b0", "low": "#dd8452", "none": "#c44e52"}
MAX_LABELS = 12  # dates written under the axis


def draw_days(days: list[Day], path: Path, title: str) -> None:
    """Bars of articles per day, days under their usual in orange, days with none marked red."""
    # A Figure on the Agg canvas, without pyplot: no display needed (cron, servers), no global
    # state between charts.
    figure = Figure(figsize=(max(6.0, min(0.12 * len(days), 30.0)), 4.0))
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    when = list(range(len(days)))  # one slot per day; labelled below
    axes.bar(when, [d.articles for d in days], color=[COLOURS[d.gap] for d in days], width=0.9)
    empty = [w for w, d in zip(when, days, strict=True) if d.gap == "none"]
    axes.scatter(empty, [0] * len(empty), color=COLOURS["none"], marker="x", zorder=3)
    axes.plot(when, [d.usual for d in days], color="#555555", linewidth=1, label="usual")
    step = max(1, len(days) // MAX_LABELS)
    axes.set_xticks(when[::step], [d.day.isoformat() for d in days[::step]])
    axes.set_title(title)
    axes.set_ylabel("articles published")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 1.25 articles
    axes.legend(loc="upper left")
    figure.autofmt_xdate()
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)
