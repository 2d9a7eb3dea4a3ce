"""The model client: the ``LLM`` protocol, its ``Usage``, and ``OpenAICompatibleLLM``."""

from .base import LLM, Usage

__all__ = ["LLM", "Usage"]
