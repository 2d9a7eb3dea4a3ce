"""The default embedder: MiniLM exported to ONNX once, then run without torch. Its vectors must
be the sentence-transformers model's, span pooling included; the int8 variant stays close."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from graphmem import SentenceTransformerEmbedder
from graphmem.embed import HashEmbedder, default_embedder, make_embedder
from graphmem.errors import GraphmemError
from graphmem.onnx_embed import OnnxEmbedder, cache_dir, token_batches

TEXTS = [
    "I moved to Berlin in March.",
    "Priya went to the community garden meeting yesterday; it was powerful.",
    "naïve café — ünïcödé ✓ and emoji 🎉",
    "word " * 400,  # longer than the model's 256-token window
]


@pytest.fixture(scope="module")
def torch_model() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


def test_onnx_vectors_equal_the_torch_model(torch_model, minilm) -> None:
    assert isinstance(minilm, OnnxEmbedder) and not minilm.quantized
    got, want = minilm.embed(TEXTS), torch_model.embed(TEXTS)
    assert got.dtype == np.float32 and got.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert (got * want).sum(axis=1).min() > 0.9999
    spans = [[((0, 8),), ((3, 12), (14, 20))] for _ in TEXTS]
    whole, parts = minilm.embed_spans(TEXTS, spans)
    want_whole, want_parts = torch_model.embed_spans(TEXTS, spans)
    assert (whole * want_whole).sum(axis=1).min() > 0.9999
    for a, b in zip(parts, want_parts, strict=True):
        assert (a * b).sum(axis=1).min() > 0.9999
    assert minilm.embed([]).shape == (0, 384)


def test_texts_batched_by_length_keep_their_order_and_vectors(minilm) -> None:
    texts = [f"Note {i}: " + "the quick brown fox jumps " * (i % 7) for i in range(40)] + TEXTS
    together = minilm.embed(texts)
    alone = np.stack([minilm.embed([t])[0] for t in texts])
    assert (together * alone).sum(axis=1).min() > 0.9999


def test_threads_embedding_at_once_get_their_own_vectors(minilm) -> None:
    lists = [[f"Thread {n} says item {i} " * (1 + i % 5) for i in range(30)] for n in range(4)]
    want = [minilm.embed(texts) for texts in lists]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(minilm.embed, lists))
    for a, b in zip(got, want, strict=True):
        assert (a * b).sum(axis=1).min() > 0.9999


def test_batches_stay_within_their_token_budget() -> None:
    lengths = [3, 40, 5, 300, 12, 12, 40, 4]
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    batches = list(token_batches(order, lengths, 64))
    assert [i for b in batches for i in b] == order
    assert batches[-1] == [3]  # longer than the budget: alone
    for batch in batches[:-1]:
        assert len(batch) * max(lengths[i] for i in batch) <= 64
    assert len(batches) == 4  # [3, 4, 5, 12, 12], [40], [40], [300]


def test_int8_export_is_cached_and_close(tmp_path, monkeypatch, torch_model) -> None:
    monkeypatch.setenv("GRAPHMEM_CACHE_DIR", str(tmp_path))
    vectors = make_embedder("minilm-int8").embed(TEXTS[:3])
    files = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    assert len(files) == 2 and sum(n.endswith("-int8.onnx") for n in files) == 1  # fp32 + int8
    OnnxEmbedder._sessions.clear()  # as a new process would: load the files, export nothing
    again = make_embedder("minilm-int8").embed(TEXTS[:3])
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == files
    assert np.allclose(vectors, again, atol=1e-6)
    assert (vectors * torch_model.embed(TEXTS[:3])).sum(axis=1).min() > 0.95


def test_embedding_after_the_export_never_imports_torch(minilm) -> None:
    """``minilm`` has exported the model already; a new process only loads it."""
    code = (
        "import sys; from graphmem.embed import default_embedder; "
        "v = default_embedder().embed(['hello']); "
        "assert v.shape == (1, 384); assert 'torch' not in sys.modules, 'torch imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_an_unusable_cache_folder_falls_back_to_the_temporary_folder(tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("GRAPHMEM_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    assert cache_dir() == tmp_path / "tmp" / f"graphmem-{os.getuid()}"
    assert cache_dir().is_dir()


def test_embedder_names(monkeypatch) -> None:
    monkeypatch.setenv("GRAPHMEM_EMBEDDER", "hash")
    assert isinstance(default_embedder(), HashEmbedder)
    monkeypatch.delenv("GRAPHMEM_EMBEDDER")
    assert isinstance(default_embedder(), OnnxEmbedder)
    with pytest.raises(GraphmemError, match="unknown embedder 'bert'"):
        make_embedder("bert")
