"""Reading reviewed files back: which rows a reviewer changed, and which cannot be matched.

`read_review(path)` only reads; it never touches the translation memory (`translate-tool review
import` hands the changes to `TranslationMemory.record_reviews` in one transaction).

- `core.py`: the format-neutral part: rows read back, matched to the rows as exported, judged;
- `docx.py`: the reader for briefings edited in Word or LibreOffice;
- `ooxml.py`: the read side of WordprocessingML the DOCX reader is built on;
- `xliff.py`: the reader for XLIFF briefings reviewed in a CAT tool (memoQ, Trados, OmegaT).

A reader for another format returns a `core.ReviewDocument`; `classify` does the rest.
"""

from __future__ import annotations

from pathlib import Path

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
    "read_review",
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
