"""👍 and 👎 on answers; 👎 opens a short modal. Ratings go to the store, and are counted."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import App

from bot.answers import Answer
from bot.render.slack_blocks import FEEDBACK_DOWN, FEEDBACK_UP, SHARE, answer_blocks, fallback_text
from bot.services import Services
from bot.slack.metrics import SlackMetrics
from bot.slack.reviews import notify_out_of_date
from bot.slack.views import FEEDBACK_MODAL, OUT_OF_DATE, feedback_modal

THANKS = "Thanks — your feedback helps keep the knowledge base right."


def register(app: App, services: Services, metrics: SlackMetrics) -> None:
    """Attach the feedback and share listeners to the app."""

    @app.action(FEEDBACK_UP)
    def on_up(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        services.store.record_feedback(
            ref=body["actions"][0]["value"], user_id=body["user"]["id"], rating="up"
        )
        metrics.count_feedback("up")
        respond(response_type="ephemeral", replace_original=False, text=THANKS)

    @app.action(FEEDBACK_DOWN)
    def on_down(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        client.views_open(
            trigger_id=body["trigger_id"], view=feedback_modal(body["actions"][0]["value"])
        )

    @app.view(FEEDBACK_MODAL)
    def on_submit(ack: Any, body: dict[str, Any], view: dict[str, Any], client: Any) -> None:
        ack()
        values = view["state"]["values"]
        reason = (values["reason"]["reason"].get("selected_option") or {}).get("value")
        recorded = services.store.record_feedback(
            ref=view["private_metadata"],
            user_id=body["user"]["id"],
            rating="down",
            reason=reason,
            comment=values.get("comment", {}).get("comment", {}).get("value"),
        )
        metrics.count_feedback("down")
        if recorded and reason == OUT_OF_DATE:  # the owners of the cited documents, once
            notify_out_of_date(services, client, view["private_metadata"])

    @app.action(SHARE)
    def on_share(ack: Any, body: dict[str, Any], client: Any, respond: Any) -> None:
        ack()
        stored = services.store.answer(body["actions"][0]["value"])
        if stored is None:
            respond(
                response_type="ephemeral", replace_original=False, text="That answer has expired."
            )
            return
        answer = Answer.from_dict(json.loads(stored["payload"]))
        client.chat_postMessage(
            channel=body["channel"]["id"], text=fallback_text(answer), blocks=answer_blocks(answer)
        )
        respond(delete_original=True)
