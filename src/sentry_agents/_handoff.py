"""Handoff spans: ``gen_ai.handoff``, named ``handoff from {from} to {to}``."""

from __future__ import annotations

from typing import Optional

from ._jsonable import safe_str
from ._span import GenAISpan


class HandoffSpan(GenAISpan):
    """Marks control passing from one agent to another; the target then gets its own
    ``invoke_agent`` span. Carries the enclosing agent's name, else ``from_agent``."""

    operation = "handoff"

    def __init__(self, from_agent: str, to_agent: str) -> None:
        self.from_agent = safe_str(from_agent)
        self.to_agent = safe_str(to_agent)
        super().__init__()

    def _name(self) -> str:
        return f"handoff from {self.from_agent} to {self.to_agent}"

    def _agent_name(self) -> Optional[str]:
        return super()._agent_name() or self.from_agent


handoff = HandoffSpan
"""``handoff(from_agent, to_agent)``: a handoff span."""
