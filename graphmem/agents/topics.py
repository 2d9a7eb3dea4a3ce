"""Topic summaries: one coarse digest per person or named thing memory keeps learning about,
extended as new facts arrive (extractive, so it costs no model call)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from ..config import ConstructorConfig
from ..models import ENTITY_NAMESPACE, Entity, Summary, Unit
from ..store.base import GraphStore

TOPIC_TYPES = frozenset({"name", "person"})
"""Entity types that get a topic summary (not concepts, dates or numbers)."""
HEADER = "About {name}:"


def topic_id(namespace: str, entity_id: str) -> str:
    """The id of an entity's topic summary: one node per entity, rewritten as it grows."""
    return str(uuid.uuid5(ENTITY_NAMESPACE, f"{namespace}\x00topic\x00{entity_id}"))


def digest(name: str, previous: str | None, facts: Iterable[str], max_chars: int) -> str:
    """The header, then the previous digest's facts and the new ones, one per line; the oldest
    facts make room for the newest beyond ``max_chars``."""
    new = list(dict.fromkeys(f"- {' '.join(f.split())}" for f in facts))
    old = [line for line in (previous.split("\n")[1:] if previous else []) if line not in new]
    lines = old + new  # a fact told again counts as new
    header = HEADER.format(name=name)
    kept: list[str] = []
    size = len(header)
    for line in reversed(lines):
        if size + 1 + len(line) > max_chars:
            break
        kept.append(line)
        size += 1 + len(line)
    return "\n".join([header, *reversed(kept)])


def topic_summaries(
    store: GraphStore,
    namespace: str,
    units: list[Unit],
    entities: dict[str, Entity],
    config: ConstructorConfig,
) -> list[Summary]:
    """Rewritten topic summaries for the (at most ``topics_per_batch``) named entities that
    ``units`` tell the most facts about, at least ``topic_min_units``; ``entities`` by id."""
    about: dict[str, list[Unit]] = {}
    for unit in units:
        for arm in unit.entities:
            entity = entities.get(arm.entity_id)
            if entity is not None and entity.type in TOPIC_TYPES:
                about.setdefault(entity.id, []).append(unit)
    told = [
        (entity_id, facts)
        for entity_id, facts in sorted(about.items(), key=lambda kv: -len(kv[1]))
        if len(facts) >= config.topic_min_units
    ][: config.topics_per_batch]
    ids = [topic_id(namespace, entity_id) for entity_id, _ in told]
    previous = {s.id: s for s in store.get_summaries(namespace, ids)}
    out = []
    for sid, (entity_id, facts) in zip(ids, told, strict=True):
        out.append(_topic(namespace, entities[entity_id], facts, previous.get(sid), config))
    return out


def rebuilt_topic(
    namespace: str, entity: Entity, units: list[Unit], config: ConstructorConfig
) -> Summary | None:
    """The entity's topic summary written again from ``units`` alone, oldest first (after an
    erasure: nothing of the erased units survives); None when no unit is left."""
    facts = sorted(units, key=lambda u: u.recorded_at)
    return _topic(namespace, entity, facts, None, config) if facts else None


def _topic(
    namespace: str,
    entity: Entity,
    facts: list[Unit],
    old: Summary | None,
    config: ConstructorConfig,
) -> Summary:
    text = digest(
        entity.name, old.text if old else None, (u.text for u in facts), config.summary_chars
    )
    times = [u.valid_from or u.recorded_at for u in facts]
    if old is not None:
        times += [t for t in (old.span_from, old.span_to) if t]
    covered = list(
        dict.fromkeys((old.covers if old else []) + [e for u in facts for e in u.episode_ids])
    )
    return Summary(
        id=topic_id(namespace, entity.id),
        namespace=namespace,
        text=text,
        level=2,
        span_from=min(times),
        span_to=max(times),
        covers=covered[-text.count("\n") :],  # the turns behind the facts it still holds
    )
