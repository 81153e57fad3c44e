"""The trainers' usage report: one self-contained HTML page of counts and charts.

The page holds the figures of `eval.usage` and nothing else: no question text, comment, user
or channel; its charts are inline SVG, its style inline, and it loads nothing (not even a
favicon), so it can be mailed or opened offline.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from eval.charts import pyplot, svg
from eval.usage import OUTCOMES, TOPICS, Counts, UsageFigures

# One colour per label, the same in every chart: a category keeps its colour from week to
# week and between the questions chart and the gaps chart (matplotlib's tab10, with red kept
# for "not covered" and greys for what has no category).
COLOURS = dict(
    zip(
        TOPICS,
        (
            "#1f77b4",  # practice-model
            "#ff7f0e",  # policy
            "#2ca02c",  # procedure
            "#9467bd",  # ofsted
            "#8c564b",  # onboarding
            "#e377c2",  # glossary
            "#17becf",  # contacts
            "#7f7f7f",  # category unknown
            "#d62728",  # not covered
            "#c7c7c7",  # empty or too long
        ),
        strict=True,
    )
)
# Chart titles, shown as each figure's caption (text a reader and a test can find).
TITLES = {
    "questions": "Questions per week by category",
    "cited": "Most-cited documents (answers citing each)",
    "rates": "Refusal and feedback rates per week",
    "gaps": "Knowledge gaps per week: not covered, and known gaps by category",
}
_TITLE_CHARS = 48  # longer document titles are shortened on the chart's axis
_WEEK_LABELS = 26  # more weeks than this (half a year) and only every n-th is labelled


def write_usage_report(figures: UsageFigures, out: Path) -> Path:
    """Render the report to `out` (its folder is created) and return the path."""
    environment = Environment(
        loader=PackageLoader("eval", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    page = environment.get_template("usage.html.j2").render(
        figures=figures,
        totals=figures.totals,
        charts=_charts(figures) if figures.totals.asked else {},
        titles=TITLES,
        labels=OUTCOMES,
        generated=date.today().isoformat(),
        percent=_percent,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out


def _percent(counts: Counts, count: int) -> str:
    return f"{100 * counts.share(count):.0f}%" if counts.asked else "–"


def _charts(figures: UsageFigures) -> dict[str, str]:
    """The four charts as inline SVG, by the keys of TITLES."""
    plt = pyplot()
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    # Weeks are placed by position and labelled with their Monday (as strings, matplotlib
    # would log that they look like dates).
    weeks = range(len(figures.weeks))
    mondays = [week.monday.isoformat() for week in figures.weeks]
    charts = {}

    for key, counted in (
        ("questions", [week.topics for week in figures.weeks]),
        ("gaps", [week.gaps for week in figures.weeks]),
    ):
        figure, axis = plt.subplots(figsize=(8, 3.8))
        bottom = [0] * len(mondays)
        for label in TOPICS:
            heights = [counter[label] for counter in counted]
            if any(heights):
                axis.bar(weeks, heights, bottom=bottom, label=label, color=COLOURS[label])
                bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        axis.yaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_ylabel("questions")
        _week_axis(axis, mondays)
        if any(bottom):
            axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
        charts[key] = svg(figure)

    titles = [_shortened(title) for title, _ in figures.most_cited][::-1]
    figure, axis = plt.subplots(figsize=(8, 0.35 * len(titles) + 1.0))
    axis.barh(titles, [n for _, n in figures.most_cited][::-1], color="#1d6fa5")
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set_xlabel("answers citing it")
    charts["cited"] = svg(figure)

    figure, axis = plt.subplots(figsize=(8, 3.8))
    for label, count, colour in (
        ("refused", "refused", COLOURS["not covered"]),
        ("rated helpful", "rated_up", "#1a9850"),
        ("rated not right", "rated_down", "#fdae61"),
    ):
        shares = [
            week.counts.share(getattr(week.counts, count)) if week.counts.asked else math.nan
            for week in figures.weeks
        ]
        axis.plot(weeks, shares, marker="o", label=label, color=colour)
    axis.set_ylim(0, 1.05)
    axis.yaxis.set_major_formatter(PercentFormatter(1.0))
    axis.set_ylabel("share of the week's questions")
    _week_axis(axis, mondays)
    axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    charts["rates"] = svg(figure)
    return charts


def _shortened(title: str) -> str:
    return title if len(title) <= _TITLE_CHARS else title[: _TITLE_CHARS - 1] + "…"


def _week_axis(axis: Any, mondays: list[str]) -> None:
    """Weeks along the x axis, labelled with their Monday (at most _WEEK_LABELS labels)."""
    step = math.ceil(len(mondays) / _WEEK_LABELS)
    axis.set_xticks(range(0, len(mondays), step), mondays[::step], rotation=45, ha="right")
    axis.tick_params(axis="x", labelsize=8)
    axis.set_xlabel("week beginning")
