"""What is stored is deleted after RETENTION_DAYS by the bot itself, and on request."""

from __future__ import annotations

import json
import time
from pathlib import Path

from bot.embedding import Embedder
from bot.slack.jobs import Periodic
from bot.store import Store, open_store, sqlite_url
from tests.bot.test_store import age, an_answer
from tests.support.fake_slack import FakeSlack
from tests.support.processes import bcft, env_for
from tests.support.slack import bot_settings, running_bot


def wait_until(condition, timeout: float = 10) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_periodic_sweep_deletes_expired_records_at_start_and_then_again(
    tmp_path: Path,
) -> None:
    store = Store(sqlite_url(tmp_path / "s.sqlite3"))
    store.record_answer(an_answer("asked long ago"), channel="slack", user="U1")
    age(store, 10)
    kept = an_answer("asked today")
    store.record_answer(kept, channel="slack", user="U1")

    sweeper = Periodic("retention", 0.2, lambda: store.delete_expired(retention_days=5))
    try:
        assert wait_until(lambda: [r["ref"] for r in store.questions()] == [kept.ref])
        age(store, 10)  # time passes: today's question is now past the period too
        assert wait_until(lambda: store.questions() == [])
    finally:
        sweeper.close()


def test_the_slack_bot_applies_the_retention_period_by_itself(
    tmp_path: Path, fake_slack: FakeSlack, embedder: Embedder
) -> None:
    settings = bot_settings(tmp_path, fake_slack, retention_days=30)
    store = open_store(settings)
    store.record_answer(an_answer("asked long ago"), channel="slack", user="U1")
    age(store, 31)
    recent = an_answer("asked this week")
    store.record_answer(recent, channel="slack", user="U1")

    with running_bot(settings, embedder):
        assert wait_until(lambda: [r["ref"] for r in store.questions()] == [recent.ref], 60)


def test_data_commands_export_erase_and_expire_from_the_terminal(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = Store(sqlite_url(data_dir / "bcft.sqlite3"))
    mine = an_answer("where is the form")
    store.record_answer(mine, channel="slack", user="U0MINE")
    store.record_answer(an_answer("someone else's"), channel="slack", user="U0OTHER")
    env = env_for(data_dir, RETENTION_DAYS="30")

    exported = bcft("data", "export", "--user", "U0MINE", env=env)
    assert exported.returncode == 0, exported.stderr
    assert [q["question"] for q in json.loads(exported.stdout)["questions"]] == [
        "where is the form"
    ]

    erased = bcft("data", "erase", "--user", "U0MINE", "--yes", env=env)
    assert erased.returncode == 0 and "Erased 1 questions" in erased.stdout
    assert [r["user_id"] for r in store.questions()] == ["U0OTHER"]

    age(store, 31)
    expired = bcft("data", "expire", env=env)
    assert expired.returncode == 0 and "Deleted 1 questions" in expired.stdout
    assert store.questions() == []


def test_data_commands_refuse_bad_input_in_one_line(tmp_path: Path) -> None:
    env = env_for(tmp_path / "data")
    bad_user = bcft("data", "export", "--user", "jane smith", env=env)
    assert bad_user.returncode == 2 and "U0123ABCD" in bad_user.stderr

    unreachable = env_for(tmp_path / "data", DATABASE_URL="postgresql://nobody@127.0.0.1:1/x")
    down = bcft("data", "export", "--user", "U0MINE", env=unreachable)
    assert down.returncode == 2
    assert "Cannot use the store" in down.stderr and "Traceback" not in down.stderr
