"""What the model extracts from the messages that state BEAM's updates, one message a call.

Each user message cited as a knowledge update's ``updated_info`` is extracted alone, through the
same ``PromptedDecisions.extract`` the model path uses. The report counts the messages that gave
any unit, the units, and the numbers of the message that reappear in a unit's text (an update
is mostly a new number: "I've added 52 sources"), plus replies cut at the token limit.

    GRAPHMEM_LLM_BASE_URL=http://127.0.0.1:8777/v1 GRAPHMEM_LLM_MODEL=qwen \\
    GRAPHMEM_LLM_MAX_TOKENS=1536 python bench/extract_messages.py --data ../shared/data/beam \\
        --split tune [--prompt old-constructor.md]

``--prompt`` takes the extraction prompt from another ``agents/constructor.md`` (an earlier
version, to compare with) instead of the installed one.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path
from typing import Any

import graphmem.decisions.prompted as prompted
from graphmem.benchmarks.beam import chat_folders, messages, read_chat
from graphmem.benchmarks.splits import pick
from graphmem.errors import LLMError
from graphmem.llm.openai import OpenAICompatibleLLM
from graphmem.models import Episode
from graphmem.resources import parse_prompts, prompts

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def update_messages(data: Path, split: str) -> list[dict[str, Any]]:
    """The user messages that state an update, in chat order."""
    found = []
    for folder in pick(chat_folders(data), split):
        chat, probes = read_chat(folder)
        by_id = {m["source_id"]: m for m in messages(chat, 100_000)}
        for q in probes.get("knowledge_update", []):
            for i in q["source_chat_ids"].get("updated_info") or []:
                m = by_id.get(str(i))
                if m is not None and m["speaker"] == "user":
                    found.append({**m, "chat": folder.name})
    return found


def use_prompt(path: Path, agent: str = "constructor") -> None:
    """``agent``'s prompts from the file at ``path`` (an earlier ``agents/<agent>.md``)."""
    chosen = parse_prompts(path.read_text("utf-8"), str(path))
    installed = prompts

    def chosen_for(asked: str) -> tuple[int, dict[str, str]]:
        return chosen if asked == agent else installed(asked)

    prompted.prompts = chosen_for  # type: ignore[assignment]


def episode(m: dict[str, Any]) -> Episode:
    """Bench message ``m`` as the episode extraction reads."""
    return Episode(
        namespace="bench",
        content=m["text"],
        speaker=m["speaker"],
        session=m["session"],
        occurred_at=m["at"],
        recorded_at=m["at"],
    )


def extract(decisions: prompted.PromptedDecisions, m: dict[str, Any]) -> dict[str, Any]:
    started, error = time.perf_counter(), None
    try:
        texts = [u.text for u in decisions.extract([episode(m)], {}).units]
    except LLMError as exc:
        texts, error = [], type(exc).__name__
    numbers = set(_NUMBER.findall(m["text"]))
    return {
        "chat": m["chat"],
        "message": m["source_id"],
        "units": texts,
        "numbers": sorted(numbers),
        "numbers_kept": sorted(n for n in numbers if any(n in t for t in texts)),
        "error": error,
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--split", default="tune", choices=["tune", "validate", "all"])
    parser.add_argument("--prompt", type=Path, help="an agents/constructor.md to use instead")
    parser.add_argument("--json", type=Path, help="write every message's result here too")
    args = parser.parse_args()
    if args.prompt:
        use_prompt(args.prompt)
    llm = OpenAICompatibleLLM(response_format="json_object")
    decisions = prompted.PromptedDecisions(llm, batch_size=1)
    rows = []
    for m in update_messages(args.data, args.split):
        rows.append(extract(decisions, m))
        print(json.dumps(rows[-1]), flush=True)
    report = {
        "messages": len(rows),
        "with_units": sum(bool(r["units"]) for r in rows),
        "units": sum(len(r["units"]) for r in rows),
        "numbers_kept": sum(len(r["numbers_kept"]) for r in rows),
        "numbers": sum(len(r["numbers"]) for r in rows),
        "cut_at_token_limit": sum(r["error"] == "ReplyTooLongError" for r in rows),
        "failed": sum(r["error"] is not None for r in rows),
        "seconds": round(sum(r["seconds"] for r in rows), 1),
    }
    if args.json:
        args.json.write_text(json.dumps({"report": report, "messages": rows}, indent=1) + "\n")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
