"""The trainers' usage report, from real answers in a real store.

Questions are answered by the real engine on the test knowledge base and recorded through the
store with a clock set to each question's day; the report is rendered in a real headless
Chromium. Distinctive words in the questions, comments, user and channel ids must never reach
the page.
"""

from __future__ import annotations

import http.server
import json
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import get_args

import pytest

from bot.answering.engine import AnswerEngine
from bot.answers import Answer, Reason
from bot.index import open_index
from bot.settings import Settings
from bot.store import open_store
from eval.usage import (
    OUTCOMES,
    UNKNOWN_CATEGORY,
    Counts,
    Period,
    UsageFigures,
    usage_figures,
)
from eval.usage_report import TITLES, write_usage_report
from ingest.pipeline import run_ingest
from tests.support.calibration import TEST_KB_MIN_IN_SCOPE
from tests.support.processes import bcft, env_for

KB = Path(__file__).resolve().parents[1] / "support" / "kb"
TODAY = date(2026, 11, 23)  # for the answers' review dates
# Four whole weeks, the last ending a week before last Sunday: recent, so that no retention
# rule has removed them, and past, so that a question a week after them is in the past too.
WEEK_1, WEEK_2, WEEK_3, WEEK_4 = (
    date.today() - timedelta(days=date.today().weekday(), weeks=n) for n in (5, 4, 3, 2)
)
PERIOD = Period(WEEK_1, WEEK_4 + timedelta(days=6))
CHANNEL, ASKER, RATER = "CQUOKKA42", "UZEBEDEE7", "UMARMADUKE9"
OVERTIME = "How much overtime pay do agency social workers get, asks Tobermory?"
CORE_GAP = "how often do core groups meet after the first one, Marmaduke asked"
# Words only the questions and comments contain: none may appear in a report.
PRIVATE_WORDS = (
    "Zebedee",
    "Marmaduke",
    "Tobermory",
    "Philomena",
    "Wellington",
    "Quillon",
    "overtime",
    "stepdad",
    "Tobias",
    CHANNEL,
    ASKER,
    RATER,
)


@dataclass(frozen=True)
class Asked:
    key: str
    day: date
    question: str
    reason: Reason
    urgent: bool = False


SCRIPT = (
    Asked(
        "before",
        WEEK_1 - timedelta(days=5),
        "When must the initial child protection conference be held for Zebedee?",
        "answered",
    ),
    Asked(
        "icpc",
        WEEK_1 + timedelta(days=1),
        "When must the initial child protection conference be held for Zebedee?",
        "answered",
    ),
    Asked(
        "lado",
        WEEK_1 + timedelta(days=2),
        "How quickly must a LADO referral be made about the teacher Zebedee told me about?",
        "answered",
    ),
    Asked("core-gap", WEEK_1 + timedelta(days=3), CORE_GAP, "known_gap"),
    Asked("overtime", WEEK_1 + timedelta(days=4), OVERTIME, "not_covered"),
    Asked(
        "supervision",
        WEEK_2 + timedelta(days=1),
        "Do newly qualified social workers get supervision, Wellington?",
        "answered",
    ),
    Asked(
        "urgent",
        WEEK_2 + timedelta(days=2),
        "Philomena has just told me her stepdad hits her and she is scared to go home tonight",
        "not_covered",
        urgent=True,
    ),
    Asked("overtime-again", WEEK_2 + timedelta(days=3), OVERTIME, "not_covered"),
    Asked("empty", WEEK_2 + timedelta(days=3), "   ", "empty"),
    Asked(
        "first-core",
        WEEK_4 + timedelta(days=1),
        "When does the first core group meet for Zebedee?",
        "answered",
    ),
    Asked("too-long", WEEK_4 + timedelta(days=2), "Quillon asked " * 200, "too_long"),
    Asked(
        "after",
        WEEK_4 + timedelta(days=7),
        "When does the first core group meet for Zebedee?",
        "answered",
    ),
)
# (question key, day rated, rating, reason, comment): the icpc answer is rated a week later.
RATINGS = (
    ("icpc", WEEK_2 + timedelta(days=1), "up", None, None),
    (
        "lado",
        WEEK_1 + timedelta(days=2),
        "down",
        "incorrect",
        "Zebedee says the teacher Tobias is fine",
    ),
    ("core-gap", WEEK_1 + timedelta(days=3), "down", "out_of_date", None),
    ("core-gap", WEEK_1 + timedelta(days=4), "up", None, None),
    ("supervision", WEEK_2 + timedelta(days=1), "down", "Tobermory told me otherwise", None),
    ("first-core", WEEK_4 + timedelta(days=1), "down", None, "Marmaduke disagrees"),
    ("before", WEEK_1 + timedelta(days=1), "down", "not_relevant", None),
)


