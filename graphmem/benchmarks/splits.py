"""Tune and validate splits: measure on data the rules were not tuned on.

One rule for every benchmark, with no dataset ids: the first half of the items (conversations,
chats in numeric order, questions), rounded up, is **tune**; the rest is **validate**. On the
shared data this is LoCoMo's first three conversations / last two, BEAM 100K chats 1-5 / 6-10 and
HotpotQA's first 50 / last 50 questions; a folder that is validate only (BEAM 500K) runs with
``all``.
"""

from __future__ import annotations

from typing import TypeVar

SPLITS = ("tune", "validate", "all")
T = TypeVar("T")


def pick(items: list[T], split: str) -> list[T]:
    """The ``split`` part of ``items`` (in their order)."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if split == "all":
        return list(items)
    half = (len(items) + 1) // 2
    return items[:half] if split == "tune" else items[half:]
