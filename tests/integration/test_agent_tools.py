"""graphmem's memory tools in a LangGraph tool-calling agent, run end to end with a scripted
chat model (langchain-core's fake chat model), on both stores."""

from __future__ import annotations

import asyncio

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from graphmem import AsyncMemory, Memory
from tests.conftest import load_file


def _example():
    return load_file("examples/memory_agent.py", "memory_agent")


def test_an_agent_remembers_then_recalls_with_the_tools(memory: Memory):
    ex = _example()
    script = [
        ex.call("remember", {"text": "Alice's sister Rosa lives in Porto.", "speaker": "Alice"}, 1),
        AIMessage(content="Noted."),
        ex.call("recall", {"query": "Where does Rosa live?", "k": 3}, 2),
        AIMessage(content="Rosa lives in Porto."),
    ]
    agent = ex.build(ex.ScriptedModel(messages=iter(script)), memory, "alice")
    agent.invoke({"messages": [HumanMessage("My sister Rosa lives in Porto.")]})
    out = agent.invoke({"messages": [HumanMessage("Where does Rosa live?")]})
    recalled = [m for m in out["messages"] if isinstance(m, ToolMessage)][-1]
    assert recalled.name == "recall" and "Porto" in recalled.content
    assert memory.stats("alice").episodes == 1 and memory.stats("bob").episodes == 0


def test_the_tools_describe_themselves_and_report_errors_to_the_agent(memory: Memory):
    tools = {t.name: t for t in memory.as_tools("t")}
    assert set(tools) == {"remember", "recall", "forget"}
    assert all(t.description and t.args for t in tools.values())
    assert set(tools["recall"].args) == {"query", "k"}
    said = tools["remember"].invoke({"text": "Rui keeps bees in Braga."})
    memory_id = said.split("id ")[1].rstrip(").")
    assert "Braga" in tools["recall"].invoke({"query": "bees"})
    assert "Forgot" in tools["forget"].invoke({"id": memory_id})
    assert tools["recall"].invoke({"query": "bees"}) == "Nothing in memory about that."
    assert "no memory" in tools["forget"].invoke({"id": "nope"})  # an error, told to the agent
    assert "empty" in tools["remember"].invoke({"text": "   "})


def test_the_tools_run_async(memory: Memory):
    tools = {t.name: t for t in AsyncMemory(memory=memory).as_tools("a")}

    async def run() -> str:
        await tools["remember"].ainvoke({"text": "Ines sails on Tuesdays."})
        return await tools["recall"].ainvoke({"query": "sailing day"})

    assert "Tuesdays" in asyncio.run(run())


def test_the_example_runs_offline(tmp_path):
    assert _example().main(str(tmp_path / "mem")) == "Your cat is called Miso."