def at(day: date) -> float:
    """Ten in the morning of `day`, local time, in unix seconds."""
    return datetime.combine(day, clock_time(10)).timestamp()


@dataclass(frozen=True)
class Recorded:
    settings: Settings
    answers: dict[str, Answer]
    categories: dict[str, str]
    questions: list[dict]
    feedback: list[dict]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory, embedder) -> Recorded:
    """The script answered by the real engine and recorded on its days; the index is closed
    again so that a `bcft` subprocess can open it."""
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path_factory.mktemp("usage") / "data",
        min_in_scope=TEST_KB_MIN_IN_SCOPE,
    )
    with open_index(settings, embedder) as index:
        assert run_ingest([KB], index).ok
        engine = AnswerEngine(index, settings)
        answers = {asked.key: engine.ask(asked.question, today=TODAY) for asked in SCRIPT}
        categories = {doc.doc_id: doc.category for doc in index.documents()}
    for asked in SCRIPT:
        answer = answers[asked.key]
        assert (answer.reason, answer.urgent) == (asked.reason, asked.urgent), asked.key
    store = open_store(settings)
    with pytest.MonkeyPatch.context() as patch:
        for asked in SCRIPT:
            patch.setattr(time, "time", lambda day=asked.day: at(day))
            store.record_answer(answers[asked.key], channel=CHANNEL, thread="1.2", user=ASKER)
        for key, day, rating, reason, comment in RATINGS:
            patch.setattr(time, "time", lambda day=day: at(day))
            assert store.record_feedback(
                ref=answers[key].ref, user_id=RATER, rating=rating, reason=reason, comment=comment
            )
    rows = store.questions(), store.feedback()
    store.close()
    return Recorded(settings, answers, categories, *rows)


@pytest.fixture(scope="module")
def figures(recorded: Recorded) -> UsageFigures:
    return usage_figures(recorded.questions, recorded.feedback, PERIOD, recorded.categories)


def counts(figures: UsageFigures) -> dict[date, tuple[int, ...]]:
    """Per week: asked, answered, known gaps, not covered, empty or too long, urgent, rated
    👍, rated 👎."""
    return {week.monday: as_tuple(week.counts) for week in figures.weeks}


def as_tuple(c: Counts) -> tuple[int, ...]:
    return (
        c.asked,
        c.answered,
        c.known_gaps,
        c.not_covered,
        c.rejected,
        c.urgent,
        c.rated_up,
        c.rated_down,
    )


# -- the figures --------------------------------------------------------------------------


def test_every_reason_the_engine_gives_has_an_outcome_and_refusals_match_the_engine(
    recorded: Recorded,
) -> None:
    assert set(get_args(Reason)) == set(OUTCOMES)
    for key, answer in recorded.answers.items():
        refused = Counts()
        refused.reasons[answer.reason] += 1
        assert refused.refused == answer.refused, key


def test_questions_are_counted_in_the_week_they_were_asked(figures: UsageFigures) -> None:
    assert [week.monday for week in figures.weeks] == [WEEK_1, WEEK_2, WEEK_3, WEEK_4]
    assert counts(figures) == {
        WEEK_1: (4, 2, 1, 1, 0, 0, 2, 2),
        WEEK_2: (4, 1, 0, 2, 1, 1, 0, 1),
        WEEK_3: (0, 0, 0, 0, 0, 0, 0, 0),
        WEEK_4: (2, 1, 0, 0, 1, 0, 0, 1),
    }
    assert as_tuple(figures.totals) == (10, 4, 1, 3, 2, 1, 2, 4)  # before and after left out
    assert figures.totals.refused == 5


def test_questions_and_gaps_are_counted_under_the_category_their_answer_cites(
    figures: UsageFigures,
) -> None:
    topics = {week.monday: dict(week.topics) for week in figures.weeks}
    assert topics == {
        WEEK_1: {"procedure": 3, "not covered": 1},
        WEEK_2: {"onboarding": 1, "not covered": 2, "empty or too long": 1},
        WEEK_3: {},
        WEEK_4: {"procedure": 1, "empty or too long": 1},
    }
    gaps = {week.monday: dict(week.gaps) for week in figures.weeks}
    assert gaps == {
        WEEK_1: {"procedure": 1, "not covered": 1},
        WEEK_2: {"not covered": 2},
        WEEK_3: {},
        WEEK_4: {},
    }
    assert figures.gap_documents == [("Core groups", 1)]
    assert figures.categories_known


