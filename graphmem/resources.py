"""Packaged resources: the Cypher files and the agents' prompts (top-level folders in the repo,
``graphmem/_resources/`` in the wheel)."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path

_BLOCK = re.compile(r"^// name: *(\w+) *$", re.M)


def resource_dir(name: str) -> Path:
    """The folder of packaged resource ``name`` ("cypher" or "agents")."""
    packaged = Path(str(resources.files("graphmem"))) / "_resources" / name
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / name  # editable install / source tree
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"graphmem resource folder {name!r} is missing from the install")


def parse_statements(text: str) -> dict[str, str]:
    """Named blocks of a .cypher file: ``// name: x`` starts block x; other comments are dropped."""
    names = _BLOCK.split(text)[1:]
    statements: dict[str, str] = {}
    for name, body in zip(names[::2], names[1::2], strict=True):
        lines = [ln for ln in body.splitlines() if not ln.lstrip().startswith("//")]
        statements[name] = "\n".join(lines).strip()
    return statements


@cache
def cypher(file: str) -> dict[str, str]:
    """The named statements of ``cypher/<file>.cypher``."""
    return parse_statements((resource_dir("cypher") / f"{file}.cypher").read_text("utf-8"))


@cache
def all_cypher() -> dict[str, dict[str, str]]:
    """Every packaged .cypher file, by file stem."""
    return {p.stem: cypher(p.stem) for p in sorted(resource_dir("cypher").glob("*.cypher"))}


_PROMPT_SECTION = re.compile(r"^=== *(\w+) *===$", re.M)
_PROMPT_VERSION = re.compile(r"^version: *(\d+)", re.M)


@cache
def prompts(agent: str) -> tuple[int, dict[str, str]]:
    """``agents/<agent>.md``: its version and its named prompts (``=== name ===`` starts one)."""
    text = (resource_dir("agents") / f"{agent}.md").read_text("utf-8")
    return parse_prompts(text, f"agents/{agent}.md")


def parse_prompts(text: str, where: str) -> tuple[int, dict[str, str]]:
    """The version and the named prompts of a prompt file's ``text`` (read from ``where``)."""
    version = _PROMPT_VERSION.search(text)
    if version is None:
        raise ValueError(f"{where} has no 'version: N' line")
    parts = _PROMPT_SECTION.split(text)[1:]
    return int(version.group(1)), {
        n: b.strip() for n, b in zip(parts[::2], parts[1::2], strict=True)
    }
