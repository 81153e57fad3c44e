"""The practice leads' word lists in the knowledge base's lexicon folder, read together."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bot.documents import IngestReport
from bot.retrieval.lexicon import EMPTY as NO_TERMS
from bot.retrieval.lexicon import QueryLexicon, TermsError, load_query_lexicon
from bot.safety.risk_lexicon import LexiconError, RiskLexicon, load_risk_lexicon

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lexicons:
    risks: RiskLexicon
    terms: QueryLexicon


def load_lexicons(lexicon_dir: Path) -> Lexicons:
    """Both lists; raises LexiconError or TermsError naming the file that is wrong."""
    return Lexicons(load_risk_lexicon(lexicon_dir), load_query_lexicon(lexicon_dir))


def load_lexicons_or_built_in(lexicon_dir: Path) -> Lexicons:
    """Both lists; if a local file is wrong, the built-in risk list and no terms, logged.

    A running bot must start even when a practice lead's edit broke a file: the emergency
    route matters more than the local words. `bcft ingest` and `/kb reindex` say what is wrong.
    """
    try:
        return load_lexicons(lexicon_dir)
    except (LexiconError, TermsError) as error:
        log.error("lexicon not used, fix it and reindex: %s", error)
        return Lexicons(load_risk_lexicon(), NO_TERMS)


def lexicon_problems(lexicon_dir: Path) -> list[str]:
    """What is wrong with the lexicon files, one line each (nothing if they are fine)."""
    problems = []
    for load in (load_risk_lexicon, load_query_lexicon):
        try:
            load(lexicon_dir)
        except (LexiconError, TermsError) as error:
            problems.append(str(error))
    return problems


def check_lexicon_folders(roots: list[Path], report: IngestReport) -> None:
    """Add a failure to an ingest report for each lexicon file under `roots` that is wrong."""
    for root in roots:
        folder = root / "lexicon"
        if folder.is_dir():
            for problem in lexicon_problems(folder):
                path, _, reason = problem.partition(": ")
                report.failed[path] = reason
