"""Reading the file of a fitted model (the calibrator, the scope model, the urgency check's
learned layer): one clear error when it is damaged, never a traceback from deep in JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

Model = TypeVar("Model")


class FittedModelError(ValueError):
    """A fitted model's file cannot be read, or holds something other than the model."""


def load_fitted(path: Path, build: Callable[[dict[str, Any]], Model], refit: str) -> Model:
    """The model `build` makes from the file's JSON; `refit` is the command that remakes it."""
    try:
        return build(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise FittedModelError(
            f"{path} is not a usable fitted model ({reason}): restore the file from the "
            f"release or the repository, or refit it with `{refit}`"
        ) from None
