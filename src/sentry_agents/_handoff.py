"""Handoff spans: ``gen_ai.handoff``, named ``handoff from {from} to {to}``."""

from __future__ import annotations

from typing import NamedTuple, Optional

from . import _keys as keys
from ._config import Options, options
from ._jsonable import safe_str
from ._span import GenAISpan


class HandoffConfig(NamedTuple):
    from_agent: str
    to_agent: str


class HandoffSpan(GenAISpan[HandoffConfig]):
    """Marks control passing from one agent to another; the target then gets its own
    ``invoke_agent`` span. Carries the enclosing agent's name, else ``from_agent``."""

    __slots__ = ()

    def __init__(self, config: HandoffConfig, options: Options) -> None:
        super().__init__(keys.HANDOFF, config, options)

    def _name(self) -> str:
        return f"handoff from {self._config.from_agent} to {self._config.to_agent}"

    def _agent_name(self) -> Optional[str]:
        return super()._agent_name() or self._config.from_agent


def handoff(from_agent: str, to_agent: str) -> HandoffSpan:
    """A handoff span, ``gen_ai.handoff``: control passing from one agent to another."""
    return HandoffSpan(HandoffConfig(safe_str(from_agent), safe_str(to_agent)), options())


__all__ = ["HandoffConfig", "HandoffSpan", "handoff"]
