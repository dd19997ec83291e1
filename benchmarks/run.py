"""Benchmarks: sentry-agents against raw sentry-sdk, side by side in one process.

Every figure is a ratio to a baseline measured in the same process, interleaved
(A, B, A, B, ...) so machine noise hits both alike. Run: ``make bench``, or
``python benchmarks/run.py [--quick] [classic | real | a section of real_path.py ...]``.

The rows here ("classic") time spans and the serializer alone; ``real_path.py`` times
the path users take (the real ``openai`` client, ``set_response``, tool-call
histories, envelopes serialised, sentry-sdk's AI integrations as baselines).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import platform
import resource
import statistics
import sys
import time
from typing import Any, Callable

import sentry_sdk
from sentry_sdk.transport import Transport

import sentry_agents

ROUNDS = 15
SPAN_CALLS = 300


def conversation_of(tag: str) -> list[dict[str, str]]:
    """A 10-message chat conversation whose every message is new (``tag`` differs)."""
    return [
        {
            "role": "user" if i % 2 == 0 else "assistant",
            "content": f"Message number {i} of {tag}: " + "lorem ipsum " * 8,
        }
        for i in range(10)
    ]


MESSAGES = conversation_of("the benchmark")


class NullTransport(Transport):
    """Accepts envelopes and drops them: measures the SDK, not the network."""

    def capture_envelope(self, envelope: Any) -> None:
        pass

    def flush(self, timeout: float = 0, callback: Any = None) -> None:
        pass


# sentry-sdk 3.x only streams spans: there the transaction-mode rows are left out;
# before 2.x's trace_lifecycle="stream", the stream rows are.
HAS_TRANSACTIONS = hasattr(sentry_sdk, "start_transaction")
HAS_STREAMING = hasattr(sentry_sdk, "traces")
RECORDING = "sampled" if HAS_TRANSACTIONS else "stream"
RECORDING_MODES = tuple(
    mode
    for mode, available in (("sampled", HAS_TRANSACTIONS), ("stream", HAS_STREAMING))
    if available
)


def streams(mode: str) -> bool:
    return mode == "stream" or (not HAS_TRANSACTIONS and mode != "uninitialised")


def init(mode: str) -> None:
    sentry_sdk.get_global_scope().set_client(None)
    # Content is recorded in every row (the gate, set the way that works on every version).
    sentry_agents.configure(record_inputs=True, record_outputs=True)
    if mode == "uninitialised":
        return
    options: dict[str, Any] = {
        "transport": NullTransport(),
        "traces_sample_rate": 0.0 if mode == "unsampled" else 1.0,
        "default_integrations": False,
        "auto_enabling_integrations": False,
    }
    if mode == "stream" and HAS_TRANSACTIONS:
        options["trace_lifecycle"] = "stream"
    sentry_sdk.init(**options)


def ours(messages: list[dict[str, str]] = MESSAGES, package: Any = sentry_agents) -> Any:
    """The chat span every row times (``package``: another version, in ``versions.py``)."""
    with package.chat("gpt-4o-mini", provider="openai", messages=messages, temperature=0.2) as llm:
        llm.set_response_model("gpt-4o-mini-2024-07-18")
        llm.set_usage(
            input_tokens=120, output_tokens=30, input_tokens_cached=100, output_tokens_reasoning=12
        )
    return llm.span


def raw_static(messages: list[dict[str, str]] = MESSAGES) -> Any:
    with sentry_sdk.start_span(op="gen_ai.chat", name="chat gpt-4o-mini") as span:
        _fill(span.set_data, _role_parts_json(messages))
    return span


def raw_stream(messages: list[dict[str, str]] = MESSAGES) -> Any:
    with sentry_sdk.traces.start_span(
        name="chat gpt-4o-mini", attributes={"sentry.op": "gen_ai.chat"}
    ) as span:
        _fill(span.set_attribute, _role_parts_json(messages))
    return span


def raw_for(mode: str) -> Callable[..., Any]:
    """The hand-written baseline in the tracing API of ``mode``."""
    return raw_stream if streams(mode) or not HAS_TRANSACTIONS else raw_static


def legacy_static() -> None:
    with sentry_sdk.start_span(op="gen_ai.chat", name="chat gpt-4o-mini") as span:
        _fill(span.set_data, json.dumps(MESSAGES))


def legacy_stream() -> None:
    with sentry_sdk.traces.start_span(
        name="chat gpt-4o-mini", attributes={"sentry.op": "gen_ai.chat"}
    ) as span:
        _fill(span.set_attribute, json.dumps(MESSAGES))


def _role_parts_json(messages: list[dict[str, str]]) -> str:
    """The messages as Sentry's role/parts JSON, converted by hand."""
    return json.dumps(
        [
            {"role": m["role"], "parts": [{"type": "text", "content": m["content"]}]}
            for m in messages
        ],
        separators=(",", ":"),
    )


