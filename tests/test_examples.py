"""Every example in ``examples/`` is a complete program: run each one as a user would."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXPECTED = {
    "quickstart.py": [
        "invoke_agent Weather Agent",
        "  execute_tool get_weather",
        "  handoff from Weather Agent to Travel Agent",
        "    chat gpt-4o-mini",
        "Answer: Pack an umbrella",
    ],
    "openai_tool_loop.py": [
        "invoke_agent Weather Agent",
        "  execute_tool get_weather",
        "120 in (100 cached)",
    ],
    "openai_responses.py": ["chat o4-mini", "80 in (64 cached) / 40 out (32 reasoning) tokens"],
    "anthropic_prompt_caching.py": ["1070 in (1000 cached)", "Sentry input tokens: 1070"],
    "google_genai.py": [
        "generate_content gemini-2.5-flash",
        "40 in (16 cached) / 32 out (20 reasoning)",
    ],
    "multi_agent_handoff.py": [
        "handoff from Triage Agent to Billing Agent",
        "invoke_agent Billing Agent",
    ],
    "streaming.py": ["chat gpt-4o-mini", "chat claude-sonnet-4-6", "OpenAI: Rainy, elegant"],
    "concurrent_agents.py": [
        "invoke_agent Trip Planner",
        "  invoke_agent Paris Agent",
        "    execute_tool look_up_city",
    ],
    "web_request.py": [
        "book  ",
        "  invoke_agent Booking Agent",
        "    execute_tool search_hotels",
        "HTTP 200",
    ],
    "conversation_ids.py": ["invoke_agent Chat Agent", "Paris is lovely in spring."],
    "decorators.py": [
        "invoke_agent Weather Writer",
        "execute_tool currency_rate",
        "Tool schema for your model",
    ],
    "guardrails_and_evaluation.py": [
        "invoke_agent Support Agent",
        "  guardrail no_personal_data",
        "passed",
        "  evaluate gpt-4o-mini",
        "Helpful: 2 of 2, on topic: 0.97",
        "blocked: an email address",
        "Please ask again without personal data",
    ],
    "rag_rerank.py": [
        "invoke_agent Help Center Agent",
        "  execute_tool search_docs",
        "  rerank bge-reranker-v2-m3",
        "  chat gpt-4o-mini",
        "choose Request refund",
    ],
    "self_hosted_cost.py": [
        "invoke_agent Trip Planner",
        "120 in (100 cached) / 30 out (12 reasoning) tokens · $0.000045",
        "· $0.000090",
    ],
    "sampling.py": [
        "root 'Support Agent' (op gen_ai.invoke_agent): sampled at 1.0",
        "invoke_agent Support Agent",
        "root 'Nightly Summarizer' (op gen_ai.invoke_agent): sampled at 0.05",
        "root 'cleanup old sessions' (op task): sampled at 0.2",
    ],
    # One trace across two processes: the server's spans under the agent's.
    "mcp_agent.py": [
        "invoke_agent Weather Agent (stdio)",
        "  initialize",
        "  execute_tool get_weather",
        "    tools/call get_weather",
        "✗ tool_error",
        "invoke_agent Weather Agent (http)",
        "Unknown city: Atlantis",
    ],
    "mcp_official_client.py": [
        "invoke_agent Weather Agent",
        "  execute_tool get_weather",
        "    tools/call get_weather",
        "Answer: Paris: Rain",
    ],
    # Run on its own with two requests on stdin: the answers on stdout, spans on stderr.
    "mcp_weather_server.py": [
        '"serverInfo": {"name": "weather-server"',
        '"text": "Paris: Rain, 12\\u00b0C"',
        "tools/call get_weather",
    ],
}
STDIN = {
    "mcp_weather_server.py": "".join(
        json.dumps(message) + "\n"
        for message in (
            {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}},
            {
                "jsonrpc": "2.0",
                "id": 2,
                "method": "tools/call",
                "params": {"name": "get_weather", "arguments": {"city": "Paris"}},
            },
        )
    )
}
NEEDS = {"mcp_official_client.py": "mcp"}
OFFLINE_ENV = {
    k: v
    for k, v in os.environ.items()
    if k
    not in ("SENTRY_DSN", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY")
}


def test_every_example_is_covered():
    programs = {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    assert programs == set(EXPECTED)


STRICT = """
import runpy, sys, warnings
# A DeprecationWarning raised in sentry-sdk, this library or the program itself is an
# error: nothing they do may rely on a deprecated sentry-sdk API. A provider SDK's own
# (its notice that a model retires, google-genai on a newer pydantic) is not ours.
warnings.filterwarnings(
    "error", category=DeprecationWarning, module=r"(sentry_sdk|sentry_agents|__main__|_offline)"
)
warnings.filterwarnings("ignore", message="The model", category=DeprecationWarning)
"""
RUN_PROGRAM = (
    STRICT
    + """
path = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path.insert(0, path.rsplit("/", 1)[0])
runpy.run_path(path, run_name="__main__")
"""
)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs_offline(name):
    needed = NEEDS.get(name)
    if needed and importlib.util.find_spec(needed) is None:
        pytest.skip(f"{name} needs the {needed} package (not installable on this Python)")
    result = subprocess.run(
        [sys.executable, "-c", RUN_PROGRAM, str(EXAMPLES / name)],
        input=STDIN.get(name, ""),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        env=OFFLINE_ENV,
        cwd=EXAMPLES.parent,
    )
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    for expected in EXPECTED[name]:
        assert expected in output, f"{expected!r} not in:\n{output}"
