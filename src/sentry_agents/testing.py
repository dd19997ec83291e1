"""A pytest plugin for testing your own instrumentation (registered automatically), and
``start_capture`` for any other test runner, script or notebook (pytest not needed).

The ``agent_spans`` fixture initialises sentry-sdk for one test with an in-memory
transport and the content gate open, and gives back what sentry-sdk really sent as
a tree of gen_ai spans:

```python
def test_my_agent(agent_spans):
    run_my_agent()
    agent = agent_spans.expect("invoke_agent", name="Weather Agent")
    agent_spans.expect("execute_tool", name="get_weather", under=agent)
```

Stream mode: ``@pytest.mark.parametrize("agent_spans", ["stream"], indirect=True)``.
"""

from __future__ import annotations

from ._capture import AgentSpans, start_capture, stop_capture
from .console import MemoryTransport

__all__ = ["AgentSpans", "MemoryTransport", "start_capture", "stop_capture"]

try:  # the plugin pytest loads from this module (its entry point)
    from ._pytest_plugin import agent_spans
    from ._pytest_plugin import pytest_runtest_makereport as pytest_runtest_makereport
except ImportError:  # without pytest: start_capture and stop_capture still work
    pass
else:
    __all__ += ["agent_spans"]
