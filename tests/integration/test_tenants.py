"""bench/tenants.py: a namespace ranks the same alone and beside other tenants."""

from __future__ import annotations

import json

from tests.conftest import load_file
from tests.locomo_data import conversation

tenants = load_file("bench/tenants.py", "bench_tenants")


MAY = "9:00 am on 1 May, 2023"
SAID = [
    "I ran a marathon.",  # short: first by the turns' own average length
    "marathon marathon went through the old town with friends cheering at every corner while "
    "rain fell",  # said twice: first by a long-winded table's average length
    "See you soon.",
    "Lunch was great today.",
    "The weather is nice.",
    "I bought new shoes.",
    "My sister called.",
    "We watched a film.",
    "The cat is asleep.",
    "Tea or coffee?",
]
WATCHED = conversation(
    "conv-x",
    [(MAY, [("Ben", text) for text in SAID])],
    [{"question": "marathon", "evidence": ["D1:1"], "category": 4}],
)
LONG_WINDED = conversation(
    "conv-z", [(MAY, [("Ben", " ".join(f"w{j}" for j in range(120)))] * 6)], []
)


def test_a_namespace_ranks_the_same_alone_and_beside_a_long_winded_tenant(tmp_path, capsys):
    data = tmp_path / "locomo.json"
    data.write_text(json.dumps([WATCHED, LONG_WINDED]))
    out = tmp_path / "tenants.json"
    args = ["--data", str(data), "--embedder", "hash", "--watch", "0", "--json", str(out)]
    assert tenants.main(args) == 0
    (report,) = json.loads(out.read_text())
    assert (report["namespace"], report["questions"]) == ("conv-x", 1)
    assert report["same_top10"] == 1.0
    assert report["recall@10"] == {"alone": 1.0, "shared": 1.0}
    assert report["search_ms_p50"]["shared"] > 0
