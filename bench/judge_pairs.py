"""What the model's Judge says of BEAM's update and contradiction pairs, one pair at a time.

For every knowledge update (original → updated message) and contradiction (first → second
statement) of the chosen split, both user messages are extracted alone, as in
``extract_messages.py``; then each unit of the later message is compared with the units of the
earlier one through ``PromptedDecisions.compare``, the call the model path's Judge makes. An
update pair counts as found when some verdict is ``update``, a contradiction pair when some
verdict is ``contradiction``. As a control, each update's later units are also compared with the
original of the chat's other update (same chat, another fact): any verdict there but
``compatible`` is a false alarm. Beside the model: the rules' verdicts on the model's units
(``rules``), and the zero-LLM path, the rules on their own units of the same messages (``zero``).

    GRAPHMEM_LLM_BASE_URL=http://127.0.0.1:8777/v1 GRAPHMEM_LLM_MODEL=qwen \\
    GRAPHMEM_LLM_MAX_TOKENS=1536 python bench/judge_pairs.py --data ../shared/data/beam \\
        --split tune --cache tune-units.json [--judge-prompt old-judge.md]

``--cache`` keeps the extracted units, so a second run (another Judge prompt) only compares.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from extract_messages import episode, use_prompt

import graphmem.decisions.prompted as prompted
from graphmem.benchmarks.beam import chat_folders, messages, read_chat
from graphmem.benchmarks.splits import pick
from graphmem.decisions.base import Comparison, Decisions, Verdict
from graphmem.decisions.zero import ZeroLLM
from graphmem.errors import LLMError
from graphmem.llm.openai import OpenAICompatibleLLM
from graphmem.models import Involvement, Unit

_SIDES = {
    "knowledge_update": ("update", "original_info", "updated_info"),
    "contradiction_resolution": ("contradiction", "first_statement", "second_statement"),
}


def pairs(data: Path, split: str, kinds: list[str]) -> list[dict[str, Any]]:
    """Each update or contradiction (of ``kinds``) whose two sides are two user messages, in
    chat order."""
    found = []
    for folder in pick(chat_folders(data), split):
        chat, probes = read_chat(folder)
        by_id = {m["source_id"]: m for m in messages(chat, 100_000)}
        for category, (kind, before, after) in _SIDES.items():
            if kind not in kinds:
                continue
            for q in probes.get(category, []):
                ids = q.get("source_chat_ids") or {}
                sides = [by_id.get(str((ids.get(s) or [None])[0])) for s in (before, after)]
                if all(m is not None and m["speaker"] == "user" for m in sides) and (
                    sides[0] is not sides[1]  # one message stating both sides: no pair to judge
                ):
                    sides.sort(key=lambda m: m["at"])  # BEAM's "first" is not always said first
                    found.append({"chat": folder.name, "kind": kind, "sides": sides})
    return found


def extracted(decisions: Decisions, m: dict[str, Any], cache: dict[str, Any]) -> list[Unit]:
    """``decisions``' units for message ``m`` alone (from ``cache`` when it holds them)."""
    key = f"{m['source_id']}@{m['at'].isoformat()}"
    if key not in cache:
        try:
            drafts = decisions.extract([episode(m)], {}).units
        except LLMError:
            drafts = []
        cache[key] = [d.model_dump(mode="json", exclude={"episode_ids"}) for d in drafts]
    return [_unit(d, m["at"]) for d in cache[key]]


def _unit(draft: dict[str, Any], at: datetime) -> Unit:
    valid = draft.get("valid_from")
    return Unit(
        namespace="bench",
        text=draft["text"],
        kind=draft["kind"],
        subject=draft.get("subject"),
        predicate=draft.get("predicate"),
        object=draft.get("object"),
        valid_from=datetime.fromisoformat(valid) if valid else at,
        recorded_at=at,
        entities=[
            Involvement(entity_id=m["name"].lower(), role=m["role"]) for m in draft["mentions"]
        ],
        episode_ids=["bench"],
    )


