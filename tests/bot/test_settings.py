"""`.env.example` documents every setting with its real default; the manifest matches the code."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.settings import Settings

PROJECT = Path(__file__).resolve().parents[2]


def test_env_example_lists_every_setting_with_its_default() -> None:
    text = (PROJECT / ".env.example").read_text()
    names = set(re.findall(r"^([A-Z_]+)=", text, re.MULTILINE))
    assert names == {name.upper() for name in Settings.model_fields}
    assert Settings(_env_file=PROJECT / ".env.example") == Settings(_env_file=None)


def test_settings_read_lists_and_blanks_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("ADMIN_USER_IDS", "U1, U2,,U3")
    monkeypatch.setenv("CHROMA_HOST", "  ")
    settings = Settings(_env_file=None)
    assert settings.admin_user_ids == ["U1", "U2", "U3"]
    assert settings.chroma_host is None and not settings.uses_chroma_server


def test_manifest_subscribes_to_the_events_and_commands_the_app_handles() -> None:
    manifest = yaml.safe_load((PROJECT / "slack" / "manifest.yaml").read_text())
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert events == {
        "app_mention",
        "app_home_opened",
        "message.im",
        "assistant_thread_started",
        "assistant_thread_context_changed",
    }
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert commands == {"/ask", "/kb"}
    source = "".join(p.read_text() for p in (PROJECT / "bot" / "slack").glob("*.py"))
    for command in commands:
        assert f'app.command("{command}")' in source
    for event in ("app_mention", "app_home_opened", "message"):
        assert f'app.event("{event}")' in source