def _fill(setter: Callable[[str, Any], None], messages: str) -> None:
    """Every attribute our helper sends, with the same values, set by hand."""
    setter("gen_ai.operation.name", "chat")
    setter("gen_ai.request.model", "gpt-4o-mini")
    setter("gen_ai.provider.name", "openai")
    setter("gen_ai.request.temperature", 0.2)
    setter("gen_ai.input.messages", messages)
    setter("gen_ai.response.model", "gpt-4o-mini-2024-07-18")
    setter("gen_ai.usage.input_tokens", 120)
    setter("gen_ai.usage.output_tokens", 30)
    setter("gen_ai.usage.cache_read.input_tokens", 100)
    setter("gen_ai.usage.input_tokens.cached", 100)
    setter("gen_ai.usage.reasoning.output_tokens", 12)
    setter("gen_ai.usage.output_tokens.reasoning", 12)
    setter("gen_ai.usage.total_tokens", 150)


def check_equivalent(mode: str = RECORDING) -> None:
    """The baseline must send exactly what our helper sends, or the ratio means nothing."""
    init(mode)
    with root_span(mode):
        spans = [ours(), raw_for(mode)()]
    sent = [gen_ai_attributes(mode, span) for span in spans]
    assert sent[0] == sent[1], "the baseline does not send what sentry-agents sends"


def gen_ai_attributes(mode: str, span: Any) -> dict[str, Any]:
    """The ``gen_ai.*`` attributes a finished span of ``mode`` carries."""
    attributes = span.get_attributes() if streams(mode) else span._data
    return {k: v for k, v in attributes.items() if k.startswith("gen_ai.")}


def root_span(mode: str) -> Any:
    """The root both sides run under, as in an instrumented app."""
    if mode == "uninitialised":
        return contextlib.nullcontext()
    if streams(mode):
        return sentry_sdk.traces.start_span(name="root")
    return sentry_sdk.start_transaction(name="root", op="task")