def test_without_categories_answers_count_as_category_unknown(recorded: Recorded) -> None:
    unknown = usage_figures(recorded.questions, recorded.feedback, PERIOD, categories={})
    assert dict(unknown.weeks[0].topics) == {UNKNOWN_CATEGORY: 3, "not covered": 1}
    assert not unknown.categories_known


def test_most_cited_documents_count_each_answer_once(
    recorded: Recorded, figures: UsageFigures
) -> None:
    contacts = recorded.answers["overtime"].sources[0].title
    # who to ask for the two known-gap and not-covered overtime answers, the known gap, and
    # the urgent message's emergency route (cited twice in it, counted once)
    assert figures.most_cited[0] == (contacts, 4)
    assert ("Core groups", 2) in figures.most_cited


def test_thumbs_down_reasons_are_only_the_fixed_choices(figures: UsageFigures) -> None:
    assert figures.down_reasons == {
        "incorrect": 1,
        "out_of_date": 1,
        "other": 1,  # a reason that is not one of the modal's choices is never shown
        "unspecified": 1,
    }


@pytest.fixture(scope="module")
def report(figures: UsageFigures, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_usage_report(figures, tmp_path_factory.mktemp("report") / "usage.html")


def week_rows(page: str) -> dict[str, list[str]]:
    rows = re.findall(r'<tr data-week="([\d-]+)">(.*?)</tr>', page, flags=re.S)
    return {week: re.findall(r"<td[^>]*>(.*?)</td>", cells) for week, cells in rows}


def assert_private(page: str, recorded: Recorded) -> None:
    """No question, comment, user or channel in `page`."""
    found = [word for word in PRIVATE_WORDS if word.lower() in page.lower()]
    assert found == []
    for row in recorded.questions:
        assert row["question"].strip() == "" or row["question"] not in page


def test_the_report_shows_the_weekly_figures_and_nothing_private(
    report: Path, recorded: Recorded
) -> None:
    page = report.read_text(encoding="utf-8")

    assert_private(page, recorded)
    assert week_rows(page) == {
        f"{WEEK_1}": [f"{WEEK_1}", "4", "2", "1", "1", "0", "0", "25%", "50%", "50%"],
        f"{WEEK_2}": [f"{WEEK_2}", "4", "1", "0", "2", "1", "1", "75%", "0%", "25%"],
        f"{WEEK_3}": [f"{WEEK_3}", "0", "0", "0", "0", "0", "0", "–", "–", "–"],
        f"{WEEK_4}": [f"{WEEK_4}", "2", "1", "0", "0", "1", "0", "50%", "0%", "50%"],
    }
    assert page.count('<figure class="chart"') == len(TITLES) == page.count("<svg")
    assert "out of date" in page and "category unknown" not in page.lower()
    # self-contained: nothing is fetched from anywhere
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, flags=re.I)
    assert not re.search(r"""url\(\s*["']?\s*(?:https?:)?//|@import""", page, flags=re.I)


def test_an_empty_period_says_so(recorded: Recorded, tmp_path: Path) -> None:
    empty = usage_figures(
        recorded.questions, recorded.feedback, Period(date(2025, 1, 1), date(2025, 1, 31)), {}
    )
    page = write_usage_report(empty, tmp_path / "empty.html").read_text(encoding="utf-8")

    assert "No questions were asked between 2025-01-01 and 2025-01-31." in page
    assert "<svg" not in page


