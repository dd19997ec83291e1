"""Decorators: ``@agent`` and ``@tool`` on plain, async and generator functions.

One span per call; arguments, results and yielded output are recorded (behind the
content gate). Generators keep their span open until they are exhausted or closed.
Uses a fake model (no network). Run: ``python examples/decorators.py``
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import sentry_sdk
from _offline import init_sentry

import sentry_agents


@sentry_agents.tool
def get_weather(city: str, unit: str = "C") -> dict[str, object]:
    """Current weather for a city."""
    return {"city": city, "temp": 14, "unit": unit}


@sentry_agents.tool(name="currency_rate", description="Exchange rate between two currencies")
async def rate(base: str, quote: str) -> float:
    await asyncio.sleep(0)
    return 1.08


@sentry_agents.agent(name="Weather Writer", model="fake-model")
def weather_writer(city: str) -> Iterator[str]:
    """Streams a short report, word by word."""
    weather = get_weather(city)
    with sentry_agents.chat("fake-model", messages=f"Report on {weather}") as llm:
        words = f"{city}: {weather['temp']} degrees and rain.".split()
        llm.set_output(" ".join(words))
    for word in words:
        yield word + " "


def main() -> None:
    init_sentry()
    report = "".join(weather_writer("Paris"))
    eur_usd = asyncio.run(rate("EUR", "USD"))
    sentry_sdk.flush()
    print(f"\n{report}\nEUR/USD {eur_usd}")
    print("\nTool schema for your model:", sentry_agents.tool_definition(get_weather))


if __name__ == "__main__":
    main()
