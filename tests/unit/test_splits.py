from __future__ import annotations

import pytest

from graphmem.benchmarks.splits import pick


def test_tune_is_the_first_half_rounded_up_and_validate_the_rest():
    five, ten = list(range(5)), list(range(10))
    assert (pick(five, "tune"), pick(five, "validate")) == ([0, 1, 2], [3, 4])
    assert (pick(ten, "tune"), pick(ten, "validate")) == ([0, 1, 2, 3, 4], [5, 6, 7, 8, 9])
    assert pick(five, "all") == five and pick([], "validate") == []
    with pytest.raises(ValueError, match="split must be one of"):
        pick(five, "test")
