"""Where sentry-agents' time goes on the real path: a profile of one side of a
``real_path.py`` row, in µs per call. cProfile (the default) counts calls exactly but
slows call-heavy code several times over (the ``openai`` client's request building most
of all): read its times as rough shares. ``--sampler`` uses pyinstrument (``pip install
pyinstrument``), a sampling profiler whose times are close to unprofiled ones.

    python benchmarks/profile_real_path.py [model-call | serializer | phases | set-response]
        [--mode static|stream] [--case N] [--calls N] [--top N] [--only PATH] [--sampler]
        [--client]
        [--response openai|anthropic|google|dict|anthropic-dict]

``model-call``: the sentry-agents side of the model-call rows (the real ``openai``
client, ``chat`` + ``set_response``, envelopes serialised), case N of
``real_path.HISTORY_CASES``; ``serializer``: ``serialize_messages`` on case N of
``real_path.SERIALIZER_CASES``, new each call; ``phases``: CPU time of each phase of a
chat span with ``set_response`` (no profiler), case N of ``real_path.HISTORY_CASES``;
``set-response``: ``set_response`` alone on one open chat span, given ``--response``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import sys
from typing import Any, Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import real_path

import sentry_agents


def short(func: tuple[str, int, str]) -> str:
    path, line, name = func
    for marker in ("site-packages/", "src/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{line}({name})" if line else name


def report(profile: cProfile.Profile, calls: int, top: int, only: str) -> None:
    stats = pstats.Stats(profile)
    rows: list[tuple[float, float, int, str]] = []
    for func, (_, ncalls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append((tottime, cumtime, ncalls, short(func)))
    total = stats.total_tt  # type: ignore[attr-defined]
    print(f"profiled total: {total / calls * 1e6:.0f} µs per call ({calls} calls)")
    for title, key in (("own time", 0), ("cumulative time", 1)):
        print(f"\ntop {top} by {title} (µs per call, calls per call), {only or 'all'} code:")
        chosen = sorted((r for r in rows if only in r[3]), key=lambda r: -r[key])[:top]
        for tottime, cumtime, ncalls, name in chosen:
            print(
                f"  {tottime / calls * 1e6:8.1f} own {cumtime / calls * 1e6:8.1f} cum "
                f"{ncalls / calls:6.1f}x  {name}"
            )


def report_sampled(session: Any, calls: int, top: int, only: str) -> None:
    """Own and inclusive time per function from a pyinstrument session (a function's
    inclusive time counted once per stack, however deep its recursion)."""
    own: dict[str, float] = {}
    inclusive: dict[str, float] = {}

    def walk(frame: Any, above: frozenset[str]) -> None:
        name = f"{frame.file_path_short}:{frame.line_no}({frame.function})"
        own[name] = own.get(name, 0.0) + frame.total_self_time
        if name not in above:
            inclusive[name] = inclusive.get(name, 0.0) + frame.time
        for child in frame.children:
            walk(child, above | {name})

    root = session.root_frame()
    walk(root, frozenset())
    print(f"sampled total: {root.time / calls * 1e6:.0f} µs per call ({calls} calls)")
    for title, table in (("own time", own), ("inclusive time", inclusive)):
        print(f"\ntop {top} by {title} (µs per call, share), {only or 'all'} code:")
        chosen = sorted((k for k in table if only in k), key=lambda k: -table[k])[:top]
        for name in chosen:
            share = table[name] / root.time * 100
            print(f"  {table[name] / calls * 1e6:8.1f} µs {share:5.1f}%  {name}")


def model_call(mode: str, case: int, calls: int) -> Callable[[], None]:
    label, make, new = real_path.HISTORY_CASES[case]
    print(f"model call, {label}, {mode} mode")
    env = real_path.Env(mode)
    call = real_path.helper_call(
        real_path.openai_client(), real_path.same_or_new(make, new, calls + 64)
    )
    call()
    return env.rounds_of(call, calls)


def serializer(case: int, calls: int) -> Callable[[], None]:
    label, make, budget = real_path.SERIALIZER_CASES[case]
    print(f"serialize_messages, {label}, new each call")
    nxt = real_path.same_or_new(make, True, calls + 1)
    sentry_agents.serialize_messages(nxt(), max_bytes=budget)

    def run() -> None:
        for _ in range(calls):
            sentry_agents.serialize_messages(nxt(), max_bytes=budget)

    return run


RESPONSES: dict[str, tuple[str, Callable[[], Any]]] = {
    "openai": ("ChatCompletion", real_path.chat_completion),
    "anthropic": ("anthropic Message", real_path.anthropic_message),
    "google": ("GenerateContentResponse", real_path.gemini_response),
    "dict": ("Chat Completions dict", real_path.completion_json),
    "anthropic-dict": ("Anthropic message dict", real_path.anthropic_json),
}


def set_response(mode: str, calls: int, which: str = "openai") -> Callable[[], None]:
    label, make = RESPONSES[which]
    print(f"set_response({label}) alone, {mode} mode")
    env = real_path.Env(mode)
    response = make()

    def run() -> None:
        env.activate()
        with env.root(), sentry_agents.chat(real_path.MODEL, provider="openai") as llm:
            for _ in range(calls):
                llm.set_response(response)

    return run


def phases(mode: str, case: int, calls: int, client: bool = False) -> None:
    """CPU µs per call of each phase of a chat span with ``set_response`` (the response
    already received, as in the raw-span rows), without a profiler's distortion: median
    over rounds of ``calls`` spans in one root. With ``client``, the real ``openai``
    client's call is made inside the span, between ``__enter__`` and ``set_response``, as
    an application makes it, its own CPU time left out (``ProviderClock``): what runs
    after it finds the caches cold."""
    import statistics
    import time

    label, make, new = real_path.HISTORY_CASES[case]
    print(f"phases of chat + set_response, {label}, {mode} mode (CPU µs per call)")
    env = real_path.Env(mode)
    response = real_path.chat_completion()
    nxt = real_path.same_or_new(make, new, calls * 12)
    clock = time.process_time_ns
    names = ("chat(...) + __enter__", "set_response", "__exit__", "root end + flush")
    create: Any = None
    if client:
        real_path.ProviderClock.install()
        create = real_path.plain_call(real_path.openai_client(), nxt)
        names = (*names, "the client's call, outside its own create")
        print("  (the real openai client called inside each span)")
    rounds: list[list[float]] = []
    for _ in range(11):
        spent = [0] * len(names)
        env.activate()
        gc.collect()
        root = env.root()
        root.__enter__()
        for _ in range(calls):
            messages = nxt()
            t0 = clock()
            cm = sentry_agents.chat(
                real_path.MODEL, provider="openai", messages=messages, temperature=0.2
            )
            llm = cm.__enter__()
            t1 = answered = clock()
            if create is not None:
                before = real_path.ProviderClock.ns
                response = create(messages)
                answered = clock()
                spent[4] += answered - t1 - (real_path.ProviderClock.ns - before)
            llm.set_response(response)
            t2 = clock()
            cm.__exit__(None, None, None)
            t3 = clock()
            spent[0] += t1 - t0
            spent[1] += t2 - answered
            spent[2] += t3 - t2
        t0 = clock()
        root.__exit__(None, None, None)
        env.flush()
        spent[3] += clock() - t0
        rounds.append([v / calls / 1000 for v in spent])
    rounds = rounds[1:]
    for i, name in enumerate(names):
        print(f"  {statistics.median(r[i] for r in rounds):8.1f} µs  {name}")
    print(f"  {statistics.median(sum(r) for r in rounds):8.1f} µs  in all")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=("model-call", "serializer", "phases", "set-response"))
    parser.add_argument("--mode", default="static", choices=real_path.MODES)
    parser.add_argument("--case", type=int, default=0)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--only", default="", help="keep functions whose path contains this")
    parser.add_argument("--sampler", action="store_true", help="pyinstrument, not cProfile")
    parser.add_argument(
        "--client", action="store_true", help="phases: the real openai client called in the span"
    )
    parser.add_argument(
        "--response",
        default="openai",
        choices=tuple(RESPONSES),
        help="set-response: the provider response given to set_response",
    )
    args = parser.parse_args()
    sentry_agents.configure(record_inputs=True, record_outputs=True)
    run: Any
    if args.what == "phases":
        phases(args.mode, args.case, args.calls, args.client)
        return
    if args.what == "model-call":
        run = model_call(args.mode, args.case, args.calls)
    elif args.what == "set-response":
        run = set_response(args.mode, args.calls, args.response)
    else:
        run = serializer(args.case, args.calls)
    gc.collect()
    gc.freeze()
    if args.sampler:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
        profiler.start()
        run()
        report_sampled(profiler.stop(), args.calls, args.top, args.only)
        return
    profile = cProfile.Profile()
    profile.runcall(run)
    report(profile, args.calls, args.top, args.only)


if __name__ == "__main__":
    main()
