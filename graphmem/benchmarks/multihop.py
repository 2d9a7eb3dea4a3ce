"""Multi-hop passage recall (HippoRAG's Recall@k): graphmem vs dense vs BM25 on one corpus."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..config import Config
from ..embed import Embedder
from ..errors import InvalidInputError
from ..memory import Memory
from .baselines import baselines
from .ranking import Stopwatch, graphmem_ranking, mean, recall
from .splits import pick

NAMESPACE = "corpus"


def find_files(data: Path) -> tuple[Path, Path]:
    """``<name>_train.json`` and ``<name>_train_corpus.json`` in ``data`` (or a questions file
    given directly, with its corpus beside it)."""
    data = Path(data)
    questions = [data] if data.is_file() else sorted(data.glob("*_train.json"))
    if len(questions) != 1:
        raise InvalidInputError(f"expected one <name>_train.json in {data}, found {len(questions)}")
    corpus = questions[0].with_name(questions[0].stem + "_corpus.json")
    if not corpus.exists():
        raise InvalidInputError(f"{corpus} is missing")
    return questions[0], corpus


def passages(corpus: Any) -> list[tuple[str, str]]:
    """(title, text) pairs from a dict title → sentences/text, or a list of {title, text}."""
    items: Iterable[tuple[Any, Any]]
    if isinstance(corpus, dict):
        items = corpus.items()
    elif isinstance(corpus, list):
        items = ((p["title"], p["text"]) for p in corpus)
    else:
        raise InvalidInputError("a corpus is a dict title → text or a list of {title, text}")
    out = []
    for title, text in items:
        body = "".join(text) if isinstance(text, list) else str(text)
        out.append((str(title), body.strip()))
    return out


def gold_titles(question: dict[str, Any]) -> list[str]:
    """Titles of the supporting passages: HotpotQA ``supporting_facts`` or MuSiQue
    ``paragraphs[].is_supporting``."""
    if "supporting_facts" in question:
        titles = [fact[0] for fact in question["supporting_facts"]]
    else:
        titles = [p["title"] for p in question.get("paragraphs", []) if p.get("is_supporting")]
    return list(dict.fromkeys(titles))


def run(
    data: Path,
    ks: list[int],
    embedder: Embedder,
    limit: int | None = None,
    split: str = "all",
    config: Config | None = None,
) -> dict[str, Any]:
    questions_file, corpus_file = find_files(data)
    questions = pick(json.loads(questions_file.read_text("utf-8")), split)[:limit]
    docs = passages(json.loads(corpus_file.read_text("utf-8")))
    titles = [t for t, _ in docs]
    texts = [f"{t}\n{body}" for t, body in docs]
    depth = max(ks)
    systems = ("graphmem", "dense", "bm25")
    scores: dict[str, dict[int, list[float]]] = {s: {k: [] for k in ks} for s in systems}
    clock = Stopwatch()
    with (
        tempfile.TemporaryDirectory() as tmp,
        Memory(path=tmp, embedder=embedder, config=config) as mem,
    ):
        start = time.perf_counter()
        mem.add_messages(
            [
                {"text": text, "source_id": title, "source": "document"}
                for title, text in zip(titles, texts, strict=True)
            ],
            namespace=NAMESPACE,
        )
        ingest_s = time.perf_counter() - start
        others = baselines(embedder, titles, texts)
        skipped = 0
        for question in questions:
            gold = gold_titles(question)
            if not gold:  # nothing to score it by
                skipped += 1
                continue
            ranked = {
                "graphmem": clock.time(
                    graphmem_ranking, mem, NAMESPACE, question["question"], depth
                )[0]
            }
            for name, baseline in others.items():
                ranked[name] = baseline.rank(question["question"], depth)
            for system in systems:
                for k in ks:
                    scores[system][k].append(recall(ranked[system], gold, k))
    report: dict[str, Any] = {
        "systems": {
            s: {f"recall@{k}": mean(v) for k, v in per.items()} for s, per in scores.items()
        },
        "questions": len(scores["dense"][ks[0]]),
        "skipped": skipped,
        "split": split,
        "passages": len(docs),
        "ingest_s": round(ingest_s, 2),
    }
    report.update(clock.percentiles())
    return report
