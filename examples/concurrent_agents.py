"""Concurrent async agents: many agent runs in one event loop, each with the right parents.

Every span is made current in a scope of its own, so ``asyncio.gather`` never mixes up
which agent a model or tool call belongs to. Uses a fake model (no network).
Run: ``python examples/concurrent_agents.py``
"""

from __future__ import annotations

import asyncio
import random

import sentry_sdk
from _offline import init_sentry

import sentry_agents


@sentry_agents.tool
async def look_up_city(city: str) -> str:
    """Facts about a city."""
    await asyncio.sleep(random.uniform(0.001, 0.01))
    return f"{city} has a river."


async def fake_model(prompt: str) -> str:
    await asyncio.sleep(random.uniform(0.001, 0.01))
    return f"Summary of: {prompt}"


async def city_agent(city: str) -> str:
    async with sentry_agents.invoke_agent(f"{city} Agent", model="fake-model") as agent:
        facts = await look_up_city(city)
        async with sentry_agents.chat("fake-model", messages=facts) as llm:
            answer = await fake_model(facts)
            llm.set_output(answer)
            llm.set_usage(input_tokens=len(facts.split()), output_tokens=len(answer.split()))
        agent.set_output(answer)
        return answer


async def main() -> None:
    init_sentry()
    with sentry_agents.invoke_agent("Trip Planner"):
        answers = await asyncio.gather(
            *(city_agent(city) for city in ("Paris", "Lyon", "Nice", "Lille"))
        )
    sentry_sdk.flush()
    print("\n" + "\n".join(answers))


if __name__ == "__main__":
    asyncio.run(main())
