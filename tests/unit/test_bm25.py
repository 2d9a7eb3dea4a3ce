"""FTS5's bm25 restated for a namespace: varints and the rescoring arithmetic."""

from __future__ import annotations

import numpy as np
import pytest

from graphmem.store.bm25 import K1, B, Corpus, idf, lengths, rescore, varint

VARINTS = [
    (b"\x00", 0),
    (b"\x7f", 127),
    (b"\x81\x00", 128),
    (b"\x82\x2c", 300),
    (b"\xff\x7f", 16_383),
    (b"\x81\x80\x00", 16_384),
    (b"\xff" * 9, 2**64 - 1),
]


@pytest.mark.parametrize(("blob", "value"), VARINTS)
def test_varints_read_as_sqlite_writes_them(blob, value):
    assert varint(blob + b"\x05") == (value, len(blob))
    assert varint(b"\x05" + blob, 1) == (value, len(blob) + 1)


@pytest.mark.parametrize("count", [0, 2, 5, 6])
def test_size_records_read_at_once_as_one_by_one(count):
    """One- and two-byte records (any mix) are read as arrays; a longer one sends all of them
    through ``varint``; either way each is its varint."""
    records = [blob for blob, _ in VARINTS[:count]] + [b"\x05"]
    expected = [varint(record)[0] for record in records]
    assert lengths(records).tolist() == expected
    assert lengths([]).tolist() == []


def _bm25(frequency: int, length: int, corpus: Corpus, matches: int) -> float:
    average = corpus.tokens / corpus.rows
    norm = K1 * (1 - B + B * length / average)
    return idf(corpus.rows, matches) * frequency * (K1 + 1) / (frequency + norm)


def test_a_score_restated_for_a_part_is_the_score_in_that_part_alone():
    table, part = Corpus(rows=1000, tokens=30_000), Corpus(rows=40, tokens=200)
    cases = [(1, 1), (1, 40), (3, 7), (12, 12)]  # (frequency, length)
    length = np.array([n for _, n in cases], np.float64)
    in_table = np.array([_bm25(f, n, table, matches=600) for f, n in cases])  # idf floored
    restated = rescore(in_table, length, table, idf(1000, 600), part, idf(40, 3))
    alone = [_bm25(f, n, part, matches=3) for f, n in cases]
    assert restated.tolist() == pytest.approx(alone, rel=1e-9)
    same = rescore(in_table, length, table, idf(1000, 600), table, idf(1000, 600))
    assert same.tolist() == pytest.approx(in_table.tolist(), rel=1e-12)
