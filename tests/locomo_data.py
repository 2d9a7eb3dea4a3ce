"""Conversations in LoCoMo's format for the bench tests: turns ``D<session>:<n>``."""

from __future__ import annotations

from typing import Any


def conversation(
    sample_id: str, sessions: list[tuple[str, list[tuple[str, str]]]], qa: list[dict[str, Any]]
) -> dict[str, Any]:
    """A sample of ``sessions`` (each its date line and its (speaker, text) turns) and ``qa``."""
    said: dict[str, Any] = {"speaker_a": "Ana", "speaker_b": "Ben"}
    for number, (date, turns) in enumerate(sessions, 1):
        said[f"session_{number}_date_time"] = date
        said[f"session_{number}"] = [
            {"speaker": speaker, "dia_id": f"D{number}:{i}", "text": text}
            for i, (speaker, text) in enumerate(turns, 1)
        ]
    return {"sample_id": sample_id, "conversation": said, "qa": qa}
