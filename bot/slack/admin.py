"""For practice leads: `/kb status`, `/kb reindex`, document uploads in a DM, the App Home.

Only users in ADMIN_USER_IDS, or members of ADMIN_USERGROUP_ID, may change the knowledge
base; anyone else gets a polite refusal and nothing changes.
"""

from __future__ import annotations

import logging
import re
import urllib.request
from datetime import date
from typing import Any

from slack_bolt import App

from bot.kb_report import KnowledgeBaseReport
from bot.services import ReindexBusyError, Services, knowledge_base_status
from bot.slack.views import home_view, ingest_summary, kb_status_blocks, personal_home_view
from ingest.errors import LoadError
from ingest.loaders import SUPPORTED_TYPES

log = logging.getLogger(__name__)

NOT_ALLOWED = (
    "Sorry, only practice leads who look after the knowledge base can do that. "
    "Nothing was changed. Ask a practice lead if a document needs adding or updating."
)
KB_HELP = "Use `/kb status` to see the knowledge base, or `/kb reindex` to update it."


def is_admin(services: Services, client: Any, user_id: str) -> bool:
    """An administrator by id, or a member of the administrators' user group."""
    settings = services.settings
    if user_id in settings.admin_user_ids:
        return True
    if settings.admin_usergroup_id:
        try:
            members = client.usergroups_users_list(usergroup=settings.admin_usergroup_id)
        except Exception:
            log.warning("could not read the administrators' user group", exc_info=True)
            return False
        return user_id in members.get("users", [])
    return False


def register(app: App, services: Services) -> None:
    """Attach the practice-lead listeners to the app."""

    @app.command("/kb")
    def on_kb(ack: Any, command: dict[str, Any], respond: Any, client: Any) -> None:
        ack()
        if not is_admin(services, client, command.get("user_id", "")):
            respond(response_type="ephemeral", text=NOT_ALLOWED)
            return
        action = (command.get("text") or "status").split()[0].lower()
        if action == "status":
            report = _report(services)
            respond(
                response_type="ephemeral",
                text="Knowledge base status",
                blocks=kb_status_blocks(report),
            )
        elif action == "reindex":
            respond(response_type="ephemeral", text="Reindexing the knowledge base…")
            try:
                respond(response_type="ephemeral", text=ingest_summary(services.reindex()))
            except ReindexBusyError as error:
                respond(response_type="ephemeral", text=str(error))
        else:
            respond(response_type="ephemeral", text=KB_HELP)

    @app.event("app_home_opened")
    def on_home(event: dict[str, Any], client: Any) -> None:
        """Practice leads see the knowledge base and what staff could not get answered;
        everyone else sees how to ask and their own recent questions, nobody else's."""
        if event.get("tab", "home") != "home":
            return
        publish_home(services, client, event["user"])


def publish_home(services: Services, client: Any, user: str) -> None:
    """Show `user` their App Home: a practice lead the knowledge base, its most frequent gaps
    and the answers drafted for them; anyone else how to ask and their own questions."""
    if is_admin(services, client, user):
        store = services.store
        view = home_view(_report(services), store.open_gaps(), store.gap_answer_drafts(), user)
    else:
        view = personal_home_view(services.store.recent_questions(user))
    client.views_publish(user_id=user, view=view)


def _report(services: Services) -> KnowledgeBaseReport:
    """The knowledge base as practice leads see it, with what owners recorded in Slack."""
    return knowledge_base_status(services.index, services.store, services.settings, date.today())


def handle_upload(services: Services, client: Any, event: dict[str, Any]) -> None:
    """A file shared in a DM: from a practice lead, validate, save, ingest and confirm."""
    channel, user = event["channel"], event.get("user", "")
    if not services.store.first_time_seen(f"upload:{channel}:{event['ts']}"):
        return
    if not is_admin(services, client, user):
        client.chat_postMessage(channel=channel, text=NOT_ALLOWED)
        return
    lines = []
    for shared in event.get("files", []):
        try:
            path = _download(services, shared)
            report = services.reindex([path])
            lines.append(ingest_summary(report))
        except (LoadError, ReindexBusyError, OSError) as error:
            lines.append(f"Could not add {shared.get('name', 'the file')}: {error}")
    client.chat_postMessage(channel=channel, text="\n".join(lines) or "No file found.")


def _download(services: Services, shared: dict[str, Any]) -> Any:
    """Save a shared file under DATA_DIR/uploads after checking its type and size."""
    name = _safe_name(shared.get("name") or "upload")
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in SUPPORTED_TYPES:
        raise LoadError(
            f"unsupported file type {suffix or '(none)'}; send PDF, DOCX, MD, HTML or TXT"
        )
    limit = services.settings.max_file_mb * 1024 * 1024
    if shared.get("size", 0) > limit:
        raise LoadError(f"the file is over MAX_FILE_MB={services.settings.max_file_mb:g}")
    url = shared.get("url_private_download") or shared.get("url_private")
    if not url:
        raise LoadError("Slack did not give a download link for the file")
    request = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {services.settings.slack_bot_token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        data = response.read(int(limit) + 1)
    if len(data) > limit:
        raise LoadError(f"the file is over MAX_FILE_MB={services.settings.max_file_mb:g}")
    services.settings.uploads_path.mkdir(parents=True, exist_ok=True)
    path = services.settings.uploads_path / name
    path.write_bytes(data)
    return path


def _safe_name(name: str) -> str:
    """A file name with no folders or odd characters in it."""
    cleaned = re.sub(r"[^A-Za-z0-9._ -]+", "_", name.rsplit("/", 1)[-1]).strip(" .")
    return cleaned or "upload"
