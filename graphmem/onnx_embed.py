"""all-MiniLM-L6-v2 on ONNX Runtime: the packaged model exported once to an ONNX file (optionally
int8-quantized) in a local cache, then run without torch.

The export needs torch and transformers (both installed with graphmem) the first time only;
later processes load the cached file, so a run that only embeds never imports torch.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import ClassVar

import numpy as np
from tqdm import tqdm

from .embed import Span, packaged_model_path, pool_spans, unit_rows
from .errors import GraphmemError


def cache_dir() -> Path:
    """Where exported models live: ``GRAPHMEM_CACHE_DIR``, else ``~/.cache/graphmem``; the
    system's temporary folder when that cannot be created (a read-only home)."""
    root = Path(os.environ.get("GRAPHMEM_CACHE_DIR") or Path.home() / ".cache" / "graphmem")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:
        root = Path(tempfile.gettempdir()) / f"graphmem-{os.getuid()}"
        root.mkdir(parents=True, exist_ok=True)
    return root


class OnnxEmbedder:
    """MiniLM through ONNX Runtime: the torch model's vectors (to 1e-6) at about 1.2x its
    encoder throughput on 2 CPU cores, and no torch import once exported. ``quantized`` uses
    int8 weights: 1.3-1.7x by CPU, vectors within cosine 0.98 of the model's (retrieval a little
    worse: LoCoMo recall@10 0.681 against 0.688)."""

    dim = 384
    _sessions: ClassVar[dict[str, tuple[object, object]]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self, model_path: str | None = None, quantized: bool = False, batch_tokens: int = 256
    ) -> None:
        self.model_path = model_path
        self.quantized = quantized
        self.batch_tokens = batch_tokens
        """Tokens (padding included) per encoder run: about 6 turns of a chat, 60 entity names.
        Small batches of long texts and large ones of short texts both run faster on a CPU than
        a fixed batch size (LoCoMo turns +12%, names +50% against 16 texts a batch)."""
        self.name = "all-MiniLM-L6-v2"
        """int8 weights give the same model's vectors to cosine 0.99: one store serves both."""

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return unit_rows(np.stack([tokens.mean(axis=0) for tokens, _ in self._tokens(texts)]))

    def embed_spans(
        self, texts: list[str], spans: list[list[Span]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Like ``SentenceTransformerEmbedder.embed_spans``: one pass per text, each span pooled
        from the text's contextual token embeddings."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32), []
        return pool_spans(self._tokens(texts), spans)

    def _tokens(self, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per text: its token embeddings (special tokens included) and their character
        offsets, in input order; texts run in batches of similar length (little padding)."""
        encoders, tokenizer = self._session()
        encodings = tokenizer.encode_batch(texts)
        lengths = [len(e.ids) for e in encodings]
        order = sorted(range(len(texts)), key=lengths.__getitem__)
        batches = list(token_batches(order, lengths, self.batch_tokens))
        feeds = []
        for chunk in batches:
            ids = np.zeros((len(chunk), lengths[chunk[-1]]), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, i in enumerate(chunk):
                ids[row, : lengths[i]] = encodings[i].ids
                mask[row, : lengths[i]] = 1
            feeds.append(
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )
        out: list[tuple[np.ndarray, np.ndarray]] = [None] * len(texts)  # type: ignore[list-item]
        for chunk, hidden in zip(batches, encoders.run(feeds), strict=True):
            for row, i in enumerate(chunk):
                out[i] = (hidden[row, : lengths[i]], np.asarray(encodings[i].offsets, np.int64))
        return out

    def _session(self) -> tuple:
        path = self.model_path or packaged_model_path()
        key = f"{path}|{self.quantized}"
        with self._lock:
            if key not in self._sessions:
                try:
                    import onnxruntime as ort
                    from tokenizers import Tokenizer
                except ImportError as exc:  # pragma: no cover - a broken install
                    raise GraphmemError(f"onnxruntime is not installed: {exc}") from exc
                encoders = Encoders(ort, exported_model(Path(path), self.quantized))
                max_len = json.loads((Path(path) / "sentence_bert_config.json").read_text())[
                    "max_seq_length"
                ]
                tokenizer = Tokenizer.from_file(str(Path(path) / "tokenizer.json"))
                tokenizer.no_padding()
                tokenizer.enable_truncation(max_len)
                self._sessions[key] = (encoders, tokenizer)
            return self._sessions[key]


class Encoders:
    """Copies of one ONNX model, each on its share of the cores, running a call's batches side by
    side: on 2 cores two single-thread copies encode about 1.2x what one two-thread copy does
    (small matrices split poorly across threads), for about 100 MB more memory and a single
    query embedded 1-2 ms slower."""

    MAX_COPIES = 2

    def __init__(self, ort, model_file: Path) -> None:
        cores = (
            len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        ) or 1
        copies = min(cores, self.MAX_COPIES)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = cores // copies
        self._free: queue.SimpleQueue = queue.SimpleQueue()
        for _ in range(copies):
            self._free.put(
                ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
            )
        self._pool = ThreadPoolExecutor(copies, "graphmem-encoder") if copies > 1 else None

    def run(self, feeds: list[dict[str, np.ndarray]]) -> list[np.ndarray]:
        """The model's first output for each feed, in order."""
        if self._pool is None or len(feeds) == 1:
            return [self._run(feed) for feed in feeds]
        return list(self._pool.map(self._run, feeds))

    def _run(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        session = self._free.get()  # a copy no other batch is using
        try:
            return session.run(None, feed)[0]
        finally:
            self._free.put(session)


def token_batches(order: list[int], lengths: list[int], budget: int) -> Iterator[list[int]]:
    """``order`` (text positions, shortest first) cut into batches whose padded size, count
    times longest, stays within ``budget`` tokens; a longer text runs alone."""
    batch: list[int] = []
    for i in order:
        if batch and (len(batch) + 1) * lengths[i] > budget:
            yield batch
            batch = []
        batch.append(i)
    if batch:
        yield batch


def exported_model(model_dir: Path, quantized: bool) -> Path:
    """The cached ONNX file for the model in ``model_dir``, exported (and quantized) on first
    use. The file name carries a digest of the weights, so a new model gets a new file."""
    digest = hashlib.sha256((model_dir / "model.safetensors").read_bytes()).hexdigest()[:16]
    root = cache_dir()
    target = root / f"minilm-{digest}{'-int8' if quantized else ''}.onnx"
    if target.exists():
        return target
    fp32 = root / f"minilm-{digest}.onnx"
    steps: list[tuple[Path, Callable[[Path], None]]] = []
    if not fp32.exists():
        steps.append((fp32, partial(_export, model_dir)))
    if quantized:
        steps.append((target, partial(_quantize, fp32)))
    with tqdm(steps, desc="preparing MiniLM for ONNX Runtime (once)", file=sys.stderr) as bar:
        for out, write in bar:
            _atomic(out, write)
    return target


def _atomic(target: Path, write) -> None:
    """Write ``target`` through a temporary file in its folder, so concurrent processes never
    see a partial model."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".onnx.tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _export(model_dir: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    example = tuple(torch.ones((2, 8), dtype=torch.int64) for _ in names)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Encoder(),
            example,
            str(out),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
            opset_version=17,
            dynamo=False,
        )


def _quantize(fp32: Path, out: Path) -> None:
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantizer logs advice on the root logger
    try:
        quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.setLevel(level)
