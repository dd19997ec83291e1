"""Benchmark: this tree's chat span against the same span at older commits, in one process.

Each git ref's ``src/sentry_agents`` is extracted into a temporary folder and imported
under another name (the package uses relative imports only), so every version runs
side by side with this tree and with the hand-written raw span of ``run.py``,
interleaved round by round: machine noise hits all of them alike, which separate runs
on a shared machine cannot promise. Each figure is the median of the per-round ratios
to the raw span (the "chat span" rows of ``run.py classic``).

Run: ``.venv/bin/python benchmarks/versions.py REF [REF ...] [--rounds N]``; with
``--serializer``, ``serialize_messages`` on ``real_path``'s histories instead, as the
ratio to ``json.dumps``; with ``--set-response``, ``set_response`` on its provider
responses, in µs per call; with ``--streams``, ``llm.stream`` on its provider streams,
in µs per chunk. "This tree"
is the ``sentry_agents`` that Python imports (printed first): from a second checkout, run
it with that checkout's ``src`` on ``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import functools
import gc
import importlib
import io
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import run
import sentry_sdk

import sentry_agents

ROOT = Path(__file__).resolve().parent.parent
CALLS = 200


def extract(ref: str, into: Path) -> str:
    """``ref``'s package as an importable module name under ``into`` (a folder of its own
    per ref)."""
    archived = subprocess.run(
        ["git", "archive", "--format=tar", ref, "src/sentry_agents"],
        cwd=ROOT,
        capture_output=True,
    )
    if archived.returncode != 0:
        raise SystemExit(f"git archive {ref}: {archived.stderr.decode(errors='replace').strip()}")
    folder = Path(tempfile.mkdtemp(dir=into))
    with tarfile.open(fileobj=io.BytesIO(archived.stdout)) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(folder, filter="data")
        else:
            tar.extractall(folder)
    name = f"sentry_agents_{folder.name}"
    (folder / "src" / "sentry_agents").rename(folder / name)
    sys.path.insert(0, str(folder))
    return name


def differences(mode: str, versions: dict[str, Any]) -> dict[str, list[str]]:
    """Per older version, the ``gen_ai.*`` attributes its span sends differently from this
    tree's (an older version that sends less is cheaper for that reason alone)."""
    run.init(mode)
    with run.root_span(mode):
        sent = {
            label: run.gen_ai_attributes(mode, run.ours(package=package))
            for label, package in versions.items()
        }
    ours = sent.pop("this tree")
    return {
        label: sorted(k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k))
        for label, theirs in sent.items()
    }


def compare(mode: str, versions: dict[str, Any], rounds: int) -> dict[str, tuple[float, float]]:
    """Per version: (median µs per call, median ratio to the raw span)."""
    run.init(mode)
    funcs = {
        label: functools.partial(run.ours, package=package) for label, package in versions.items()
    }
    funcs["raw span"] = run.raw_for(mode)
    times: dict[str, list[float]] = {label: [] for label in funcs}
    for _ in range(2):
        for func in funcs.values():
            run.within_root(mode, func, CALLS)()
    for _ in range(rounds):
        for label, func in funcs.items():
            times[label].append(run.within_root(mode, func, CALLS)())
    raw = times["raw span"]
    return {
        label: (statistics.median(t) * 1e6, statistics.median(a / b for a, b in zip(t, raw)))
        for label, t in times.items()
    }


SERIALIZER_BATCH = 20


def serializer_cases() -> list[tuple[str, Callable[[str], Any], Callable[[Any], str]]]:
    """``real_path``'s serializer histories not cut to a budget, each with its baseline."""
    import real_path

    return [
        (label, make, baseline)
        for label, make, budget, baseline in real_path.serializer_cases()
        if budget == real_path.NO_TRUNCATION
    ]


def compare_serializer(
    versions: dict[str, Any], rounds: int, batch: int = SERIALIZER_BATCH
) -> dict[str, dict[str, float]]:
    """Per history, new each call and re-sent: each version's ``serialize_messages`` as
    the median ratio to its baseline, timed in turn with it, round by round."""
    import real_path

    rows: dict[str, dict[str, float]] = {}
    for label, make, baseline in serializer_cases():
        same = make(" same")
        for new in (True, False):
            whole = real_path.NO_TRUNCATION
            funcs: dict[str, Callable[[Any], Any]] = {
                name: functools.partial(package.serialize_messages, max_bytes=whole)
                for name, package in versions.items()
            }
            funcs["baseline"] = baseline
            ratios: dict[str, list[float]] = {name: [] for name in versions}
            for round_ in range(rounds):
                spent: dict[str, int] = {}
                for side, (name, func) in enumerate(funcs.items()):
                    # Tags of one length for every side: a longer name made that side's
                    # histories longer, and its ratio about 3% higher.
                    histories = (
                        [make(f" {side:02d} {round_:04d}.{i:03d}") for i in range(batch)]
                        if new
                        else [same] * batch
                    )
                    gc.collect()
                    start = time.process_time_ns()
                    for history in histories:
                        func(history)
                    spent[name] = max(1, time.process_time_ns() - start)
                for name in versions:
                    ratios[name].append(spent[name] / spent["baseline"])
            rows[f"{label}, {'new each call' if new else 're-sent'}"] = {
                name: statistics.median(values) for name, values in ratios.items()
            }
    return rows


SET_RESPONSE_CALLS = 2000


