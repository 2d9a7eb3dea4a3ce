"""FTS5's bm25 of one word, restated for a part of its table (a namespace).

FTS5 weighs a word by its rarity in the whole table and a row's length against the whole
table's average, so one tenant's writes would move another's scores. From FTS5's score of a row
for one word, the row's length and the table's counts, the word's frequency in the row follows;
from that, the score the row would get in a table of the namespace's rows alone. FTS5 fixes
k1 = 1.2 and b = 0.75 and stores row lengths and the table's totals as SQLite varints.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

K1 = 1.2
B = 0.75


def idf(rows: int, matches: int) -> float:
    """FTS5's idf of a word found in ``matches`` of ``rows`` rows (floored just above 0)."""
    return max(math.log((rows - matches + 0.5) / (matches + 0.5)), 1e-6)


def varint(blob: bytes, at: int = 0) -> tuple[int, int]:
    """The SQLite varint at ``at`` in ``blob`` and where the next one starts: seven bits a byte,
    high bit set while more follow; a ninth byte gives all eight."""
    value = 0
    for i in range(at, at + 8):
        byte = blob[i]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, i + 1
    return (value << 8) | blob[at + 8], at + 9


def lengths(sizes: Sequence[bytes]) -> np.ndarray:
    """The token counts in FTS5 size records (one varint each), read a whole array at once
    when each takes one or two bytes (rows under 16,384 tokens)."""
    size = np.fromiter(map(len, sizes), np.int64, len(sizes))
    if size.size and size.max() > 2:
        return np.array([varint(record)[0] for record in sizes], np.float64)
    data = np.frombuffer(b"".join(sizes), np.uint8).astype(np.int64)
    start = np.cumsum(size) - size
    first = data[start]
    second = data[np.minimum(start + 1, len(data) - 1)] if len(data) else first
    return np.where(size == 1, first, ((first & 0x7F) << 7) | second).astype(np.float64)


@dataclass(frozen=True)
class Corpus:
    """The rows and tokens that bm25's idf and average length are taken over."""

    rows: int
    tokens: int

    def norm(self, length: np.ndarray) -> np.ndarray:
        """bm25's length normalisation of rows of ``length`` tokens."""
        average = self.tokens / self.rows
        return K1 * (1 - B + B * length / average)


def rescore(
    score: np.ndarray,
    length: np.ndarray,
    table: Corpus,
    table_idf: float,
    part: Corpus,
    part_idf: float,
) -> np.ndarray:
    """FTS5's bm25 ``score`` of rows of ``length`` tokens for one word in ``table`` (whose idf
    for it is ``table_idf``), as they would be in ``part`` alone (idf ``part_idf``)."""
    saturation = score / table_idf  # tf (k1 + 1) / (tf + norm)
    frequency = saturation * table.norm(length) / (K1 + 1 - saturation)
    return part_idf * frequency * (K1 + 1) / (frequency + part.norm(length))
