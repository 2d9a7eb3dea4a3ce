"""OpenAICompatibleLLM over real HTTP against a scripted local server: response-format fallback,
retries on 429/5xx, the repair round, token accounting, and clear errors when the server fails."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pydantic import BaseModel

from graphmem.errors import InvalidInputError, LLMError, ReplyTooLongError
from graphmem.llm.openai import OpenAICompatibleLLM

Reply = tuple[int, dict | str]


class City(BaseModel):
    city: str


def completion(content: str, finish_reason: str = "stop") -> dict:
    return {
        "id": "x",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16},
    }


@pytest.fixture
def server() -> Iterator[tuple[list[dict], Callable[[Callable[[dict], Reply]], str]]]:
    """Start a server answering each request with ``handler(request_body)``; yield the list of
    request bodies it received and a function that installs the handler and returns base_url."""
    requests: list[dict] = []
    state: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append(body)
            status, payload = state["handler"](body)
            data = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("retry-after-ms", "10")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except BrokenPipeError:  # the client gave up (the timeout test)
                pass

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()

    def install(handler: Callable[[dict], Reply]) -> str:
        state["handler"] = handler
        return f"http://127.0.0.1:{httpd.server_address[1]}/v1"

    yield requests, install
    httpd.shutdown()


def test_json_schema_refused_falls_back_to_json_object(server) -> None:
    requests, install = server

    def handler(body: dict) -> Reply:
        if body["response_format"]["type"] == "json_schema":
            return 400, {"error": {"message": "response_format json_schema not supported"}}
        return 200, completion('{"city": "Berlin"}')

    llm = OpenAICompatibleLLM("m", base_url=install(handler), max_retries=0)
    assert llm.complete("route", "sys", "user", City) == City(city="Berlin")
    fmt = requests[-1]["response_format"]
    assert fmt["type"] == "json_object" and fmt["schema"]["properties"]["city"]["type"] == "string"
    assert llm.complete("route", "sys", "user", City).city == "Berlin"
    assert requests[-1]["response_format"]["type"] == "json_object"  # remembered


def test_rate_limits_and_server_errors_are_retried(server) -> None:
    requests, install = server
    answers = iter([(429, {"error": {"message": "slow down"}}), (503, "busy")])

    def handler(body: dict) -> Reply:
        return next(answers, (200, completion('{"city": "Oslo"}')))

    llm = OpenAICompatibleLLM("m", base_url=install(handler), max_retries=3)
    assert llm.complete("extract", "sys", "user", City).city == "Oslo"
    assert len(requests) == 3
    assert llm.usage.calls("extract") == 1


def test_invalid_json_gets_one_repair_round_then_a_clear_error(server) -> None:
    requests, install = server
    replies = iter(["Sure! The city is Paris.", '```json\n{"city": "Paris"}\n```'])
    llm = OpenAICompatibleLLM("m", base_url=install(lambda b: (200, completion(next(replies)))))
    assert llm.complete("extract", "sys", "user", City).city == "Paris"
    assert "not valid" in requests[-1]["messages"][-1]["content"]
    assert llm.usage.calls("extract") == 2
    op = llm.usage.operations["extract"]
    assert (op.prompt_tokens, op.completion_tokens) == (22, 10)

    llm = OpenAICompatibleLLM("m", base_url=install(lambda b: (200, completion("{}"))))
    with pytest.raises(LLMError, match="invalid after a repair"):
        llm.complete("extract", "sys", "user", City)


def test_a_reply_cut_at_max_tokens_raises_without_a_repair_round(server) -> None:
    requests, install = server
    cut = completion('{"city": "Par', finish_reason="length")
    llm = OpenAICompatibleLLM("m", base_url=install(lambda b: (200, cut)), max_tokens=5)
    with pytest.raises(ReplyTooLongError, match="max_tokens \\(5\\)"):
        llm.complete("extract", "sys", "user", City)
    assert len(requests) == 1 and requests[0]["max_tokens"] == 5
    assert llm.usage.calls("extract") == 1  # its tokens were spent all the same


def test_check_rejections_are_repaired_too(server) -> None:
    _, install = server
    replies = iter(['{"city": "Atlantis"}', '{"city": "Rome"}'])

    def check(c: City) -> None:
        if c.city == "Atlantis":
            raise ValueError("no such city")

    llm = OpenAICompatibleLLM("m", base_url=install(lambda b: (200, completion(next(replies)))))
    assert llm.complete("extract", "sys", "user", City, check).city == "Rome"


def test_dead_and_slow_servers_raise_llm_error(server) -> None:
    _, install = server
    dead = OpenAICompatibleLLM("m", base_url="http://127.0.0.1:9/v1", max_retries=0, timeout=2)
    with pytest.raises(LLMError, match="cannot reach"):
        dead.complete("extract", "sys", "user", City)

    def slow(body: dict) -> Reply:
        time.sleep(1.5)
        return 200, completion('{"city": "x"}')

    llm = OpenAICompatibleLLM("m", base_url=install(slow), max_retries=0, timeout=0.3)
    with pytest.raises(LLMError, match="in time"):
        llm.complete("extract", "sys", "user", City)


def test_configuration_from_environment(monkeypatch) -> None:
    monkeypatch.setenv("GRAPHMEM_LLM_BASE_URL", "http://127.0.0.1:1/v1")
    monkeypatch.setenv("GRAPHMEM_LLM_MODEL", "my-model")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    llm = OpenAICompatibleLLM()
    assert llm.model == "my-model" and llm.client.api_key == "sk-test"
    assert str(llm.client.base_url).startswith("http://127.0.0.1:1/v1")
    assert llm.client.timeout == 120.0
    monkeypatch.setenv("GRAPHMEM_LLM_TIMEOUT", "900")
    assert OpenAICompatibleLLM().client.timeout == 900.0  # a small model on a CPU is slow
    for bad in ("soon", "0", "-5", "nan"):
        monkeypatch.setenv("GRAPHMEM_LLM_TIMEOUT", bad)
        with pytest.raises(InvalidInputError, match="GRAPHMEM_LLM_TIMEOUT"):
            OpenAICompatibleLLM()
    monkeypatch.delenv("GRAPHMEM_LLM_TIMEOUT")
    assert OpenAICompatibleLLM().max_tokens == 4096
    monkeypatch.setenv("GRAPHMEM_LLM_MAX_TOKENS", "1536")  # a runaway reply costs less
    assert OpenAICompatibleLLM().max_tokens == 1536
    assert OpenAICompatibleLLM(max_tokens=99).max_tokens == 99
    for bad in ("many", "0", "1.5"):
        monkeypatch.setenv("GRAPHMEM_LLM_MAX_TOKENS", bad)
        with pytest.raises(InvalidInputError, match="GRAPHMEM_LLM_MAX_TOKENS"):
            OpenAICompatibleLLM()


def model_unit(text: str, episode: int = 0) -> dict:
    """One unit as an extraction reply holds it."""
    return {
        "text": text,
        "kind": "fact",
        "subject": "Ann",
        "predicate": None,
        "object": None,
        "entities": [
            {"name": "Ann", "type": "person", "role": "subject"},
            {"name": "tea", "type": "thing", "role": "object"},
        ],
        "valid_from": None,
        "valid_to": None,
        "episodes": [episode],
    }


def extracted(server, units: list[dict], episodes: int) -> tuple[list, dict]:
    """What ``PromptedDecisions.extract`` drafts from a server replying ``units`` to a call that
    reads ``episodes`` episodes, and the reply schema it sent."""
    from datetime import UTC, datetime

    from graphmem.decisions.prompted import PromptedDecisions
    from graphmem.models import Episode

    requests, install = server
    reply = {"units": units, "summaries": []}
    base_url = install(lambda body: (200, completion(json.dumps(reply))))
    decisions = PromptedDecisions(OpenAICompatibleLLM("m", base_url=base_url, max_retries=0))
    at = datetime(2024, 1, 1, tzinfo=UTC)
    eps = [
        Episode(namespace="n", content=f"Ann {i}", speaker="Ann", occurred_at=at, recorded_at=at)
        for i in range(episodes)
    ]
    drafts = decisions.extract(eps, {}).units
    sent = requests[-1]["response_format"]
    schema = sent["json_schema"]["schema"] if sent["type"] == "json_schema" else sent["schema"]
    return drafts, schema


def test_the_extraction_schema_bounds_unit_text_and_a_longer_reply_is_kept(server) -> None:
    """The reply schema caps a unit's text (a grammar-constrained server enforces it, so a small
    model cannot copy a whole message into each unit); a server that ignores the cap still gets
    its longer text accepted."""
    from graphmem.decisions.prompted import UNIT_TEXT_CHARS

    text = "Ann says" + " that she really likes green tea," * 12
    (drafted,), schema = extracted(server, [model_unit(text)], 1)
    assert len(text) > UNIT_TEXT_CHARS and drafted.text == text
    unit_text = schema["$defs"]["_Unit"]["properties"]["text"]
    assert unit_text["maxLength"] == UNIT_TEXT_CHARS


def test_the_extraction_schema_caps_units_per_episode_and_a_repeated_unit_counts_once(
    server,
) -> None:
    """A small model at temperature 0 can repeat one unit until the token limit, which fails the
    message: the schema allows ``UNITS_PER_EPISODE`` units per episode read (a grammar-constrained
    server stops the loop there). More units from a server that ignores the cap are kept, and a
    unit the reply repeats is kept once."""
    from graphmem.decisions.prompted import UNITS_PER_EPISODE

    many = [model_unit(f"Ann owns {n} teapots", n % 2) for n in range(2 * UNITS_PER_EPISODE + 2)]
    drafted, schema = extracted(server, [*many, many[0], many[0]], 2)
    assert [d.text for d in drafted] == [u["text"] for u in many]
    assert schema["properties"]["units"]["maxItems"] == 2 * UNITS_PER_EPISODE