def compare_set_response(
    versions: dict[str, Any], rounds: int, calls: int = SET_RESPONSE_CALLS
) -> dict[str, dict[str, float]]:
    """Per provider response of ``real_path`` (built as its SDK builds it, and a Chat
    Completion and an Anthropic message as plain dicts, as many users pass them) and
    tracing mode: each version's ``set_response`` on one open chat span, µs per call, the
    median of rounds timed in turn."""
    import real_path

    cases = [
        ("openai ChatCompletion", real_path.chat_completion),
        ("anthropic Message", real_path.anthropic_message),
        ("google GenerateContentResponse", real_path.gemini_response),
        ("Chat Completions dict", real_path.completion_json),
        ("Anthropic message dict", real_path.anthropic_json),
    ]
    rows: dict[str, dict[str, float]] = {}
    for mode in real_path.MODES:
        env = real_path.Env(mode)
        for label, make in cases:
            response = make()
            spent: dict[str, list[float]] = {name: [] for name in versions}
            for round_ in range(rounds):
                order = list(versions.items())
                for name, package in order if round_ % 2 else reversed(order):
                    env.activate()
                    with env.root(), package.chat(real_path.MODEL, provider="openai") as llm:
                        gc.collect()
                        start = time.process_time_ns()
                        for _ in range(calls):
                            llm.set_response(response)
                        elapsed = time.process_time_ns() - start
                    env.flush()
                    spent[name].append(elapsed / calls / 1000)
            rows[f"{label}, {mode}"] = {
                name: statistics.median(values) for name, values in spent.items()
            }
    return rows


STREAM_CHUNKS = 200
STREAMS_PER_ROUND = 10


def compare_streams(
    versions: dict[str, Any], rounds: int, chunks: int = STREAM_CHUNKS
) -> dict[str, dict[str, float]]:
    """Per provider stream of ``real_path.STREAM_CASES`` (``chunks`` text deltas, as its SDK
    yields them) and tracing mode: each version's chat span reading the stream through
    ``llm.stream`` to its end, less the same span reading it without, in µs per chunk
    (the median of rounds timed in turn)."""
    import real_path

    rows: dict[str, dict[str, float]] = {}
    for mode in real_path.MODES:
        env = real_path.Env(mode)
        for label, make in real_path.STREAM_CASES:
            given = make(chunks)
            spent: dict[str, list[float]] = {name: [] for name in versions}
            for round_ in range(rounds):
                order = list(versions.items())
                for name, package in order if round_ % 2 else reversed(order):
                    elapsed = {}
                    for wrapped in (True, False):
                        env.activate()
                        gc.collect()
                        with env.root():
                            start = time.process_time_ns()
                            for _ in range(STREAMS_PER_ROUND):
                                with package.chat(real_path.MODEL, provider="openai") as llm:
                                    for _ in llm.stream(iter(given)) if wrapped else iter(given):
                                        pass
                            elapsed[wrapped] = time.process_time_ns() - start
                        env.flush()
                    added = (elapsed[True] - elapsed[False]) / STREAMS_PER_ROUND
                    spent[name].append(added / len(given) / 1000)
            rows[f"{label}, {mode}"] = {
                name: statistics.median(values) for name, values in spent.items()
            }
    return rows


def print_rows(title: str, names: list[str], rows: dict[str, dict[str, float]], cell: str) -> None:
    """A Markdown table: one row per label, one column per version."""
    print(f"| {title} | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for label, values in rows.items():
        print(f"| {label} | " + " | ".join(cell.format(v) for v in values.values()) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("refs", nargs="+", help="git refs to compare with this tree")
    parser.add_argument("--rounds", type=int, default=31)
    parser.add_argument(
        "--serializer",
        action="store_true",
        help="compare serialize_messages on real_path's histories instead of the chat span",
    )
    parser.add_argument(
        "--set-response",
        action="store_true",
        help="compare set_response on real_path's provider responses (µs per call)",
    )
    parser.add_argument(
        "--streams",
        action="store_true",
        help="compare llm.stream on real_path's provider streams (µs per chunk)",
    )
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    calls = f"{SERIALIZER_BATCH} histories" if args.serializer else f"{CALLS} calls"
    if args.set_response:
        calls = f"{SET_RESPONSE_CALLS} calls"
    if args.streams:
        calls = f"{STREAMS_PER_ROUND} streams of {STREAM_CHUNKS} chunks"
    print(
        f"Python {sys.version.split()[0]}, sentry-sdk {sentry_sdk.VERSION}, "
        f"{args.rounds} rounds of {calls}"
    )
    print(f"this tree: {Path(sentry_agents.__file__).parent}")
    with tempfile.TemporaryDirectory() as folder:
        versions: dict[str, Any] = {}
        for ref in dict.fromkeys(args.refs):
            versions[ref] = importlib.import_module(extract(ref, Path(folder)))
        versions["this tree"] = sentry_agents
        for package in versions.values():
            # Content recorded, as in run.py (which configures this tree at every init).
            package.configure(record_inputs=True, record_outputs=True)
        if args.streams:
            rows = compare_streams(versions, args.rounds)
            print_rows("stream, mode (µs per chunk)", list(versions), rows, "{:.2f} µs")
            return
        if args.set_response:
            rows = compare_set_response(versions, args.rounds)
            print_rows("response, mode (µs per set_response)", list(versions), rows, "{:.1f} µs")
            return
        if args.serializer:
            rows = compare_serializer(versions, args.rounds)
            print_rows("history (ratio to json.dumps)", list(versions), rows, "{:.2f}x")
            return
        for mode in run.RECORDING_MODES:
            for label, keys in differences(mode, versions).items():
                if keys:
                    print(f"note: {label} sends these differently in {mode} mode: {keys}")
        print("| mode | " + " | ".join(versions) + " | raw span |")
        print("|---|" + "---|" * (len(versions) + 1))
        for mode in run.RECORDING_MODES:
            rows = compare(mode, versions, args.rounds)
            cells = [f"{us:.1f} µs, {ratio:.3f}x" for us, ratio in rows.values()]
            print(f"| {mode} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
