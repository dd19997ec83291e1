"""The pytest side of ``sentry_agents.testing``: the ``agent_spans`` fixture, and the
hook that lets it print the spans of a failed test. Imported only where pytest is."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ._capture import AgentSpans, start_capture, stop_capture


@pytest.fixture
def agent_spans(request: pytest.FixtureRequest) -> Iterator[AgentSpans]:
    """sentry-sdk initialised for this test with an in-memory transport; the spans it sent.

    Parametrize indirectly with ``"stream"`` for span-streaming mode.
    """
    spans = start_capture(getattr(request, "param", "static"))
    yield spans
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        print("\nsentry-agents: spans sent during this test:\n" + spans.render())
    stop_capture()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome: Any = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]


__all__ = ["agent_spans", "pytest_runtest_makereport"]
