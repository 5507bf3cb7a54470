"""`tm history` and `tm resolve`: a passage's reviewed versions, picked by Arabic text or by a briefing's row."""

from __future__ import annotations

from pathlib import Path

from ..article import normalise_source
from ..errors import InputError
from ..memory import TranslationMemory
from ..memory_history import HistoryEntry, current_review, history, open_conflicts

EVENT_WORDS = {
    "stored": "stored",
    "kept": "kept",
    "conflict": "conflict, not stored",
    "superseded": "superseded, not stored",
}


def passage(arabic: str | None, briefing: Path | None, row: int | None) -> str:
    """The normalised Arabic the user means: given as text, or as row `row` of `briefing`."""
    if (arabic is None) == (briefing is None):
        raise InputError("name the passage either by its Arabic text or by --briefing FILE --row N")
    if briefing is not None:
        if row is None:
            raise InputError("--briefing needs --row N (the number in the briefing's # column)")
        from .docx import read_docx

        found = [r for r in read_docx(briefing).rows if r.number == row]
        if not found:
            raise InputError(f"{briefing}: has no row {row}")
        arabic = found[0].arabic
    source = normalise_source(arabic or "")
    if not source:
        raise InputError("the passage's Arabic text is empty")
    return source


def history_lines(memory: TranslationMemory, source: str) -> list[str]:
    """The passage, its current reviewed English, any open conflict, then every version, oldest first."""
    past = history(memory, source)
    if not past:
        raise InputError(f"no reviewed English for this passage in {memory.path}: {_short(source)}")
    current = current_review(memory, source)
    lines = [f"passage: {_short(source)}"]
    lines.append(f"current: “{current.target}” ({_who(current)})" if current else "current: not reviewed")
    pending = open_conflicts(memory, [source]).get(source, [])
    if pending:
        ids = ", ".join(f"#{h.id}" for h in pending)
        lines.append(f"open conflict: {ids}; settle it with `tm resolve ... --keep` or `--take ID`")
    for entry in past:
        lines.append(
            f"#{entry.id} {EVENT_WORDS.get(entry.event, entry.event)}: “{entry.target}” — {_who(entry)}; "
            f"from {Path(entry.file).name or 'unknown file'}"
            + (f" (sha256 {entry.file_sha256[:12]})" if entry.file_sha256 else "")
            + (f", row {entry.row}" if entry.row else "")
            + f"; recorded {entry.recorded_at}"
        )
    return lines


def _who(entry: HistoryEntry) -> str:
    return f"{entry.author or 'unknown reviewer'}, {entry.made_at or 'time unknown'}"


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