# -- in a real browser ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> str:
    """The Chromium binary, or a skip saying why there is none that runs."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    try:
        probe = subprocess.run([found, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        pytest.skip(f"Chromium at {found} cannot run: {error}")
    if probe.returncode != 0:
        pytest.skip(f"Chromium at {found} cannot run: {probe.stderr.strip()[-300:]}")
    return found


# Report-only: nothing is blocked, but every resource the page asks for (another page, an
# image, a font, a stylesheet; its favicon) that is not inline is reported to /csp-report.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; report-uri /csp-report"


class PageServer:
    """Serves one page on 127.0.0.1 and records every request the browser makes to it."""

    def __init__(self, page: Path) -> None:
        self.requests: list[str] = []
        self.violations: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                body = page.read_bytes() if self.path == "/report.html" else b""
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Security-Policy-Report-Only", CSP)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                report = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.violations.append(json.loads(report)["csp-report"]["blocked-uri"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_port}/report.html"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    def __enter__(self) -> PageServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.shutdown()
        self.http.server_close()
        self.thread.join(timeout=10)


def browse(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            chromium,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            f"--user-data-dir={profile}",
            "--window-size=1280,2600",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_the_report_renders_in_chromium_and_fetches_nothing(
    chromium: str, report: Path, recorded: Recorded, tmp_path: Path
) -> None:
    from PIL import Image

    # The detector first: a page that loads an outside image is caught.
    leaky = tmp_path / "leaky.html"
    leaky.write_text('<link rel="icon" href="data:,"><img src="http://example.invalid/x.png">')
    with PageServer(leaky) as server:
        assert browse(chromium, tmp_path / "profile", "--dump-dom", server.url).returncode == 0
    assert set(server.violations) == {"http://example.invalid/x.png"}

    with PageServer(report) as server:
        dom = browse(chromium, tmp_path / "profile", "--dump-dom", server.url)
        shot = tmp_path / "usage.png"
        screenshot = browse(chromium, tmp_path / "profile", f"--screenshot={shot}", server.url)
    assert dom.returncode == 0 and screenshot.returncode == 0, dom.stderr + screenshot.stderr
    assert server.requests == ["/report.html", "/report.html"] and server.violations == []

    figures = re.findall(r'<figure class="chart" id="chart-(\w+)".*?</figure>', dom.stdout, re.S)
    assert figures == list(TITLES)
    for key, title in TITLES.items():
        chart = re.search(rf'id="chart-{key}".*?</figure>', dom.stdout, re.S).group(0)
        assert f"<figcaption>{title}</figcaption>" in chart and "<svg" in chart
    assert_private(dom.stdout, recorded)

    image = Image.open(shot).convert("RGB")
    assert image.size == (1280, 2600)
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 22)}
    assert len(colours) > 100  # text, charts and tables, not a blank page
    assert (0x2C, 0xA0, 0x2C) in colours  # the procedure bars were drawn


# -- the command ------------------------------------------------------------------------------


@pytest.mark.slow
def test_bcft_report_usage_writes_the_page(recorded: Recorded, tmp_path: Path) -> None:
    out = tmp_path / "out" / "usage.html"
    env = env_for(recorded.settings.data_dir)

    result = bcft(
        "report",
        "usage",
        "--since",
        f"{PERIOD.since}",
        "--until",
        f"{PERIOD.until}",
        "--out",
        str(out),
        env=env,
        timeout=180,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == f"10 questions from {PERIOD.since} to {PERIOD.until}: {out}"
    assert result.stderr == ""  # the categories came from the index
    page = out.read_text(encoding="utf-8")
    assert week_rows(page)[f"{WEEK_1}"][1] == "4"
    assert "category unknown" not in page.lower()
    assert_private(page, recorded)


@pytest.mark.slow
def test_bcft_report_usage_on_an_empty_period_still_writes_the_page(
    recorded: Recorded, tmp_path: Path
) -> None:
    out = tmp_path / "empty.html"
    result = bcft(
        "report",
        "usage",
        "--since",
        "2025-01-01",
        "--until",
        "2025-01-31",
        "--out",
        str(out),
        env=env_for(recorded.settings.data_dir),
        timeout=180,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("No questions from 2025-01-01 to 2025-01-31")
    assert "No questions were asked" in out.read_text(encoding="utf-8")


def one_line_error(result: subprocess.CompletedProcess, status: int, starts: str) -> None:
    assert result.returncode == status, result.stdout + result.stderr
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith(starts), result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "starts"),
    [
        (["--since", "2026-13-01"], "--since must be a date like 2026-11-02"),
        (["--since", "2026-11-02", "--until", "yesterday"], "--until must be a date like"),
        (["--since", "2026-11-30", "--until", "2026-11-02"], "--until (2026-11-02) is before"),
    ],
)
def test_a_bad_date_is_one_line(tmp_path: Path, args: list[str], starts: str) -> None:
    result = bcft("report", "usage", *args, env=env_for(tmp_path / "data"), timeout=60)

    one_line_error(result, 2, starts)


@pytest.mark.slow
def test_a_missing_or_corrupt_store_is_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    out = tmp_path / "usage.html"
    args = ("report", "usage", "--since", "2026-11-02", "--out", str(out))

    one_line_error(bcft(*args, env=env_for(data), timeout=60), 1, f"No store at {data}")
    assert not data.exists()  # nothing was created

    data.mkdir()
    (data / "bcft.sqlite3").write_bytes(b"this is not a database " * 100)
    one_line_error(bcft(*args, env=env_for(data), timeout=60), 1, "Cannot read the store at")
    assert not out.exists()
