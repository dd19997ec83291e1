"""An agent inside a web request: the agent spans nest under Flask's request transaction.

sentry-sdk's Flask integration starts a transaction per request; our helpers see it
and become its children instead of starting their own. The request is made with
Flask's test client, so nothing listens on a port. Run: ``python examples/web_request.py``
"""

from __future__ import annotations

import sentry_sdk
from _offline import init_sentry
from flask import Flask, jsonify, request
from sentry_sdk.integrations.flask import FlaskIntegration

import sentry_agents

app = Flask(__name__)


@sentry_agents.tool
def search_hotels(city: str) -> list[str]:
    """Hotels with rooms tonight."""
    return [f"Hotel du Nord, {city}", f"Grand Hotel, {city}"]


@sentry_agents.agent(name="Booking Agent", model="fake-model")
def booking_agent(city: str) -> str:
    hotels = search_hotels(city)
    with sentry_agents.chat("fake-model", messages=f"Pick one of {hotels}") as llm:
        choice = hotels[0]
        llm.set_output(choice)
        llm.set_usage(input_tokens=20, output_tokens=5)
    return choice


@app.post("/book")
def book():  # type: ignore[no-untyped-def]
    return jsonify(hotel=booking_agent(request.json["city"]))


def main() -> None:
    init_sentry(gen_ai_only=False, integrations=[FlaskIntegration()])
    with app.test_client() as client:
        reply = client.post("/book", json={"city": "Paris"})
    sentry_sdk.flush()
    print(f"\nHTTP {reply.status_code}: {reply.get_json()}")


if __name__ == "__main__":
    main()
