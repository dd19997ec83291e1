"""The benchmarks compare like with like: their hand-written baseline sends exactly what
the helper sends. Nothing is timed here (timings live in ``make bench``)."""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import sentry_sdk
from pytest_mock import MockerFixture

from conftest import MODES

RUN_PY = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


@pytest.fixture
def bench() -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location("sentry_agents_benchmarks", RUN_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    sentry_sdk.get_global_scope().set_client(None)


def _child_spans_take_name() -> bool:
    try:
        from sentry_sdk.tracing import Span
    except ImportError:
        return True
    return "name" in inspect.signature(Span.__init__).parameters


@pytest.mark.parametrize("mode", MODES)
def test_benchmark_baseline_sends_what_the_helper_sends(bench: ModuleType, mode: str) -> None:
    if mode == "static" and not _child_spans_take_name():
        pytest.skip("the benchmark's baseline is written for sentry-sdk 2.15 and later")
    bench.check_equivalent("sampled" if mode == "static" else "stream")


def test_equivalence_check_fails_when_the_baseline_sends_less(
    bench: ModuleType, mocker: MockerFixture
) -> None:
    if not _child_spans_take_name():
        pytest.skip("the benchmark's baseline is written for sentry-sdk 2.15 and later")
    original = bench._fill

    def fill_without_cached_tokens(setter, messages):  # type: ignore[no-untyped-def]
        original(lambda key, value: None if "cache" in key else setter(key, value), messages)

    mocker.patch.object(bench, "_fill", fill_without_cached_tokens)
    with pytest.raises(AssertionError, match="does not send what sentry-agents sends"):
        bench.check_equivalent(bench.RECORDING)
