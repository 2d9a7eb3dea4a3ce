"""The agents' decisions: deterministic rules (``ZeroLLM``) or a model (``PromptedDecisions`` over
an ``LLM`` such as ``OpenAICompatibleLLM``)."""

from .base import LLM, Decisions, Extraction, MentionDraft, UnitDraft, Usage
from .zero import ZeroLLM

__all__ = ["LLM", "Decisions", "Extraction", "MentionDraft", "UnitDraft", "Usage", "ZeroLLM"]
