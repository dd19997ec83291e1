"""Token usage in Sentry's semantics, and every provider's usage shape mapped to it.

Pure functions, no sentry-sdk import. Sentry counts ``input_tokens`` as ALL input
(cached and cache-write included) and ``output_tokens`` as ALL output (reasoning
included); the sub-counts are subsets. Providers differ (see Sentry's AI Agents docs on
token usage), and a wrong mapping shows in Sentry as wrong or negative cost.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Optional

from . import _keys as keys
from ._jsonable import INT64_LIMIT, exact_number, field
from ._log import sdk_logger
from ._models import model_fields, response_fields


@dataclass
class Usage:
    """Token counts of one LLM call (or a sum of calls); ``None`` means unknown."""

    input_tokens: Optional[int] = None
    output_tokens: Optional[int] = None
    input_tokens_cached: Optional[int] = None
    input_tokens_cache_write: Optional[int] = None
    output_tokens_reasoning: Optional[int] = None
    total_tokens: Optional[int] = None

    def is_empty(self) -> bool:
        """Whether no count is known."""
        return (
            self.input_tokens is None
            and self.output_tokens is None
            and self.input_tokens_cached is None
            and self.input_tokens_cache_write is None
            and self.output_tokens_reasoning is None
            and self.total_tokens is None
        )

    def __add__(self, other: Usage) -> Usage:
        values = {}
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            values[f.name] = theirs if mine is None else mine if theirs is None else mine + theirs
        return Usage(**values)


_FIELDS = tuple(f.name for f in fields(Usage))


def summed(usages: list[Usage]) -> Usage:
    """The usage of several calls added up. Where some calls reported a total and others
    did not (an embeddings call: input tokens only), each of the others counts its input
    plus output, so the total covers every call, never less than its parts."""
    with_total = any(usage.total_tokens is not None for usage in usages)
    out = Usage()
    for usage in usages:
        if with_total and usage.total_tokens is None:
            known = (usage.input_tokens, usage.output_tokens)
            if any(part is not None for part in known):
                usage = replace(usage, total_tokens=sum(part or 0 for part in known))
        out = out + usage
    return out


# Attribute keys; each sub-count also goes out under the name Sentry's docs page uses.
USAGE_KEYS: dict[str, tuple[str, ...]] = {
    "input_tokens": (keys.USAGE_INPUT_TOKENS,),
    "output_tokens": (keys.USAGE_OUTPUT_TOKENS,),
    "input_tokens_cached": (keys.USAGE_CACHE_READ_INPUT_TOKENS, keys.USAGE_INPUT_TOKENS_CACHED),
    "input_tokens_cache_write": (
        keys.USAGE_CACHE_CREATION_INPUT_TOKENS,
        keys.USAGE_INPUT_TOKENS_CACHE_WRITE,
    ),
    "output_tokens_reasoning": (
        keys.USAGE_REASONING_OUTPUT_TOKENS,
        keys.USAGE_OUTPUT_TOKENS_REASONING,
    ),
    "total_tokens": (keys.USAGE_TOTAL_TOKENS,),
}


def count(value: Any) -> Optional[int]:
    """A token count as a non-negative 64-bit int (what Sentry stores), or ``None`` when
    it is not one."""
    if type(value) is int:
        return value if 0 <= value < INT64_LIMIT else None
    number = exact_number(value)
    if isinstance(number, float):
        if not number.is_integer():  # a fraction, nan or inf
            return None
        number = int(number)
    return number if number is not None and 0 <= number < INT64_LIMIT else None


def checked(usage: Usage) -> tuple[Usage, list[str]]:
    """Make ``usage`` consistent for Sentry's cost formula, and say what was wrong.

    Counts that are not non-negative integers are left out; sub-counts larger than
    their total are clamped to it (the caller's numbers would otherwise show as
    negative cost); ``total_tokens`` defaults to input + output when both are known (and
    their sum fits in 64 bits).
    Never invents a count that was not given. ``usage`` itself is returned when it
    needs no change.
    """
    problems: list[str] = []
    total_in = usage.input_tokens
    total_out = usage.output_tokens
    cached = usage.input_tokens_cached
    write = usage.input_tokens_cache_write
    reasoning = usage.output_tokens_reasoning
    total = usage.total_tokens
    given = (total_in, total_out, cached, write, reasoning, total)
    for raw in given:
        if raw is not None and (type(raw) is not int or not 0 <= raw < INT64_LIMIT):
            counted = [count(value) for value in given]
            problems = [
                f"{name} (a {type(value).__name__}) is not a non-negative 64-bit integer "
                "and was left out"
                for name, value, kept in zip(_FIELDS, given, counted)
                if value is not None and kept is None
            ]
            total_in, total_out, cached, write, reasoning, total = counted
            break
    if total_in is not None and (cached or 0) + (write or 0) > total_in:
        problems.append(
            "input_tokens must include input_tokens_cached and input_tokens_cache_write "
            f"(got input={total_in}, cached={cached}, cache_write={write}); sub-counts clamped"
        )
        cached = min(cached, total_in) if cached is not None else None
        room = total_in - (cached or 0)
        write = min(write, room) if write is not None else None
    if total_out is not None and reasoning is not None and reasoning > total_out:
        problems.append(
            "output_tokens must include output_tokens_reasoning "
            f"(got output={total_out}, reasoning={reasoning}); reasoning clamped"
        )
        reasoning = total_out
    if total is None and total_in is not None and total_out is not None:
        # Left out when the sum is past 64 bits (Sentry stores 64), as a count given so.
        total = total_in + total_out if total_in + total_out < INT64_LIMIT else None
    if not problems and (total_in, total_out, cached, write, reasoning, total) == given:
        return usage, problems
    return Usage(total_in, total_out, cached, write, reasoning, total), problems


_ATTRIBUTES = tuple((name, key) for name, names in USAGE_KEYS.items() for key in names)


def usage_attributes(usage: Usage) -> dict[str, int]:
    counts = usage.__dict__
    return {key: counts[name] for name, key in _ATTRIBUTES if counts[name] is not None}


def usage_from_attributes(attributes: dict[str, Any]) -> Usage:
    """Usage read back from span attributes (current names first, then the aliases)."""
    values = {}
    for name, names in USAGE_KEYS.items():
        for key in names:
            value = attributes.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                values[name] = value
                break
    return Usage(**values)


def usage_from(obj: Any) -> Usage:
    """The usage of a provider response, or of a usage object, in Sentry's semantics.

    Recognised by shape: OpenAI Chat Completions and Responses (and Azure, LiteLLM),
    Anthropic, Google GenAI, LangChain ``usage_metadata``, and ``Usage`` itself; a usage
    of a total alone (``total_tokens``, as Voyage's) is that total, neither input nor
    output (a chat call's total counts its output too). A
    provider SDK's own usage model is read from its fields (``usage_of_fields``), which
    gives what reading it by shape gives at a fraction of the cost.
    Unknown or missing counts stay ``None``; an object that cannot be read (its
    ``__class__`` or a field raises) gives an empty ``Usage``, logged, never an error.
    """
    return _contained_usage(obj, 0)


def _contained_usage(obj: Any, held: int) -> Usage:
    """``usage_from`` of ``obj``, the usage held ``held`` deep in what was given (a
    response's ``usage`` is 1 deep): none past ``_MAX_HELD`` (a usage holding itself
    would be read until Python's recursion limit), and an error reading it loses only
    it, logged."""
    if held > _MAX_HELD:
        return Usage()
    try:
        return _read_usage(obj, held)
    except Exception as exc:  # the data layer has no guard: logged as ``contained`` logs
        sdk_logger.warning("sentry_agents: usage could not be read: %r", exc, exc_info=exc)
        return Usage()


_MAX_HELD = 8
"""How deep a usage held by what holds it (a response's ``usage``, and so on) is read."""


def _read_usage(obj: Any, held: int) -> Usage:
    if isinstance(obj, Usage):
        return obj
    if obj is None:
        return Usage()
    if type(obj) is not dict:  # a dict is read by its keys: no model's fields to look up
        read = usage_of_fields(obj, held)
        if read is not None:
            return read
    metadata = field(obj, "usage_metadata")
    if metadata is not None:
        return _contained_usage(metadata, held + 1)
    usage = field(obj, "usage")
    if usage is not None and not _is_usage_shape(obj):
        return _contained_usage(usage, held + 1)
    if field(obj, "prompt_tokens") is not None or field(obj, "completion_tokens") is not None:
        return _openai_chat(obj)
    if (
        field(obj, "prompt_token_count") is not None
        or field(obj, "candidates_token_count") is not None
    ):
        return _google(obj)
    if (
        field(obj, "input_token_details") is not None
        or field(obj, "output_token_details") is not None
    ):
        return _langchain(obj)
    inputs, outputs = field(obj, "input_tokens_details"), field(obj, "output_tokens_details")
    if inputs is None and (
        _has_any(obj, "cache_read_input_tokens", "cache_creation_input_tokens")
        or field(outputs, "thinking_tokens") is not None
        or type(field(obj, "iterations")) is list
    ):
        return anthropic_usage(obj)
    if inputs is not None or outputs is not None:
        return _openai_responses(obj)
    if field(obj, "input_tokens") is not None or field(obj, "output_tokens") is not None:
        return _plain(obj)
    if _has_any(obj, "inputTokens", "outputTokens"):
        return _bedrock(obj)
    return Usage(total_tokens=count(field(obj, "total_tokens")))


def usage_of_fields(usage: Any, held: int = 0) -> Optional[Usage]:
    """What reading by shape reads from a Chat Completions, Responses API, Anthropic or
    Google usage model (a provider SDK's own pydantic model), read from its fields in the
    order reading by shape tells shapes apart, and a whole response's held ``usage`` or
    ``usage_metadata`` as reading by shape would read it; an empty ``Usage`` for ``None``,
    ``None`` for any other object or shape, or for details that are not models read by
    their fields (each read by shape instead). ``held``: how deep ``usage`` is held in
    what was given (see ``_contained_usage``)."""
    if usage is None:
        return Usage()
    fields = response_fields(usage)
    if fields is None:
        return None
    get = fields.get
    held_usage = get("usage_metadata")
    if held_usage is None:
        held_usage = get("usage")
        if held_usage is not None and any(get(name) is not None for name in _USAGE_SHAPE):
            held_usage = None
    if held_usage is not None:
        return _contained_usage(held_usage, held + 1)
    if get("prompt_tokens") is not None or get("completion_tokens") is not None:
        prompt = _fields_or_empty(get("prompt_tokens_details"))
        completion = _fields_or_empty(get("completion_tokens_details"))
        if prompt is None or completion is None:
            return None
        return _openai_usage(
            get("prompt_tokens"),
            get("completion_tokens"),
            get("total_tokens"),
            (prompt.get("cached_tokens"), get("cache_read_input_tokens")),
            (
                get("cache_creation_input_tokens"),
                prompt.get("cache_write_tokens"),
                prompt.get("cache_creation_tokens"),
            ),
            completion.get("reasoning_tokens"),
        )
    if get("prompt_token_count") is not None or get("candidates_token_count") is not None:
        return _google_counts_usage(
            get("prompt_token_count"),
            get("tool_use_prompt_token_count"),
            get("candidates_token_count"),
            get("thoughts_token_count"),
            get("cached_content_token_count"),
            get("total_token_count"),
        )
    if get("input_token_details") is not None or get("output_token_details") is not None:
        return None
    given_inputs, given_outputs = get("input_tokens_details"), get("output_tokens_details")
    inputs, outputs = _fields_or_empty(given_inputs), _fields_or_empty(given_outputs)
    if inputs is None or outputs is None:
        return None
    cached, write = get("cache_read_input_tokens"), get("cache_creation_input_tokens")
    thinking, iterations = outputs.get("thinking_tokens"), get("iterations")
    if given_inputs is None and (
        cached is not None or write is not None or thinking is not None or type(iterations) is list
    ):
        return _anthropic_counts_usage(
            get("input_tokens"), cached, write, get("output_tokens"), thinking, iterations
        )
    if given_inputs is not None or given_outputs is not None:
        return _openai_usage(
            get("input_tokens"),
            get("output_tokens"),
            get("total_tokens"),
            (inputs.get("cached_tokens"),),
            (inputs.get("cache_write_tokens"),),
            outputs.get("reasoning_tokens"),
        )
    if get("input_tokens") is not None or get("output_tokens") is not None:
        return _plain_usage(get("input_tokens"), get("output_tokens"), get("total_tokens"))
    return None


def _fields_or_empty(value: Any) -> Optional[dict[str, Any]]:
    """A model's fields, no fields for ``None``, or ``None`` for anything else."""
    return _NO_FIELDS if value is None else model_fields(value)


_NO_FIELDS: dict[str, Any] = {}


_USAGE_SHAPE = ("input_tokens", "prompt_tokens", "prompt_token_count", "output_tokens")
"""Counts that make an object a usage itself, whatever ``usage`` it also holds."""


def _is_usage_shape(obj: Any) -> bool:
    return _has_any(obj, *_USAGE_SHAPE)


def _has_any(obj: Any, *names: str) -> bool:
    return any(field(obj, name) is not None for name in names)


def _openai_chat(obj: Any) -> Usage:
    details = field(obj, "prompt_tokens_details")
    return _openai_usage(
        field(obj, "prompt_tokens"),
        field(obj, "completion_tokens"),
        field(obj, "total_tokens"),
        (field(details, "cached_tokens"), field(obj, "cache_read_input_tokens")),
        (
            field(obj, "cache_creation_input_tokens"),
            field(details, "cache_write_tokens"),
            field(details, "cache_creation_tokens"),
        ),
        field(field(obj, "completion_tokens_details"), "reasoning_tokens"),
    )


def _openai_responses(obj: Any) -> Usage:
    details = field(obj, "input_tokens_details")
    return _openai_usage(
        field(obj, "input_tokens"),
        field(obj, "output_tokens"),
        field(obj, "total_tokens"),
        (field(details, "cached_tokens"),),
        (field(details, "cache_write_tokens"),),
        field(field(obj, "output_tokens_details"), "reasoning_tokens"),
    )


def _openai_usage(
    input_tokens: Any,
    output_tokens: Any,
    total: Any,
    cached: tuple[Any, ...],
    write: tuple[Any, ...],
    reasoning: Any,
) -> Usage:
    """OpenAI usage (Chat Completions or Responses API, whose input counts include cache
    reads and writes) from the values its fields hold, however they were read; ``cached``
    and ``write`` are the fields that may hold those counts, the first a count wins."""
    cached_count = _first_count(cached)
    write_count = _first_count(write)
    return _with_total(
        _inclusive(count(input_tokens), cached_count, write_count),
        count(output_tokens),
        cached_count,
        write_count,
        count(reasoning),
        total,
    )


def _first_count(values: tuple[Any, ...]) -> Optional[int]:
    """The first of ``values`` that is a count."""
    for value in values:
        if value is not None:
            counted = count(value)
            if counted is not None:
                return counted
    return None


def _inclusive(total: Optional[int], cached: Optional[int], write: Optional[int]) -> Optional[int]:
    """OpenAI's input totals include cache reads and writes; some OpenAI-compatible
    proxies report them without, which shows as sub-counts larger than the total."""
    if total is not None and (cached or 0) + (write or 0) > total:
        return total + (cached or 0) + (write or 0)
    return total


def anthropic_usage(obj: Any) -> Usage:
    """Anthropic usage (its ``input_tokens`` excludes cache reads and writes, which are
    added to it; its ``output_tokens`` includes the thinking tokens its
    ``output_tokens_details`` reports; the compaction entries of its ``iterations`` are
    billed beside it, and added); a count it does not report stays ``None``, a reported
    0 stays 0."""
    return _anthropic_counts_usage(
        field(obj, "input_tokens"),
        field(obj, "cache_read_input_tokens"),
        field(obj, "cache_creation_input_tokens"),
        field(obj, "output_tokens"),
        field(field(obj, "output_tokens_details"), "thinking_tokens"),
        field(obj, "iterations"),
    )


def _anthropic_counts_usage(
    input_tokens: Any,
    cache_read: Any,
    cache_write: Any,
    output: Any,
    thinking: Any,
    iterations: Any = None,
) -> Usage:
    """``anthropic_usage`` from the values its fields hold, however they were read."""
    uncached = count(input_tokens)
    cached = count(cache_read)
    write = count(cache_write)
    out = count(output)
    if type(iterations) is list:
        more_in, more_cached, more_write, more_out = _compaction_tokens(iterations)
        uncached = _plus(uncached, more_in)
        cached = _plus(cached, more_cached)
        write = _plus(write, more_write)
        out = _plus(out, more_out)
    total_in = None
    if uncached is not None or cached is not None or write is not None:
        total_in = (uncached or 0) + (cached or 0) + (write or 0)
    return _with_total(total_in, out, cached, write, count(thinking), None)


_COMPACTION_COUNTS = (
    "input_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "output_tokens",
)


def _compaction_tokens(iterations: list[Any]) -> list[Optional[int]]:
    """Each of ``_COMPACTION_COUNTS`` summed over the ``compaction`` entries of
    Anthropic's ``usage.iterations`` (``None``: none holds it as a count), as Python
    ints, however large: past 64 bits, the sum with the top-level count is left out as
    a whole (``_plus``), never started again from a later entry. An entry whose type is
    not text (a value whose comparison could raise) is not a compaction's."""
    sums: list[Optional[int]] = [None] * len(_COMPACTION_COUNTS)
    for entry in iterations:
        kind = field(entry, "type")
        if not isinstance(kind, str) or not str.__eq__(kind, "compaction"):
            continue
        for at, name in enumerate(_COMPACTION_COUNTS):
            more = count(field(entry, name))
            if more is not None:
                known = sums[at]
                sums[at] = more if known is None else known + more
    return sums


def _plus(known: Optional[int], more: Optional[int]) -> Optional[int]:
    """``known`` with ``more`` added (a compaction's tokens, which Anthropic's top-level
    usage leaves out): ``known`` as it is when ``more`` is ``None``, ``None`` when the
    sum is no 64-bit count."""
    if more is None:
        return known
    return count((known or 0) + more)


def _google(obj: Any) -> Usage:
    return _google_counts_usage(
        field(obj, "prompt_token_count"),
        field(obj, "tool_use_prompt_token_count"),
        field(obj, "candidates_token_count"),
        field(obj, "thoughts_token_count"),
        field(obj, "cached_content_token_count"),
        field(obj, "total_token_count"),
    )


def _google_counts_usage(
    prompt: Any, tool_prompt: Any, candidates: Any, thoughts: Any, cached: Any, total: Any
) -> Usage:
    """Google GenAI usage (its input is the prompt's and the tool results' counts, its
    output the candidates' and the thoughts') from the values its fields hold, however
    they were read."""
    prompt_count, tool_count = count(prompt), count(tool_prompt)
    candidates_count, thoughts_count = count(candidates), count(thoughts)
    total_in = None
    if prompt_count is not None or tool_count is not None:
        total_in = (prompt_count or 0) + (tool_count or 0)
    total_out = None
    if candidates_count is not None or thoughts_count is not None:
        total_out = (candidates_count or 0) + (thoughts_count or 0)
    return _with_total(total_in, total_out, count(cached), None, thoughts_count, total)


def _langchain(obj: Any) -> Usage:
    inputs = field(obj, "input_token_details")
    outputs = field(obj, "output_token_details")
    return _with_total(
        count(field(obj, "input_tokens")),
        count(field(obj, "output_tokens")),
        count(field(inputs, "cache_read")),
        count(field(inputs, "cache_creation")),
        count(field(outputs, "reasoning")),
        field(obj, "total_tokens"),
    )


def _plain(obj: Any) -> Usage:
    return _plain_usage(
        field(obj, "input_tokens"), field(obj, "output_tokens"), field(obj, "total_tokens")
    )


def _plain_usage(input_tokens: Any, output_tokens: Any, total: Any) -> Usage:
    """Usage of only input and output counts (and perhaps a total), however they were read."""
    return _with_total(count(input_tokens), count(output_tokens), None, None, None, total)


def _bedrock(obj: Any) -> Usage:
    uncached = count(field(obj, "inputTokens"))
    cached = count(field(obj, "cacheReadInputTokens"))
    write = count(field(obj, "cacheWriteInputTokens"))
    total_in = None if uncached is None else uncached + (cached or 0) + (write or 0)
    return _with_total(total_in, count(field(obj, "outputTokens")), cached, write, None, None)


def _with_total(
    input_tokens: Optional[int],
    output_tokens: Optional[int],
    cached: Optional[int],
    write: Optional[int],
    reasoning: Optional[int],
    reported_total: Any,
) -> Usage:
    total = (
        input_tokens + output_tokens
        if input_tokens is not None and output_tokens is not None
        else count(reported_total)
    )
    return Usage(input_tokens, output_tokens, cached, write, reasoning, total)


__all__ = [
    "USAGE_KEYS",
    "Usage",
    "anthropic_usage",
    "checked",
    "count",
    "summed",
    "usage_attributes",
    "usage_from",
    "usage_from_attributes",
    "usage_of_fields",
]
