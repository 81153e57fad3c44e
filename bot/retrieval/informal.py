"""Chat-speak to the words the knowledge base uses: "kids" -> "children", "feb" -> "February".

New starters type in Slack the way they talk. The glossary handles the sector's acronyms;
this handles everyday shorthand, so that both the search and the check that an answer covers
the question see the words the documents are written in.
"""

from __future__ import annotations

import re

_PLAIN = {
    "kid": "child",
    "kids": "children",
    "kiddo": "child",
    "mum": "mother",
    "mums": "mothers",
    "mam": "mother",
    "dad": "father",
    "dads": "fathers",
    "sw": "social worker",
    "sws": "social workers",
    "tm": "team manager",
    "strat": "strategy discussion",
    "strats": "strategy discussions",
    "conf": "conference",
    "exec": "executive",
    "ceo": "chief executive",
    "ceos": "chief executives",
    "info": "information",
    "govt": "government",
    "dept": "department",
    "obs": "observations",
    "yr": "year",
    "yrs": "years",
    "yo": "year old",
    "approx": "approximately",
    "whens": "when is",
    "jan": "January",
    "feb": "February",
    "apr": "April",
    "jun": "June",
    "jul": "July",
    "aug": "August",
    "sep": "September",
    "sept": "September",
    "oct": "October",
    "nov": "November",
}
_WORD = re.compile(
    r"(?<![\w'’-])(" + "|".join(sorted(_PLAIN, key=len, reverse=True)) + r")(?![\w'’-])", re.I
)


def spell_out(question: str) -> str:
    """The question with everyday shorthand replaced by the words documents use."""
    return _WORD.sub(lambda m: _PLAIN[m.group(1).lower()], question)
