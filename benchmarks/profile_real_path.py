"""Where sentry-agents' time goes on the real path: cProfile of one side of a
``real_path.py`` row, in µs per call (profiled, so slower than the benchmark's figures:
read them as shares).

    python benchmarks/profile_real_path.py [model-call | serializer] [--mode static|stream]
        [--case N] [--calls N] [--top N]

``model-call``: the sentry-agents side of the model-call rows (the real ``openai``
client, ``chat`` + ``set_response``, envelopes serialised), case N of
``real_path.HISTORY_CASES``; ``serializer``: ``serialize_messages`` on case N of
``real_path.SERIALIZER_CASES``, new each call.
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
    label, make = real_path.SERIALIZER_CASES[case]
    print(f"serialize_messages, {label}, new each call")
    nxt = real_path.same_or_new(make, True, calls + 1)
    sentry_agents.serialize_messages(nxt(), max_bytes=10_000_000)

    def run() -> None:
        for _ in range(calls):
            sentry_agents.serialize_messages(nxt(), max_bytes=10_000_000)

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=("model-call", "serializer"))
    parser.add_argument("--mode", default="static", choices=real_path.MODES)
    parser.add_argument("--case", type=int, default=0)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--only", default="", help="keep functions whose path contains this")
    args = parser.parse_args()
    sentry_agents.configure(record_inputs=True, record_outputs=True)
    run: Any
    if args.what == "model-call":
        run = model_call(args.mode, args.case, args.calls)
    else:
        run = serializer(args.case, args.calls)
    gc.collect()
    gc.freeze()
    profile = cProfile.Profile()
    profile.runcall(run)
    report(profile, args.calls, args.top, args.only)


if __name__ == "__main__":
    main()
