"""graphmem: long-term memory for LLM agents on a temporal entity hypergraph."""

from .config import Config, ConstructorConfig, RetrievalConfig
from .embed import Embedder, HashEmbedder, SentenceTransformerEmbedder
from .errors import (
    EmbedderMismatchError,
    GraphmemError,
    InvalidInputError,
    NotFoundError,
    StoreClosedError,
    StoreUnavailableError,
)
from .memory import AsyncMemory, Memory
from .models import Entity, Episode, Erasure, Hit, Ingested, Stats, Summary, Unit
from .retrieval.filters import SearchFilter

__all__ = [
    "AsyncMemory",
    "Config",
    "ConstructorConfig",
    "Embedder",
    "EmbedderMismatchError",
    "Entity",
    "Episode",
    "Erasure",
    "GraphmemError",
    "HashEmbedder",
    "Hit",
    "Ingested",
    "InvalidInputError",
    "Memory",
    "NotFoundError",
    "RetrievalConfig",
    "SearchFilter",
    "SentenceTransformerEmbedder",
    "Stats",
    "StoreClosedError",
    "StoreUnavailableError",
    "Summary",
    "Unit",
]
__version__ = "0.1.0"
