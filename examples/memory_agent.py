"""A LangGraph tool-calling agent with graphmem's memory tools (remember, recall, forget).

Pass any LangChain chat model that can call tools (ChatOpenAI, ChatOllama...) to ``build``. Run
as a script it uses a scripted stand-in model, so it runs offline:

    python examples/memory_agent.py [memory-folder]
"""

from __future__ import annotations

import sys
import tempfile
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

from graphmem import Memory


def build(model: BaseChatModel, mem: Memory, namespace: str):
    """Agent node (the model with the memory tools bound) <-> tool node, until it answers."""
    tools = mem.as_tools(namespace)
    bound = model.bind_tools(tools)

    def agent(state: MessagesState) -> dict[str, Any]:
        return {"messages": [bound.invoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    builder.add_node("agent", agent)
    builder.add_node("tools", ToolNode(tools))
    builder.add_edge(START, "agent")
    builder.add_conditional_edges("agent", tools_condition)
    builder.add_edge("tools", "agent")
    return builder.compile()


class ScriptedModel(GenericFakeChatModel):
    """A stand-in for a real model: replies with the scripted messages, in order."""

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedModel:
        return self


def call(name: str, args: dict[str, Any], n: int) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": f"call-{n}"}])


def main(path: str | None = None) -> str:
    script = [
        call("remember", {"text": "My cat is called Miso.", "speaker": "Alice"}, 1),
        AIMessage(content="Noted."),
        call("recall", {"query": "cat name"}, 2),
        AIMessage(content="Your cat is called Miso."),
    ]
    with Memory(path or tempfile.mkdtemp()) as mem:
        agent = build(ScriptedModel(messages=iter(script)), mem, "alice")
        agent.invoke({"messages": [HumanMessage("Remember: my cat is called Miso.")]})
        out = agent.invoke({"messages": [HumanMessage("What is my cat called?")]})
        return str(out["messages"][-1].content)


if __name__ == "__main__":
    print(main(sys.argv[1] if len(sys.argv) > 1 else None))
