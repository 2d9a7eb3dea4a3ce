"""The agents' decisions: deterministic rules (``ZeroLLM``) or a model (``PromptedDecisions``
over an ``LLM`` such as ``OpenAICompatibleLLM``)."""

from .base import Decisions, Extraction, MentionDraft, UnitDraft
from .zero import ZeroLLM

__all__ = ["Decisions", "Extraction", "MentionDraft", "UnitDraft", "ZeroLLM"]