def per_call(func: Callable[[], None], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        func()
    return (time.perf_counter() - start) / n


def within_root(mode: str, func: Callable[[], Any], n: int) -> Callable[[], float]:
    """A timed round of ``n`` calls of ``func`` under a root, flushed after the timing:
    in stream mode sentry-sdk's flusher thread would otherwise serialise one round's
    spans while the next round is timed, adding the same cost to both sides and so
    pulling their ratio towards 1."""

    def run() -> float:
        with root_span(mode):
            elapsed = per_call(func, n)
        if mode != "uninitialised":
            sentry_sdk.flush()
        return elapsed

    return run


def compare(a: Callable[[], float], b: Callable[[], float]) -> tuple[float, float, float]:
    """Median per-call time of a and b, and the median of the per-round ratios."""
    a(), b()
    times_a, times_b = [], []
    for _ in range(ROUNDS):
        times_a.append(a())
        times_b.append(b())
    ratios = [x / y for x, y in zip(times_a, times_b)]
    return statistics.median(times_a), statistics.median(times_b), statistics.median(ratios)


def span_rows() -> list[tuple[str, str, str, str, str]]:
    recording = RECORDING_MODES
    for mode in recording:
        check_equivalent(mode)
    rows = []
    for mode, target in (
        ("sampled", 1.10),
        ("unsampled", 1.05),
        ("uninitialised", 1.05),
        ("stream", 1.10),
    ):
        if mode in recording or mode not in ("sampled", "stream"):
            init(mode)
            rows.append(_span_row(f"chat span, {mode}", mode, raw_for(mode), f"<= {target:.2f}x"))
    for mode in recording:
        init(mode)
        rows.append(
            _span_row(
                f"chat span, {mode}, every message new (context)",
                mode,
                _with_new_messages(raw_for(mode), "raw"),
                "",
                _with_new_messages(ours, "ours"),
            )
        )
    for mode in recording:
        init(mode)
        legacy = legacy_stream if streams(mode) else legacy_static
        rows.append(_span_row(f"chat span, {mode}, vs legacy messages (context)", mode, legacy, ""))
    sentry_sdk.get_global_scope().set_client(None)
    return rows


def _with_new_messages(
    func: Callable[[list[dict[str, str]]], None], side: str
) -> Callable[[], None]:
    """``func`` called with a conversation never seen before at every call: nothing
    can be reused from earlier calls (an agent's first turn, not its later ones)."""
    nxt = new_each_call(lambda tag: conversation_of(side + tag), SPAN_CALLS * (ROUNDS + 1))
    return lambda: func(nxt())


def _span_row(
    label: str,
    mode: str,
    baseline: Callable[[], None],
    target: str,
    helper: Callable[[], None] = ours,
) -> tuple[str, str, str, str, str]:
    n = SPAN_CALLS
    t_ours, t_raw, ratio = compare(within_root(mode, helper, n), within_root(mode, baseline, n))
    return (label, f"{t_ours * 1e6:.1f} µs", f"{t_raw * 1e6:.1f} µs", f"{ratio:.2f}x", target)


def conversation(n: int, size: int = 60, tag: str = "") -> list[dict[str, Any]]:
    return [
        {"role": ("user", "assistant")[i % 2], "content": f"turn {i}{tag} " + "x" * size}
        for i in range(n)
    ]


def new_each_call(make: Callable[[str], Any], calls: int) -> Callable[[], Any]:
    """The next of ``calls`` objects made in advance, each with content never seen before."""
    pool = iter([make(f" #{i}") for i in range(calls)])
    return lambda: next(pool)


def _tool_call(i: int) -> dict[str, Any]:
    arguments = json.dumps({"city": f"city {i}"})
    return {
        "id": f"call_{i}",
        "type": "function",
        "function": {"name": "get_weather", "arguments": arguments},
    }


class _Attributes(dict):  # type: ignore[type-arg]
    """Where ``set_data_normalized`` writes: the setters of a 2.x span and of a 3.x span."""

    def set_data(self, key: str, value: Any) -> None:
        self[key] = value

    set_attribute = set_data


def serializer_rows() -> list[tuple[str, str, str, str, str]]:
    from sentry_sdk.ai.utils import set_data_normalized

    big_budget = 10_000_000
    calls = 50
    span = _Attributes()

    def timed(func: Callable[[Any], Any]) -> Callable[[], float]:
        """Per-call time of ``func`` on a new 100-message conversation at every call."""

        def run() -> float:
            nxt = new_each_call(lambda tag: conversation(100, tag=tag), calls)
            start = time.perf_counter()
            for _ in range(calls):
                func(nxt())
            return (time.perf_counter() - start) / calls

        return run

    def ours_(messages: Any) -> Any:
        return sentry_agents.serialize_messages(messages, max_bytes=big_budget)

    def sdk_(messages: Any) -> Any:
        return set_data_normalized(span, "gen_ai.request.messages", messages)

    t_ours, t_json, r_json = compare(timed(ours_), timed(json.dumps))
    _, t_sdk, r_sdk = compare(timed(ours_), timed(sdk_))
    history = conversation(100)
    t_warm, t_warm_json, r_warm = compare(
        lambda: per_call(lambda: ours_(history), calls),
        lambda: per_call(lambda: json.dumps(history), calls),
    )
    structured = [
        {"role": "assistant", "content": None, "tool_calls": [_tool_call(i)]} if i % 2 else m
        for i, m in enumerate(history)
    ]
    t_struct, t_struct_json, r_struct = compare(
        lambda: per_call(lambda: ours_(structured), calls),
        lambda: per_call(lambda: json.dumps(structured), calls),
    )

    def row(label: str, ours_t: float, base_t: float, ratio: float, target: str) -> Any:
        return (label, f"{ours_t * 1e6:.0f} µs", f"{base_t * 1e6:.0f} µs", f"{ratio:.2f}x", target)

    return [
        row("serialize 100 new messages vs json.dumps", t_ours, t_json, r_json, "<= 2.00x"),
        row(
            "serialize 100 new messages vs sentry-sdk set_data_normalized",
            t_ours,
            t_sdk,
            r_sdk,
            "< 1.00x",
        ),
        row(
            "serialize the same 100 messages again (history re-sent) vs json.dumps",
            t_warm,
            t_warm_json,
            r_warm,
            "(context)",
        ),
        row(
            "serialize the same 100 messages, half tool calls, again vs json.dumps",
            t_struct,
            t_struct_json,
            r_struct,
            "(context)",
        ),
    ]


def scaling_rows() -> list[tuple[str, str, str, str, str]]:
    rows = []
    base = None
    for megabytes in (0.25, 0.5, 1.0, 2.0):
        n = int(megabytes * 1_000_000 / 1_000)

        def make(tag: str, n: int = n) -> list[dict[str, Any]]:
            return conversation(n, size=990, tag=tag)

        nxt = new_each_call(make, 5)
        elapsed = float("inf")
        for _ in range(5):  # best of five: one size's figure should not carry a GC pause
            messages = nxt()
            start = time.perf_counter()
            out = sentry_agents.serialize_messages(messages, max_bytes=20_000)
            elapsed = min(elapsed, time.perf_counter() - start)
            assert len(out.encode()) <= 20_000
        per_mb = elapsed / megabytes
        base = base or per_mb
        rows.append(
            (
                f"{megabytes:g} MB conversation into 20 kB",
                f"{elapsed * 1e3:.1f} ms",
                f"{per_mb * 1e3:.1f} ms/MB",
                f"{per_mb / base:.2f}x",
                "flat (linear)",
            )
        )
    return rows


def rss_kb() -> int:
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage // 1024 if sys.platform == "darwin" else usage


def memory_rows(runs: int = 100_000) -> list[tuple[str, str, str, str, str]]:
    init(RECORDING)
    samples = []
    step = runs // 5
    for i in range(runs):
        with sentry_agents.invoke_agent("Memory Agent"):
            with sentry_agents.chat("m") as llm:
                llm.set_usage(input_tokens=1, output_tokens=1)
        if (i + 1) % step == 0:
            gc.collect()
            samples.append((i + 1, rss_kb()))
    sentry_sdk.flush()
    sentry_sdk.get_global_scope().set_client(None)
    first, last = samples[0], samples[-1]
    slope = (last[1] - first[1]) / ((last[0] - first[0]) / 10_000)
    trail = ", ".join(f"{kb / 1024:.0f}" for _, kb in samples)
    return [
        (
            f"peak RSS over {runs:,} agent runs (MB at each 20%)",
            trail,
            "",
            f"{slope:.1f} KB / 10k runs",
            "~0 (flat)",
        )
    ]


def table(rows: list[tuple[str, str, str, str, str]]) -> str:
    header = ("benchmark", "sentry-agents", "baseline", "ratio / slope", "target")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    args = sys.argv[1:]
    quick = "--quick" in args
    wanted = [a for a in args if not a.startswith("--")]
    if not wanted or "classic" in wanted:
        print(
            f"Python {platform.python_version()}, sentry-sdk {sentry_sdk.VERSION}, "
            f"{platform.machine()} {platform.system()}, {os.cpu_count()} cores"
        )
        # Memory first: peak RSS cannot show growth below a peak the other rows set.
        memory = memory_rows(10_000 if quick else 100_000)
        print(table(span_rows() + serializer_rows() + scaling_rows() + memory))
    real = [a for a in wanted if a not in ("classic", "real")]
    if not wanted or "real" in wanted or real:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import real_path

        print()
        real_path.main(real + (["--quick"] if quick else []))


if __name__ == "__main__":
    main()
