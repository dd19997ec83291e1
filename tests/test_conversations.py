"""Conversation ids on every gen_ai span under ``conversation(...)``."""

from __future__ import annotations

import pytest
import sentry_sdk

import sentry_agents


def test_conversation_ids(sentry):
    with sentry_agents.conversation("conv-1"):
        with sentry_agents.invoke_agent("A"):
            with sentry_agents.conversation("conv-2"):
                with sentry_agents.chat("inner"):
                    pass
            with sentry_agents.chat("after"):
                pass
    with sentry_agents.chat("outside"):
        pass
    assert sentry.named("invoke_agent A").attributes["gen_ai.conversation.id"] == "conv-1"
    assert sentry.named("chat inner").attributes["gen_ai.conversation.id"] == "conv-2"
    assert sentry.named("chat after").attributes["gen_ai.conversation.id"] == "conv-1"
    assert "gen_ai.conversation.id" not in sentry.named("chat outside").attributes


def test_a_conversation_id_of_none_is_no_conversation(sentry):
    """``conversation(None)`` (an id looked up and not found) sent the text ``"None"`` as
    the id: every such conversation was one on Sentry's Conversations page. Its spans
    carry no id, inside another conversation too, whose id is back after it."""
    with sentry_agents.conversation(None):
        with sentry_agents.chat("alone"):
            pass
    with sentry_agents.conversation("conv-1"):
        with sentry_agents.conversation(None, user={"id": "u-1"}):
            with sentry_agents.chat("inner"):
                pass
        with sentry_agents.chat("after"):
            pass
    for name in ("chat alone", "chat inner"):
        assert "gen_ai.conversation.id" not in sentry.named(name).attributes, name
    assert sentry.named("chat after").attributes["gen_ai.conversation.id"] == "conv-1"


@pytest.mark.skipif(
    not hasattr(sentry_sdk.Scope, "set_conversation_id"),
    reason="sentry-sdk before scope conversation ids",
)
def test_conversation_id_set_with_sentry_sdk_reaches_our_spans(sentry):
    from sentry_sdk.ai import set_conversation_id

    with sentry_sdk.new_scope():
        set_conversation_id("conv-sdk")
        with sentry_agents.invoke_agent("A"):
            with sentry_agents.execute_tool("lookup"):
                pass
    for name in ("invoke_agent A", "execute_tool lookup"):
        assert sentry.named(name).attributes["gen_ai.conversation.id"] == "conv-sdk"


def test_conversations_left_in_the_order_they_were_entered_leave_the_one_around_them(sentry):
    """Two conversations entered one inside the other with ``start()`` and left in the
    order they were entered (a callback handler's overlapping runs): the later one stays
    current while it is open, and once both were left the one around them is current
    again, not the first."""
    with sentry_agents.conversation("outer"):
        first, second = sentry_agents.conversation("first"), sentry_agents.conversation("second")
        first.start()
        second.start()
        first.finish()
        with sentry_agents.chat("during"):
            pass
        second.finish()
        with sentry_agents.chat("after"):
            pass
    assert sentry.named("chat during").attributes["gen_ai.conversation.id"] == "second"
    assert sentry.named("chat after").attributes["gen_ai.conversation.id"] == "outer"
