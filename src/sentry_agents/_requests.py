"""What a provider request says, read from the keyword arguments your code passes to it.

Pure functions, no sentry-sdk or provider import. ``chat(model, request=kwargs)`` reads
the request parameters, stop sequences, messages, system prompt and tools from the
arguments of OpenAI's ``chat.completions.create`` / ``responses.create``, Anthropic's
``messages.create`` and Google GenAI's ``models.generate_content`` (whose parameters sit
in ``config``). Responses never repeat the stop sequences that were asked for, so the
request is where they are read from.
"""

from __future__ import annotations

from typing import Any, Optional

from ._jsonable import as_list, field, safe_str

_MISSING = object()

# chat() keyword: the request keys that carry it, first found wins (OpenAI Chat
# Completions, OpenAI Responses, Anthropic; Google's live in ``config``).
_TOP_LEVEL: dict[str, tuple[str, ...]] = {
    "temperature": ("temperature",),
    "top_p": ("top_p",),
    "top_k": ("top_k",),
    "max_tokens": ("max_completion_tokens", "max_tokens", "max_output_tokens"),
    "frequency_penalty": ("frequency_penalty",),
    "presence_penalty": ("presence_penalty",),
    "seed": ("seed",),
    "reasoning_level": ("reasoning_effort",),
    "stop_sequences": ("stop_sequences", "stop"),
    "messages": ("messages", "input", "contents"),
    "system_instructions": ("system", "instructions"),
    "tools": ("tools",),
}
_GOOGLE_CONFIG: dict[str, tuple[str, ...]] = {
    "temperature": ("temperature",),
    "top_p": ("top_p",),
    "top_k": ("top_k",),
    "max_tokens": ("max_output_tokens",),
    "frequency_penalty": ("frequency_penalty",),
    "presence_penalty": ("presence_penalty",),
    "seed": ("seed",),
    "stop_sequences": ("stop_sequences",),
    "system_instructions": ("system_instruction",),
    "tools": ("tools",),
}


def read_request(request: Any) -> dict[str, Any]:
    """The ``chat()`` keywords a provider request's arguments (a dict, or an object with
    those attributes) give, by their ``chat()`` names, as given (``chat`` converts them as
    it converts its own keywords); absent ones are left out."""
    found: dict[str, Any] = {}
    _take(found, request, _TOP_LEVEL)
    config = field(request, "config")
    if config is not None:
        _take(found, config, _GOOGLE_CONFIG)
        level = field(field(config, "thinking_config"), "thinking_level")
        if level is not None and "reasoning_level" not in found:
            found["reasoning_level"] = field(level, "value", level)
    effort = field(field(request, "reasoning"), "effort")
    if effort is not None and "reasoning_level" not in found:
        found["reasoning_level"] = effort
    return found


def _take(found: dict[str, Any], source: Any, names: dict[str, tuple[str, ...]]) -> None:
    for keyword, candidates in names.items():
        if keyword in found:
            continue
        for name in candidates:
            value = field(source, name, _MISSING)
            if value is not _MISSING and value is not None:
                found[keyword] = value
                break


def stop_sequences(value: Any) -> Optional[list[str]]:
    """Stop sequences as a list of clean strings (one string is a list of one; lone
    surrogates replaced, as all text sent is), or ``None``. Not budgeted here: the span
    fits the list to its budget (``_budget.fit_strings``)."""
    if value is None:
        return None
    if isinstance(value, str):
        return [safe_str(value)]
    items = as_list(value)
    if items is None:
        return None
    out = [safe_str(item) for item in items if item is not None]
    return out or None


__all__ = ["read_request", "stop_sequences"]
