"""The context string handed to a model: evidence lines within a token budget."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ..models import Hit

_EPOCH = datetime.min.replace(tzinfo=UTC)

_TOKEN = re.compile(r"\w+|[^\w\s]")


def count_tokens(text: str) -> int:
    """Words and punctuation marks: close to what BPE tokenizers count for English prose."""
    return len(_TOKEN.findall(text))


def evidence_line(hit: Hit) -> str:
    when = hit.valid_from or hit.occurred_at
    tags = [when.date().isoformat() if when else None, hit.kind]
    if hit.status and hit.status != "active":
        tags.append(hit.status)
    speaker = f"{hit.speaker}: " if hit.speaker and hit.kind == "episode" else ""
    return f"[{hit.id}] ({', '.join(t for t in tags if t)}) {speaker}{hit.text}"


def build_context(hits: list[Hit], max_tokens: int = 1000, chronological: bool = False) -> str:
    """One line per hit, best first (or oldest first for temporal questions), cut at
    ``max_tokens``; each line starts with the id an answer cites."""
    chosen: list[Hit] = []
    used = 0
    for hit in hits:
        cost = count_tokens(evidence_line(hit))
        if used + cost > max_tokens:
            break
        chosen.append(hit)
        used += cost
    if chronological:
        chosen.sort(key=lambda h: h.valid_from or h.occurred_at or _EPOCH)
    return "\n".join(evidence_line(h) for h in chosen)
