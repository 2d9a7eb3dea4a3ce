"""Every rule switched off in turn, on the tune and on the validate split: the ablation table.

Each run is the command users run (``graphmem -q bench <bench> --split <split> --set ...``), so
the table is the same code path as the headline figures, measured in one go on one commit:

    python bench/ablate.py --data ../shared/data --jobs 2 --json ablations.json

A rule's gain is the figure with the defaults minus the figure with the rule off. Its verdict
follows the rule in bench/README: a rule whose validate gain is below half its tune gain is
tuned, not general.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

SWITCHES: dict[str, str] = {
    "entity seeds in PPR": "retrieval.entity_share=0",
    "the day, month or year a question names": "retrieval.said_on_weight=1",
    "a question's weight moves to its reply": "retrieval.question_weight=1",
    "next hop to the document a hit names": "retrieval.next_hops=0",
    "assistant replies weighed down as seeds": "retrieval.assistant_weight=1",
    "one episode's hits capped": "retrieval.hits_per_episode=1000",
    "topic summaries": "constructor.topics_per_batch=0",
    "lines of code make no units": "rules.prose_only=false",
    "Judge: a new value supersedes the old": "rules.value_changes=false",
    "Judge: a denial contradicts the deed": "rules.denials=false",
    "Judge: slot verbs": "rules.slots=false",
}
"""Each rule, and the setting that turns it off."""

DATA = {
    "locomo": "locomo/locomo_dev.json",
    "multihop": "multihop",
    "beam": "beam",
}
"""Where each bench's data lies under ``--data``."""

SPLITS = ("tune", "validate")
NO_EFFECT = 0.005
"""A gain smaller than this on both splits is no effect (one LoCoMo question moves recall@10 by
about 0.003)."""


def measures(bench: str, report: dict[str, Any]) -> dict[str, float | None]:
    """The figures a bench's report gives for graphmem, by name."""
    ours = report["systems"]["graphmem"]
    if bench == "locomo":
        return {"recall@10": ours["recall@10"]["overall"]}
    if bench == "multihop":
        return {"R@5": ours["recall@5"], "R@2": ours["recall@2"]}
    updates, conflicts = ours["knowledge_update"], ours["contradiction_resolution"]
    return {
        "updated above original": updates.get("updated_above_original"),
        "original superseded": updates.get("original_superseded"),
        "contradiction both retrieved": conflicts.get("both_retrieved"),
        "contradiction flagged": conflicts.get("flagged"),
        "evidence recall@10": ours["evidence_recall@10"]["overall"],
    }


def verdict(tune: float, validate: float) -> str:
    """The rule in bench/README, read off a rule's gains on the two splits."""
    if abs(tune) < NO_EFFECT and abs(validate) < NO_EFFECT:
        return "no effect"
    if tune >= NO_EFFECT:
        return "general" if validate >= tune / 2 else "tuned"
    return "validate only" if validate >= NO_EFFECT else "a cost"


def run(
    bench: str, data: Path, split: str, setting: str | None, embedder: str, folder: Path
) -> dict[str, float | None]:
    """One bench run through the CLI; its graphmem figures."""
    out = folder / f"{bench}-{split}-{(setting or 'defaults').replace('=', '-')}.json"
    command = [sys.executable, "-m", "graphmem", "--embedder", embedder, "-q", "bench", bench]
    command += ["--data", str(data / DATA[bench]), "--split", split, "--json", str(out)]
    command += ["--set", setting] if setting else []
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return measures(bench, json.loads(out.read_text("utf-8")))


def ablate(
    data: Path, benches: list[str], switches: dict[str, str], embedder: str, jobs: int
) -> list[dict[str, Any]]:
    """Rows of the table: for each rule and bench, each figure's gain on tune and validate."""
    runs = [
        (bench, split, setting)
        for bench in benches
        for split in SPLITS
        for setting in [None, *switches.values()]
    ]
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(jobs) as pool:
        futures = {
            (bench, split, setting): pool.submit(
                run, bench, data, split, setting, embedder, Path(tmp)
            )
            for bench, split, setting in runs
        }
        figures = {key: future.result() for key, future in futures.items()}
    rows = []
    for rule, setting in switches.items():
        for bench in benches:
            for name in figures[(bench, "tune", None)]:
                gains = {
                    split: _gain(
                        figures[(bench, split, None)][name], figures[(bench, split, setting)][name]
                    )
                    for split in SPLITS
                }
                rows.append(
                    {"rule": rule, "setting": setting, "bench": bench, "measure": name, **gains}
                )
    return rows


def _gain(on: float | None, off: float | None) -> float | None:
    return None if on is None or off is None else round(on - off, 3)


def table(rows: list[dict[str, Any]]) -> str:
    """The rows with an effect as a markdown table, each with its verdict; one line after it
    says how many showed none."""
    lines = [
        "| rule (setting that turns it off) | bench, measure | tune gain | validate gain | verdict |",
        "|---|---|---|---|---|",
    ]
    quiet = 0
    for row in rows:
        tune, validate = row["tune"], row["validate"]
        judged = "unscored" if tune is None or validate is None else verdict(tune, validate)
        if judged == "no effect":
            quiet += 1
            continue
        lines.append(
            f"| {row['rule']} (`{row['setting']}`) | {row['bench']}, {row['measure']} "
            f"| {_signed(tune)} | {_signed(validate)} | {judged} |"
        )
    lines.append(f"\n{quiet} other figures moved by less than {NO_EFFECT} on both splits.")
    return "\n".join(lines)


def _signed(gain: float | None) -> str:
    return "—" if gain is None else f"{gain:+.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="the folder of the shared data")
    parser.add_argument("--benches", default=",".join(DATA), help="comma-separated benches")
    parser.add_argument("--only", help="comma-separated settings: ablate these rules only")
    parser.add_argument("--embedder", default="minilm", help="as graphmem's --embedder")
    parser.add_argument("--jobs", type=int, default=1, help="bench runs at once")
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    args = parser.parse_args(argv)
    benches = args.benches.split(",")
    unknown = sorted(set(benches) - set(DATA))
    wanted = set(args.only.split(",")) if args.only else set(SWITCHES.values())
    switches = {rule: s for rule, s in SWITCHES.items() if s in wanted}
    if unknown or len(switches) < len(wanted):
        parser.error(f"unknown bench or setting: {', '.join(unknown) or args.only}")
    rows = ablate(args.data, benches, switches, args.embedder, args.jobs)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), "utf-8")
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
