"""An agent whose graph uses graphmem's write and read graphs as nodes, and graphmem as its
LangGraph store. Runs offline (zero-LLM mode); pass an LLM to Memory for model-driven agents.

    python examples/langgraph_subgraph.py [memory-folder]
"""

from __future__ import annotations

import sys
import tempfile
from typing import Any, TypedDict

from langgraph.config import get_store
from langgraph.graph import END, START, StateGraph

from graphmem import Memory
from graphmem.models import Answer


class AgentState(TypedDict, total=False):
    namespace: str  # shared with graphmem's graphs: whose memory
    messages: list[dict[str, Any]]  # write graph input: what to remember
    query: str  # read graph input: what to recall
    answer: Answer  # read graph output
    reply: str  # this agent's own output


def respond(state: AgentState) -> dict:
    """The agent's own node: answer with memory, and note the exchange in the LangGraph store."""
    answer = state["answer"]
    store = get_store()
    store.put(("agent", "notes"), "last-question", {"text": f"Asked: {state['query']}"})
    return {"reply": f"{answer.text} (sources: {', '.join(answer.citations[:2]) or 'none'})"}


def build(mem: Memory):
    write_graph, read_graph = mem.as_subgraphs()
    builder = StateGraph(AgentState)
    builder.add_node("remember", write_graph)  # graphmem's write graph as a node
    builder.add_node("recall", read_graph)  # graphmem's read graph as a node
    builder.add_node("respond", respond)
    builder.add_edge(START, "remember")
    builder.add_edge("remember", "recall")
    builder.add_edge("recall", "respond")
    builder.add_edge("respond", END)
    return builder.compile(store=mem.as_store())


def main(path: str | None = None) -> str:
    with Memory(path or tempfile.mkdtemp()) as mem:
        agent = build(mem)
        state = agent.invoke(
            {
                "namespace": "alice",
                "messages": [
                    {
                        "text": "I adopted a cat called Miso.",
                        "speaker": "Alice",
                        "at": "2024-05-01",
                    },
                    {"text": "Miso loves the window in my Lisbon flat.", "speaker": "Alice"},
                ],
                "query": "What is the name of Alice's cat?",
            }
        )
        print(state["reply"])
        return state["reply"]


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
