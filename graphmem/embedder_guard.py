"""One embedder per namespace: vectors from two models cannot be compared."""

from __future__ import annotations

from .embed import Embedder
from .errors import EmbedderMismatchError
from .store.base import GraphStore


class EmbedderGuard:
    """Stops reads and writes of a namespace whose vectors come from another embedder than
    ``embedder``, which would rank memory by noise, and records the embedder on the first write.
    """

    def __init__(self, store: GraphStore, embedder: Embedder) -> None:
        self.store = store
        self.name = embedder.name
        self._confirmed: set[str] = set()

    def check(self, namespace: str) -> None:
        """Raise ``EmbedderMismatchError`` if the namespace holds another embedder's vectors."""
        if namespace not in self._confirmed:
            self._compare(namespace, self.store.embedder_of(namespace))

    def claim(self, namespace: str) -> None:
        """``check``, recording this embedder for a namespace that has none yet."""
        if namespace not in self._confirmed:
            self._compare(namespace, self.store.claim_embedder(namespace, self.name))

    def _compare(self, namespace: str, recorded: str | None) -> None:
        if recorded is None:
            return
        if recorded != self.name:
            raise EmbedderMismatchError(
                f"namespace {namespace!r} holds vectors from the embedder {recorded!r}, not "
                f"{self.name!r}: open it with that embedder (GRAPHMEM_EMBEDDER, --embedder or "
                "Memory(embedder=...)), or keep these memories in another namespace"
            )
        self._confirmed.add(namespace)
