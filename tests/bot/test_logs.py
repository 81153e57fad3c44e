"""Log lines: text or one JSON object per line, redacted, naming the answer they belong to."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator

import pytest

from bot.logs import configure_logging, log_context
from bot.slack.answer_pool import AnswerPool, Priority
from bot.slack.metrics import SlackMetrics

log = logging.getLogger("bot.test")


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def json_lines(text: str) -> list[dict[str, str]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_json_lines_carry_time_level_logger_message_and_the_context(capsys) -> None:
    configure_logging("INFO", "json")
    log.info("before the answer")
    with log_context(event="Ev0001"):
        log.info("assessing")
        with log_context(ref="a1b2c3d4e5f6"):
            log.warning("answered %d parts", 2)
        log.info("sent")
    log.info("after")

    before, assessing, answered, sent, after = json_lines(capsys.readouterr().err)
    assert answered["level"] == "WARNING" and answered["logger"] == "bot.test"
    assert answered["message"] == "answered 2 parts" and answered["time"].endswith("+00:00")
    assert (answered["ref"], answered["event"]) == ("a1b2c3d4e5f6", "Ev0001")
    assert assessing["event"] == sent["event"] == "Ev0001" and "ref" not in sent
    assert "event" not in before and "ref" not in after


def test_json_lines_are_redacted_tracebacks_included(capsys) -> None:
    configure_logging("INFO", "json")
    try:
        raise ValueError("could not reach 07700 900123")
    except ValueError:
        log.exception("failed for SW1A 1AA")

    (line,) = json_lines(capsys.readouterr().err)
    assert "SW1A 1AA" not in line["message"] and "postcode removed" in line["message"]
    assert "ValueError" in line["exception"] and "07700 900123" not in line["exception"]


def test_text_lines_stay_readable_and_redacted(capsys) -> None:
    configure_logging("INFO", "text")
    with log_context(ref="a1b2c3d4e5f6"):
        log.info("call 07700 900123")
    err = capsys.readouterr().err
    assert " INFO bot.test: call [phone number removed]" in err
    with pytest.raises(json.JSONDecodeError):
        json.loads(err)


def test_queued_work_logs_with_the_context_it_was_queued_from(capsys) -> None:
    configure_logging("INFO", "json")
    pool = AnswerPool(1, SlackMetrics(lambda: None))
    done = threading.Event()
    try:
        with log_context(ref="queued000001"):
            pool.submit(Priority.ROUTINE, lambda: log.info("answering"))
            pool.send(lambda: log.info("sending"))
        pool.submit(Priority.ROUTINE, lambda: (log.info("another question"), done.set()))
        assert done.wait(10)
    finally:
        pool.close()
    lines = {line["message"]: line for line in json_lines(capsys.readouterr().err)}
    assert lines["answering"]["ref"] == lines["sending"]["ref"] == "queued000001"
    assert "ref" not in lines["another question"]
