"""Fit the learned layer of the urgency check (bot/safety/learned_urgency.py).

It learns from labelled messages: the development urgency probes (eval/urgency/development*.yaml)
and the shipped and held-out question sets (urgent questions against every other kind), never a
blind set. A logistic regression on each message's embedding, the two classes weighted equally
(urgent messages are the fewer).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np

from bot.safety.learned_urgency import LearnedUrgency
from bot.safety.urgency import whole_message
from eval.questions import load_questions
from eval.sets import SETS
from eval.urgency_probe import PROBES, load_probes

# The model alarms at or above this probability. Chosen on the development data before the
# blind probe was measured: the lowest threshold at which, in 5-fold cross-validation, adding
# the model to the other layers cost at most 4 points of precision on the development probes
# and none on the question sets (0.5 cost 7 and 13 points on the probes, 3 on the held-out set).
LEARNED_THRESHOLD = 0.7
# scikit-learn's default C: 384 features against about 900 messages.
REGULARISATION = 1.0


def training_messages() -> list[tuple[str, bool]]:
    """(message, urgent) for every labelled message the model may learn from."""
    probes = load_probes(sorted(PROBES.glob("development*.yaml")))
    questions = [
        q for name in ("shipped", "held-out") for q in load_questions(SETS[name].paths).questions
    ]
    return [(m.message, m.urgent) for m in probes] + [
        (q.question, q.kind == "urgent") for q in questions
    ]


def fit_learned_urgency(
    messages: list[tuple[str, bool]], embed: Callable[[list[str]], np.ndarray]
) -> LearnedUrgency:
    """The logistic model over the messages' embeddings, with LEARNED_THRESHOLD."""
    from sklearn.linear_model import LogisticRegression

    x = embed([whole_message(text) for text, _ in messages])
    y = np.array([urgent for _, urgent in messages])
    model = LogisticRegression(C=REGULARISATION, class_weight="balanced", max_iter=2000)
    model.fit(x, y)
    return LearnedUrgency(
        weights=tuple(float(w) for w in model.coef_[0]),
        bias=float(model.intercept_[0]),
        threshold=LEARNED_THRESHOLD,
        fitted={
            "messages": len(messages),
            "urgent": int(y.sum()),
            "from": "eval/urgency/development*.yaml, shipped and held-out question sets",
            "date": datetime.now(UTC).date().isoformat(),
        },
    )
