"""Fixtures the Slack tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fake_slack import FakeSlack


@pytest.fixture(scope="module")
def fake_slack() -> Iterator[FakeSlack]:
    """A local fake Slack Web API for one test module's bot."""
    fake = FakeSlack()
    yield fake
    fake.close()
