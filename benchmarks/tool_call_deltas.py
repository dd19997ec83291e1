"""Benchmark: a chat stream of many tool-call argument deltas, this tree against a git ref.

Each delta is a Chat Completions chunk as a dict (as a user parsing SSE gets it) adding
four characters to one call's arguments. Reading them once cost time quadratic in the
deltas (each was added to the text so far, copied every time). Both versions run in one
process, interleaved round by round (the order alternating), with a plain loop over the
same chunks; each figure is the median CPU time of a whole stream, chunks made included.

Run: ``.venv/bin/python benchmarks/tool_call_deltas.py REF [--rounds N] [--sizes N,N]``.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import run
import sentry_sdk
from versions import extract

import sentry_agents


def chunks(n: int) -> Iterator[dict[str, Any]]:
    """``n`` deltas of four characters to the arguments of the call at index 0."""
    for _ in range(n):
        yield {
            "id": "x",
            "object": "chat.completion.chunk",
            "model": "m",
            "choices": [
                {
                    "index": 0,
                    "delta": {"tool_calls": [{"index": 0, "function": {"arguments": "aaaa"}}]},
                }
            ],
        }


def streamed(package: Any, n: int) -> Callable[[], None]:
    def read() -> None:
        with package.chat("m") as llm:
            for _ in llm.stream(chunks(n)):
                pass

    return read


def plain(n: int) -> Callable[[], None]:
    def read() -> None:
        for _ in chunks(n):
            pass

    return read


def cpu_seconds(func: Callable[[], None]) -> float:
    start = time.process_time()
    func()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref", help="the git ref to compare with this tree")
    parser.add_argument("--rounds", type=int, default=41)
    parser.add_argument("--sizes", default="25000,100000", help="deltas a stream, comma-separated")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    print(
        f"Python {sys.version.split()[0]}, sentry-sdk {sentry_sdk.VERSION}, "
        f"{args.rounds} rounds, transaction mode"
    )
    print(f"this tree: {Path(sentry_agents.__file__).parent}")
    run.init("static")
    with tempfile.TemporaryDirectory() as folder:
        versions = {args.ref: importlib.import_module(extract(args.ref, Path(folder)))}
        versions["this tree"] = sentry_agents
        for size in sizes:
            funcs = {label: streamed(package, size) for label, package in versions.items()}
            funcs["plain loop"] = plain(size)
            times: dict[str, list[float]] = {label: [] for label in funcs}
            for func in funcs.values():
                func()  # warm-up
            for round_ in range(args.rounds):
                order = list(funcs.items())
                if round_ % 2:
                    order.reverse()
                for label, func in order:
                    times[label].append(cpu_seconds(func))
            print(f"\n{size:,} deltas (median CPU seconds a stream)")
            for label, spent in times.items():
                print(f"  {label:<12} {statistics.median(spent):8.3f} s")


if __name__ == "__main__":
    main()
