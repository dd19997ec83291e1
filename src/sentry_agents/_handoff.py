"""Handoff spans: ``gen_ai.handoff``, named ``handoff from {from} to {to}``."""

from __future__ import annotations

from typing import NamedTuple, Optional

from . import _keys as keys
from ._config import Options, options
from ._jsonable import optional_str
from ._span import GenAISpan


class HandoffConfig(NamedTuple):
    from_agent: Optional[str]
    to_agent: Optional[str]


class HandoffSpan(GenAISpan[HandoffConfig]):
    """Marks control passing from one agent to another; the target then gets its own
    ``invoke_agent`` span. Carries the enclosing agent's name, else ``from_agent``.
    An agent not known (``None`` or empty) is left out of the name, never written."""

    __slots__ = ()

    def __init__(self, config: HandoffConfig, options: Options) -> None:
        super().__init__(keys.HANDOFF, config, options)

    def _name(self) -> str:
        config = self._config
        name = "handoff"
        if config.from_agent:
            name += f" from {config.from_agent}"
        if config.to_agent:
            name += f" to {config.to_agent}"
        return name

    def _agent_name(self) -> Optional[str]:
        return super()._agent_name() or self._config.from_agent


def handoff(from_agent: Optional[str], to_agent: Optional[str]) -> HandoffSpan:
    """A handoff span, ``gen_ai.handoff``: control passing from one agent to another.
    Either agent may be ``None`` where it is not known (a framework's handoff whose
    source or target has no name): it is left out of the span's name and attributes."""
    return HandoffSpan(HandoffConfig(optional_str(from_agent), optional_str(to_agent)), options())


__all__ = ["HandoffConfig", "HandoffSpan", "handoff"]
