"""Google GenAI (Gemini): ``generate_content`` recorded with ``set_response``.

Gemini's ``candidates_token_count`` excludes thinking tokens; Sentry's output total
includes them (output = candidates + thoughts), which ``set_response`` takes care of.
Offline against a scripted fake Gemini server unless ``GEMINI_API_KEY`` is set.
Run: ``python examples/google_genai.py``
"""

from __future__ import annotations

import sentry_sdk
from _offline import FakeProvider, api_key, gemini_response, init_sentry, provider_url
from google import genai
from google.genai import types

import sentry_agents

MODEL = "gemini-2.5-flash"


def main() -> None:
    fake = FakeProvider()
    for version in ("v1", "v1beta"):  # the path google-genai uses differs between its releases
        fake.script(
            f"/{version}/models/{MODEL}:generateContent", gemini_response("Light rain in Paris.")
        )
    base_url = provider_url("GEMINI_API_KEY", fake)
    client = genai.Client(
        api_key=api_key("GEMINI_API_KEY"),
        http_options=types.HttpOptions(base_url=base_url) if base_url else None,
    )
    init_sentry()
    contents = [types.Content(role="user", parts=[types.Part(text="Weather in Paris?")])]
    with sentry_agents.chat(
        MODEL, provider="gcp.gemini", operation="generate_content", messages=contents
    ) as llm:
        response = client.models.generate_content(model=MODEL, contents=contents)
        llm.set_response(response)
    sentry_sdk.flush()
    print(f"\nAnswer: {response.text}")


if __name__ == "__main__":
    main()
