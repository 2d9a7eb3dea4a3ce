"""Extraction back-ends: the deterministic zero-LLM extractor (LLM-driven ones plug in here)."""

from .base import Extractor, MentionDraft, UnitDraft
from .zero import ZeroExtractor

__all__ = ["Extractor", "MentionDraft", "UnitDraft", "ZeroExtractor"]
