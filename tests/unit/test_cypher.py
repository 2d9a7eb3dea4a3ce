"""Every Cypher statement graphmem ships is checked by Neo4j's own parser and semantic analysis."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from graphmem.models import Edge, Entity, Episode, Summary, Unit
from graphmem.resources import all_cypher, parse_statements
from graphmem.store.base import EDGE_ENDPOINTS
from tests.conftest import REPO

LINTER = REPO / "tools" / "cypherlint"
LABELS = ["Episode", "Entity", "Unit", "Summary", "Namespace", "Alias", "Erasure"]
REL_TYPES = [*EDGE_ENDPOINTS, "ALIAS_OF"]
EXTRA_KEYS = [
    "keys",
    "search_text",
    "seq",
    "version",
    "erasures",
    "embedder",
    "key",
    "label",
    "erased_at",
    "role",
    "embedding",
    "name",
    "entity_id",
    "at",
    "by",
]  # entity_id: a key of the rows sent


def schema() -> dict:
    keys = set(EXTRA_KEYS)
    for model in (Episode, Entity, Unit, Summary, Edge):
        keys.update(model.model_fields)
    return {"labels": LABELS, "relationshipTypes": REL_TYPES, "propertyKeys": sorted(keys)}


def lint(statements: dict[str, str]) -> dict[str, list[dict]]:
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed: the Cypher check needs it")
    if not (LINTER / "node_modules").is_dir():
        pytest.fail(f"the Cypher linter is not installed: run `npm ci --prefix {LINTER}`")
    out = subprocess.run(
        ["node", str(LINTER / "lint.mjs")],
        input=json.dumps({"schema": schema(), "statements": statements}),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(out.stdout)


def test_every_shipped_statement_parses_and_names_only_known_schema():
    statements = {f"{f}:{n}": s for f, block in all_cypher().items() for n, s in block.items()}
    assert len(statements) > 50
    report = lint(statements)
    problems = {name: diags for name, diags in report.items() if diags}
    assert problems == {}


def test_the_check_catches_broken_statements():
    report = lint(
        {
            "syntax": "MATCH (n:Unit RETURN n",
            "label": "MATCH (n:Unti {namespace: $namespace}) RETURN n.id",
            "function": "RETURN db.index.vector.queryNodez($i, 1, $v)",
            "ok": "MATCH (n:Unit {namespace: $namespace}) RETURN n.id",
        }
    )
    assert report["syntax"][0]["severity"] == "error"
    assert report["label"] and report["function"]
    assert report["ok"] == []


def test_every_statement_is_parameterised_and_namespace_scoped():
    for file, block in all_cypher().items():
        for name, statement in block.items():
            assert "{{" not in statement and "%s" not in statement, name
            if file == "read" and name not in ("namespaces",) and "stats" not in name:
                assert "$namespace" in statement, f"{file}:{name} reads across namespaces"


def test_named_blocks_parse():
    text = "// header\n// name: a\nMATCH (n) RETURN n\n// a comment\n\n// name: b\nRETURN 1\n"
    assert parse_statements(text) == {"a": "MATCH (n) RETURN n", "b": "RETURN 1"}
