"""The Refresher: targeted rewrites of exactly the units in conflict. Nothing is deleted:
duplicates merge provenance, updates supersede (the old unit keeps its text, gets valid_to,
expired_at and a reason), contradictions mark both units, retractions retire their targets."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ..decisions.rules import terms
from ..models import Edge, Episode, Unit, UnitStatus
from ..store.base import Batch, GraphStore, UnitUpdate
from ..timeutil import to_ms
from .judge import Review

_RETRACT = re.compile(
    r"^\s*(?:please\s+)?(?:forget|disregard|scratch|ignore)\s+"
    r"(?:that|this|what i (?:said|told you)(?: about)?|the (?:fact|part) that)\b[\s:,-]*(?P<target>.*)$",
    re.I,
)


def retraction_target(text: str) -> str | None:
    """For "forget that I live in Berlin" the target "I live in Berlin"; "" for a bare "scratch
    that"; None when the text retracts nothing."""
    m = _RETRACT.match(text)
    if m is None:
        return None
    return m.group("target").strip(" .!?")


class Refresher:
    def __init__(self, store: GraphStore) -> None:
        self.store = store

    def apply(self, namespace: str, batch: Batch, reviews: list[Review]) -> None:
        """Rewrite ``batch`` (new units) and add updates of stored units, per the Judge's reviews."""
        now = datetime.now(UTC)
        new = {u.id: u for u in batch.units}
        merged: dict[str, Unit] = {}
        for review in reviews:
            unit, verdict = review.unit, review.verdict
            old = review.existing
            if unit.id in merged or old is None:
                continue
            old = merged.get(old.id, old)
            if verdict.relation == "duplicate":
                merged[unit.id] = old
                self._merge(batch, new, unit, old)
            elif verdict.relation == "update":
                newer, older = (unit, old) if _later_or_same(unit, old) else (old, unit)
                newer.version = max(newer.version, older.version + 1)
                reason = f"superseded by {newer.id}: {verdict.reason or 'updated'}"
                self._retire(
                    batch, new, older, "superseded", reason, now, valid_to=newer.valid_from
                )
                batch.edges.append(
                    Edge(
                        type="SUPERSEDES",
                        src=newer.id,
                        dst=older.id,
                        props={"at": to_ms(now), "reason": verdict.reason, "by": "judge"},
                    )
                )
            elif verdict.relation == "contradiction":
                for a, b in ((unit, old), (old, unit)):
                    reason = f"conflicts with {b.id}: {verdict.reason or 'contradiction'}"
                    self._retire(batch, new, a, "conflicted", reason, now)
                batch.edges.append(
                    Edge(
                        type="CONFLICTS_WITH",
                        src=unit.id,
                        dst=old.id,
                        props={"at": to_ms(now), "reason": verdict.reason},
                    )
                )
        batch.units = [u for u in batch.units if u.id not in merged]

    def retract(self, namespace: str, batch: Batch, episodes: list[Episode]) -> None:
        """Episodes that say "forget that ...": retire the units they point at (and build none)."""
        now = datetime.now(UTC)
        new = {u.id: u for u in batch.units}
        for ep in episodes:
            target = retraction_target(ep.content)
            if target is None:
                continue
            batch.units = [u for u in batch.units if ep.id not in u.episode_ids]
            for unit in self._targets(namespace, ep, target, batch.units):
                reason = f"retracted by episode {ep.id}: {ep.content[:200]}"
                self._retire(batch, new, unit, "retracted", reason, now, valid_to=ep.occurred_at)
                batch.edges.append(
                    Edge(type="RETRACTS", src=ep.id, dst=unit.id, props={"at": to_ms(now)})
                )

    def _targets(self, namespace: str, ep: Episode, target: str, pending: list[Unit]) -> list[Unit]:
        if not target:  # "scratch that": the speaker's previous message, in this batch or stored
            if ep.seq is None:
                return []
            last = self.store.previous_episode(namespace, ep.seq, ep.speaker)
            if last is None:
                return []
            units = [u for u in pending if last.id in u.episode_ids]
            units = units or self.store.units_from_episodes(namespace, [last.id])
            return [u for u in units if u.status == "active"]
        wanted = _words(target)
        ids = [i for i, _ in self.store.text_search(namespace, "unit", target, 10)]
        found = [u for u in self.store.get_units(namespace, ids) if u.status == "active"]
        found += [u for u in pending if u.status == "active"]
        return [u for u in found if wanted and len(wanted & _words(u.text)) >= 0.6 * len(wanted)]

    def _merge(self, batch: Batch, new: dict[str, Unit], unit: Unit, old: Unit) -> None:
        if old.id in new:
            old.episode_ids = list(dict.fromkeys(old.episode_ids + unit.episode_ids))
            return
        batch.edges += [Edge(type="FROM", src=old.id, dst=e) for e in unit.episode_ids]

    @staticmethod
    def _retire(
        batch: Batch,
        new: dict[str, Unit],
        unit: Unit,
        status: UnitStatus,
        reason: str,
        now: datetime,
        valid_to: datetime | None = None,
    ) -> None:
        expired = now if status != "conflicted" else None
        if unit.id in new:
            unit.status, unit.reason = status, reason
            unit.valid_to = valid_to or unit.valid_to
            unit.expired_at = expired or unit.expired_at
            return
        unit.status = status
        batch.updates.append(
            UnitUpdate(
                id=unit.id,
                status=status,
                valid_to_ms=to_ms(valid_to),
                expired_at_ms=to_ms(expired),
                reason=reason,
            )
        )


def _words(text: str) -> set[str]:
    """The Judge's ``terms`` of ``text``, a predicate's parts as words: "live", "lives_in" and
    "living" meet."""
    return terms(text.replace("_", " "))


def _later_or_same(a: Unit, b: Unit) -> bool:
    """Whether ``a`` holds from ``b``'s start or later (valid time, then recording time). Of two
    plans, the one recorded later: a plan's valid time is the day it is for, and a meeting moved
    to an earlier day is still the newer plan."""
    if a.kind == b.kind == "plan":
        return a.recorded_at >= b.recorded_at
    epoch = datetime.min.replace(tzinfo=UTC)
    return (a.valid_from or epoch, a.recorded_at) >= (b.valid_from or epoch, b.recorded_at)
