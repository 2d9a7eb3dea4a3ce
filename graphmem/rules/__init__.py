"""The zero-LLM language layer: what a statement says, read from a maintained parser's output
(spaCy's English pipeline) instead of from phrase lists.

``read(text)`` gives a ``Reading``: the measures the text gives values to (``measures``) and the
deeds it states or denies (``deeds``). Texts are parsed once (a bounded cache) and only when
they can hold either: a number, or a negation.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from .deeds import Deed, deeds
from .measures import Measure, measures
from .nlp import ParserError, parse

__all__ = ["Deed", "Measure", "ParserError", "Reading", "read", "read_all"]

_MAY_MEASURE = re.compile(
    r"(?<![\w.\-/])[$€£]?\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"twenty)\b",
    re.I,
)
"""A number standing alone ("45 sources", "$300", "April 5"), not one inside a name ("v2",
"OAuth2", "h264")."""
_MAY_DENY = re.compile(r"\b(?:not|never|no)\b|n['’]t\b", re.I)
_OWN = frozenset({"i", "me", "my", "mine", "myself", "our", "ours"})
CACHE_SIZE = 16_384
"""Readings kept: a batch compares each new statement with earlier ones read before."""


@dataclass(frozen=True)
class Reading:
    """What the parser reads in a statement."""

    measures: tuple[Measure, ...] = ()
    deeds: tuple[Deed, ...] = ()
    own: bool = False
    """It speaks of the speaker's own things or doings ("I", "my", "our"), not of an example."""

    @property
    def denials(self) -> tuple[Deed, ...]:
        return tuple(d for d in self.deeds if d.denied)


_EMPTY = Reading()
_cache: OrderedDict[str, Reading] = OrderedDict()
_lock = threading.Lock()


def read(text: str, every: bool = False) -> Reading:
    """The reading of one text (parsed on first use); see ``read_all``."""
    return read_all([text], every)[0]


def read_all(texts: Iterable[str], every: bool = False) -> list[Reading]:
    """The readings of ``texts``, in order; the texts not read before are parsed together. A
    text with no number and no negation is parsed only for ``every`` (to find the deed a
    denial denies): it can give no measure a value and deny nothing."""
    texts = list(texts)
    with _lock:
        known = {t: _cache[t] for t in texts if t in _cache}
    todo = list(dict.fromkeys(t for t in texts if t not in known and (every or _worth_parsing(t))))
    if not todo:
        return [known.get(t, _EMPTY) for t in texts]
    for text, doc in zip(todo, parse(todo), strict=True):
        own = any(t.lower_ in _OWN for t in doc)
        known[text] = Reading(tuple(measures(doc)), tuple(deeds(doc)), own)
    with _lock:
        for text in todo:
            _cache[text] = known[text]
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return [known.get(t, _EMPTY) for t in texts]


def _worth_parsing(text: str) -> bool:
    """Whether ``text`` can give a measure a value or deny a deed; any other text can still
    state a deed, which matters only beside a denial (``read`` it then)."""
    return bool(_MAY_MEASURE.search(text) or _MAY_DENY.search(text))
