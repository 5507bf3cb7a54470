"""Reading reviewed files back: which rows a reviewer changed, and which cannot be matched.

`read_review(path)` only reads; it never touches the translation memory (`translate-tool review
import` hands the changes to `memory_history.record_reviews` in one transaction).

- `core.py`: the format-neutral part: rows read back, matched to the rows as exported, judged;
- `docx.py`: the reader for briefings edited in Word or LibreOffice;
- `ooxml.py`: the read side of WordprocessingML the DOCX reader is built on;
- `xliff.py`: the reader for XLIFF briefings reviewed in a CAT tool (memoQ, Trados, OmegaT).

A reader for another format returns a `core.ReviewDocument`; `classify` does the rest.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .core import (
    ARABIC_EDITED,
    DUPLICATE_KEY,
    ENGLISH_DELETED,
    ROW_ADDED,
    ROW_REMOVED,
    ChangedRow,
    ExportedRow,
    Provenance,
    ReadRow,
    ReviewDocument,
    ReviewResult,
    UnmatchedRow,
    classify,
)

if TYPE_CHECKING:
    from ..memory_history import ReviewCounts

__all__ = [
    "ARABIC_EDITED",
    "DUPLICATE_KEY",
    "ENGLISH_DELETED",
    "ROW_ADDED",
    "ROW_REMOVED",
    "ChangedRow",
    "ExportedRow",
    "Provenance",
    "ReadRow",
    "ReviewDocument",
    "ReviewResult",
    "UnmatchedRow",
    "classify",
    "import_review",
    "read_review",
    "report_lines",
]


XLIFF_SUFFIXES = {".xlf", ".xliff"}


def read_review(path: Path) -> ReviewResult:
    """Match every row of a reviewed briefing to the exported row it came from.

    Raises InputError, naming `path`, for anything that is not a briefing this version can read:
    not a DOCX, a damaged or oversized one, hostile XML, or a Word document not made by
    translate-tool. `.xlf`/`.xliff` files are read as XLIFF briefings, anything else as DOCX.
    """
    if path.suffix.lower() in XLIFF_SUFFIXES:
        from .xliff import read_xliff

        return classify(read_xliff(path))
    from .docx import read_docx

    return classify(read_docx(path))


def import_review(
    path: Path, memory_path: Path, *, take_theirs: bool = False
) -> tuple[ReviewResult, ReviewCounts]:
    """Read `path` and offer its corrections to the memory at `memory_path` under the conflict rule.

    Returns what was read and what the memory did; the memory is opened only when the file has
    changes. Raises ReviewConflict (after storing everything else) when rows are in conflict.
    """
    from ..memory import TranslationMemory
    from ..memory_history import ReviewCounts, record_reviews
    from .core import judge
    from .core import take_theirs as theirs

    result = read_review(path)
    counts = ReviewCounts()
    if result.changes:
        with TranslationMemory(memory_path) as memory:
            counts = record_reviews(
                memory, result.review_changes, str(path.resolve()), theirs if take_theirs else judge
            )
    return result, counts


def report_lines(result: ReviewResult, counts: ReviewCounts) -> list[str]:
    """What `review import` prints: one summary line, then one line per row that needs a look."""
    extra = ""
    if counts.conflicts:
        extra += f", {len(counts.conflicts)} in conflict"
    if counts.superseded:
        extra += f", {len(counts.superseded)} superseded"
    lines = [
        f"{len(result.changes)} changed ({counts.new} new to the memory, {counts.changed} updated, "
        f"{counts.unchanged} already recorded{extra}), {result.unchanged} unchanged, "
        f"{len(result.unmatched)} unmatched"
    ]
    for row in result.unmatched:
        kept = f" — English kept here: {row.english}" if row.english else ""
        lines.append(f"row {row.row}: {row.reason}{kept}")
    for clash in counts.conflicts:
        lines.append(
            f"row {clash.change.row}: conflict — the memory keeps “{clash.current.target}” "
            f"({_who(clash.current.author, clash.current.made_at)}); this file has “{clash.change.target}” "
            f"({_who(clash.change.author, clash.change.made_at)})"
        )
    for clash in counts.superseded:
        lines.append(
            f"row {clash.change.row}: superseded — this file's “{clash.change.target}” "
            f"({_who(clash.change.author, clash.change.made_at)}) was replaced by “{clash.current.target}” "
            f"({_who(clash.current.author, clash.current.made_at)})"
        )
    return lines


def _who(author: str, when: str) -> str:
    return f"{author or 'unknown reviewer'}, {when or 'time unknown'}"
