"""Agent-aware sampling: keep every agent run, sample the rest of the app.

Sampling is decided at the root of a trace and everything under it follows, so a 20%
rate loses four agent runs (and their failures) in five. ``sentry_agents.traces_sampler``
keeps traces whose root is AI work at their own rate (per agent if you like), follows the
caller's decision for continued traces, and samples everything else at ``default``. Our
helpers put the operation and the agent name on the root before sentry-sdk samples it.

Prints the rate the sampler chose for each root and the agent runs that were sent; spans
go to ``SENTRY_DSN`` when set. Run: ``python examples/sampling.py``
"""

from __future__ import annotations

from typing import Any

import sentry_sdk
from _offline import init_sentry

import sentry_agents

SAMPLER = sentry_agents.traces_sampler(
    default=0.2,  # everything that is not AI work
    agents=1.0,  # every agent run
    per_agent={"Nightly Summarizer": 0.05},  # a noisy batch agent: 5%
    routes=["/api/chat"],  # web requests that run agents inside them
)


def traces_sampler(sampling_context: dict[str, Any]) -> float:
    """Our sampler, printing what it saw and decided (for this demo)."""
    rate = SAMPLER(sampling_context)
    context = sampling_context.get("transaction_context") or {}
    data = context.get("data") or {}
    what = data.get("gen_ai.agent.name") or context.get("name")
    print(f"root {what!r} (op {context.get('op')}): sampled at {rate}")
    return rate


def background_job(name: str) -> Any:
    """A root that is not AI work, in whichever tracing mode sentry-sdk runs."""
    client = sentry_sdk.get_client()
    if (
        hasattr(sentry_sdk, "start_transaction")
        and client.options.get("trace_lifecycle") != "stream"
    ):
        return sentry_sdk.start_transaction(op="task", name=name)
    return sentry_sdk.traces.start_span(name=name, attributes={"sentry.op": "task"})


def main() -> None:
    init_sentry(traces_sampler=traces_sampler, traces_sample_rate=None)
    with sentry_agents.invoke_agent("Support Agent", model="gpt-4o-mini", provider="openai"):
        with sentry_agents.chat("gpt-4o-mini", provider="openai") as llm:
            llm.set_usage(input_tokens=40, output_tokens=12)
    with sentry_agents.invoke_agent("Nightly Summarizer", model="gpt-4o-mini"):
        pass
    with background_job("cleanup old sessions"):
        pass
    sentry_sdk.flush()


if __name__ == "__main__":
    main()
