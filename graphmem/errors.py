"""The exceptions graphmem raises; every one is a ``GraphmemError``."""


class GraphmemError(Exception):
    """Base class of every graphmem error."""


class InvalidInputError(GraphmemError, ValueError):
    """The caller passed something graphmem cannot store or answer (empty text, bad time, ...).
    For a list of messages, ``position`` is the index of the bad one and ``reason`` what is
    wrong with it."""

    def __init__(self, message: str, position: int | None = None, reason: str | None = None):
        super().__init__(message)
        self.position = position
        self.reason = reason or message


class StoreClosedError(GraphmemError):
    """The store (or the Memory that owns it) was closed."""


class StoreUnavailableError(GraphmemError):
    """The database cannot be reached (a Neo4j server that does not answer, a locked file...)."""


class NotFoundError(GraphmemError, KeyError):
    """An id or namespace that memory does not hold."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable.
        return str(self.args[0]) if self.args else "not found"


class LLMError(GraphmemError):
    """The language model could not be reached or kept answering with unusable output."""


class InvalidReplyError(LLMError):
    """The model's reply stayed unusable after a repair round (not the schema, or citing an item
    that does not exist): a smaller request may go better."""


class ReplyTooLongError(LLMError):
    """The model's reply reached the token limit before it ended: asking again for the same
    output cannot help, asking for less can."""


class EmbedderMismatchError(GraphmemError):
    """A namespace's vectors come from another embedder than the one asked to read or extend
    them: comparing the two would rank memory by noise."""