Decide = Callable[[list[Comparison]], list[Verdict]]


def verdicts(decide: Decide, new: list[Unit], old: list[Unit]) -> Counter[str]:
    """How often each relation came back, comparing every unit of ``new`` with all of ``old``."""
    if not new or not old:
        return Counter()
    return Counter(v.relation for v in decide([Comparison(new=u, existing=old) for u in new]))


def judged(
    pair: dict[str, Any],
    others: list[dict[str, Any]],
    columns: list[tuple[str, Decisions, Decide, dict[str, Any]]],
) -> dict[str, Any]:
    """One pair's verdicts (and its control's, against ``others``) for each column: a name, who
    extracts, who compares, and the extraction cache."""
    row = {"chat": pair["chat"], "kind": pair["kind"]}
    row["messages"] = [m["source_id"] for m in pair["sides"]]
    for who, extractor, decide, cache in columns:
        old, new = (extracted(extractor, m, cache) for m in pair["sides"])
        control = [u for m in others for u in extracted(extractor, m, cache)]
        row[f"units_{who}"] = [len(old), len(new)]
        row[who] = verdicts(decide, new, old)
        row[f"control_{who}"] = verdicts(decide, new, control)
    return row


def _alarmed(counts: Counter[str]) -> bool:
    """Whether any verdict says more than ``compatible``."""
    return any(n for relation, n in counts.items() if relation != "compatible")


def summary(rows: list[dict[str, Any]], columns: list[str]) -> dict[str, Any]:
    """Pairs found and controls alarmed, per kind and column."""
    report: dict[str, Any] = {"pairs": Counter(r["kind"] for r in rows)}
    for kind in ("update", "contradiction"):
        mine = [r for r in rows if r["kind"] == kind]
        for who in columns:
            report[f"{kind}s found by {who}"] = sum(r[who][kind] > 0 for r in mine)
            report[f"{kind}s with any verdict by {who}"] = sum(_alarmed(r[who]) for r in mine)
    for who in columns:
        controls = [r[f"control_{who}"] for r in rows if r[f"control_{who}"]]
        report[f"controls ({who})"] = len(controls)
        report[f"false alarms ({who})"] = sum(map(_alarmed, controls))
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--split", default="tune", choices=["tune", "validate", "all"])
    parser.add_argument("--cache", type=Path, help="extracted units, read and written here")
    parser.add_argument("--judge-prompt", type=Path, help="an agents/judge.md to use instead")
    parser.add_argument("--kinds", default="update,contradiction", help="pairs to compare")
    parser.add_argument("--json", type=Path, help="write every pair's result here too")
    args = parser.parse_args()
    if args.judge_prompt:
        use_prompt(args.judge_prompt, "judge")
    cache = json.loads(args.cache.read_text("utf-8")) if args.cache and args.cache.exists() else {}
    model = prompted.PromptedDecisions(OpenAICompatibleLLM(response_format="json_object"), 4)
    zero = ZeroLLM()
    columns: list[tuple[str, Decisions, Decide, dict[str, Any]]] = [
        ("model", model, model.compare, cache),  # the model path
        ("rules", model, zero.compare, cache),  # the rules on the model's units
        ("zero", zero, zero.compare, {}),  # zero-LLM: the rules on their own units
    ]
    rows, started = [], time.perf_counter()
    found = pairs(args.data, args.split, args.kinds.split(","))
    for pair in found:
        others = [
            p["sides"][0]
            for p in found
            if p["kind"] == "update" == pair["kind"] and p["chat"] == pair["chat"] and p is not pair
        ]
        rows.append(judged(pair, others, columns))
        print(json.dumps(rows[-1]), flush=True)
        if args.cache:
            args.cache.write_text(json.dumps(cache, indent=1) + "\n")
    report = summary(rows, [name for name, *_ in columns])
    report["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        args.json.write_text(json.dumps({"report": report, "pairs": rows}, indent=1) + "\n")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
