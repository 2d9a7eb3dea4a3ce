"""Text normalisation shared by extraction, resolution and search."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .errors import InvalidInputError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|\n+|;\s+")
_KEY_JUNK = re.compile(r"[^\w\s&+#.-]")
_PROSE_TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-])*[.,!?:;]?|\d[\d.,]*%?[.,]?")
"""A word or a number, with the punctuation that may follow it in prose."""
STOP_WORDS = frozenset(
    """a an the and or not no of to in on at by for with from as is are was were be been being
    am i me my we our you your he him his she her it its they them their this that these
    those what which who whom whose when where why how do does did doing have has had having
    will would shall should can could may might must there here than then so if but about
    into over after before up down out off again just also too very any all some each other
    such only own same both few more most s t don ve ll re d m""".split()
)


_CONTRACTIONS = ("s", "m", "re", "ve", "ll", "d", "t")
_LEMMA_ORDER = ("VERB", "AUX", "NOUN", "ADJ", "ADV")
"""Which dictionary form a word gets when it has several: a verb's first, so "painting",
"painted" and "paints" all meet "paint" and "lives" meets "live"."""


@lru_cache(maxsize=65_536)
def lemma(word: str) -> str:
    """``word``'s dictionary form from LemmInflect's English tables, lower-cased, a possessive or
    contraction dropped: "parties" gives "party", "felt" "feel", "children" "child". A stop
    word, and a word the tables do not know (a name), stays as it is."""
    from lemminflect import getAllLemmas  # its tables load on first use

    word = word.lower().replace("’", "'").strip("'-")
    head, _, tail = word.partition("'")
    if tail in _CONTRACTIONS:
        word = head
    if word in STOP_WORDS:
        return word
    forms = getAllLemmas(word)
    return next((forms[pos][0] for pos in _LEMMA_ORDER if forms.get(pos)), word)


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """``lemma`` cut further by the Snowball English stemmer, so derived forms meet as well:
    "weekly" meets "week", "organization" meets "organize". For matching, not for display."""
    from snowballstemmer import stemmer

    base = lemma(word)
    return base if base in STOP_WORDS else stemmer("english").stemWord(base)


def query_terms(text: str) -> list[str]:
    """The searchable words of free text: lower-cased, deduplicated, stop words dropped.

    Used to build full-text queries from user input without passing any of its syntax through.
    """
    seen: dict[str, None] = {}
    for word in re.findall(r"\w+", text.lower()):
        if word not in STOP_WORDS and word not in seen:
            seen[word] = None
    return list(seen)


def check_text(text: object, what: str = "text", max_chars: int | None = None) -> str:
    """Return ``text`` if it can be stored; raise ``InvalidInputError`` saying why not."""
    if not isinstance(text, str):
        raise InvalidInputError(f"{what} must be a string, not {type(text).__name__}")
    if not text.strip():
        raise InvalidInputError(f"{what} is empty")
    if max_chars is not None and len(text) > max_chars:
        raise InvalidInputError(
            f"{what} has {len(text):,} characters; the limit is {max_chars:,} "
            "(split it, or use add_document(), which chunks long text)"
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInputError(
            f"{what} is not valid Unicode: {exc.reason} at {exc.start}"
        ) from None
    return text


def check_label(value: object, what: str, max_chars: int = 1024) -> str | None:
    """Return a speaker, session or source id (or None) if it can be stored; raise
    ``InvalidInputError`` saying why not."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInputError(f"{what} must be a string, not {type(value).__name__}")
    if len(value) > max_chars:
        raise InvalidInputError(f"{what} has {len(value):,} characters; the limit is {max_chars:,}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInputError(
            f"{what} is not valid Unicode: {exc.reason} at {exc.start}"
        ) from None
    return value


def clean(text: str) -> str:
    """NFKC-normalised text with control characters removed and whitespace collapsed."""
    return _SPACE.sub(" ", _CONTROL.sub(" ", unicodedata.normalize("NFKC", text))).strip()


def sentences(text: str) -> list[str]:
    """Split text into sentences (and ``;``-separated clauses)."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFKC", text))
    return [s for s in (_SPACE.sub(" ", part).strip() for part in _SENTENCE_END.split(text)) if s]


def reads_as_code(clause: str) -> bool:
    """Whether fewer than half of ``clause``'s tokens are words or numbers, as in
    ``app = Flask(__name__)`` or ``print(sum(latency))``; prose ("I set the limit to 100
    requests/minute.") reads as prose."""
    tokens = clause.split()
    prose = sum(bool(_PROSE_TOKEN.fullmatch(t)) for t in tokens)
    return bool(tokens) and prose < len(tokens) / 2


_PAST_AUXILIARY = re.compile(r"\b(?:did|was|were|had)\b", re.I)


def asks_about_past(question: str) -> bool:
    """Whether a question asks what happened, by its past-tense auxiliary ("What did I buy in
    May?", "Where was she in June?"), so a day or month it names without a year is the last
    one, not the next."""
    return bool(_PAST_AUXILIARY.search(question))


def is_question(text: str) -> bool:
    """Whether ``text`` ends by asking (a question mark, closing quotes and brackets aside)."""
    return text.rstrip().rstrip("\"'”’)]").endswith(("?", "？", "؟"))


@lru_cache(maxsize=65_536)
def canonical(name: str) -> str:
    """The key two mentions of one entity share: lower case, no punctuation, no leading article."""
    key = re.sub(r"'s\b", "", clean(name).lower().replace("’", "'"))
    key = _KEY_JUNK.sub(" ", key)
    key = _SPACE.sub(" ", key).strip(" .-")
    return re.sub(r"^(the|a|an) ", "", key)
