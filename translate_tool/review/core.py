"""What every review reader shares: the rows it read, how they are matched to the exported rows, and the verdicts.

A reader (one module per format: `docx.py`, later XLIFF) turns a reviewed file into a
`ReviewDocument`: the rows as exported (row key and a fingerprint of the English shown), and
the rows as read back, each with the row keys the file names for it, its Arabic, its English and
its provenance. `classify` then decides, without trusting the memory's current state:

- a row's key is the one of its keys the Arabic gives (a row may name several), else its first
  known key; a row naming none is matched by its Arabic when no other row holds that key;
- the Arabic must still give that key (`source_key`), or the row is reported, not imported;
- the English is compared with the fingerprint of the English as exported, so "changed" means
  changed in this document;
- a passage repeated in the article has one memory entry: two different corrections of it
  cannot both be stored, so neither is.

Nothing here reads files or opens the memory.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..article import source_key
from ..briefing import english_fingerprint
from ..memory_history import CONFLICT, SAME, STORED, SUPERSEDED, HistoryEntry, ReviewChange

ARABIC_EDITED = "Arabic text edited"
ROW_ADDED = "row added (no row key)"
ROW_REMOVED = "row removed"
DUPLICATE_KEY = "duplicate row key"
ENGLISH_DELETED = "English text deleted"


@dataclass(frozen=True)
class Provenance:
    """Who made a correction and when, and the file it came from.

    A reader fills `author` and `when` from the most precise source the format has (a tracked
    change's author and date, else the file's last-modified-by and modified time).
    """

    author: str = ""
    when: str = ""  # ISO 8601 UTC, e.g. 2024-05-01T09:30:00Z; "" when the file does not say
    file: str = ""  # the reviewed file, as imported
    sha256: str = ""  # of the reviewed file's bytes


@dataclass(frozen=True)
class ExportedRow:
    """One row as the exporter wrote it: its key, and the fingerprint of the English it showed."""

    key: str
    shown: str


@dataclass
class ReadRow:
    """One row as a reader found it in the reviewed file."""

    position: int  # 1-based among the passage rows, in document order
    number: int  # the row number the file shows, else the position
    keys: list[str]  # row keys the file names for this row, best first
    english: str
    arabic: str
    provenance: Provenance = Provenance()
    problem: str = ""  # set by the reader when it already knows the row cannot be imported

    @property
    def arabic_key(self) -> str | None:
        return source_key(self.arabic) if self.arabic.strip() else None


@dataclass
class ReviewDocument:
    """A reviewed file as read: what was exported, and what came back."""

    path: Path
    exported: list[ExportedRow]
    rows: list[ReadRow]
    provenance: Provenance = Provenance()  # the file's own: its sha256, last author, modified time


@dataclass(frozen=True)
class ChangedRow:
    """A row whose English the reviewer changed: the correction to store, and where it was."""

    row: int
    key: str
    change: ReviewChange


@dataclass(frozen=True)
class UnmatchedRow:
    """A row that cannot be imported (or an exported row that is gone), with the reason.

    `english` is the reviewer's English from that row, so the report can show it and nothing
    typed is lost; it is empty for a removed row.
    """

    row: int
    reason: str
    english: str = ""
    arabic: str = ""
    key: str = ""


@dataclass
class ReviewResult:
    path: Path
    changes: list[ChangedRow] = field(default_factory=list)
    unchanged: int = 0
    unmatched: list[UnmatchedRow] = field(default_factory=list)

    @property
    def review_changes(self) -> list[ReviewChange]:
        """The corrections in row order, as `memory_history.record_reviews` takes them."""
        return [changed.change for changed in self.changes]

    def unmatch(self, row: ReadRow, reason: str, key: str = "", english: str | None = None) -> None:
        text = row.english if english is None else english
        self.unmatched.append(UnmatchedRow(row.number, reason, text, row.arabic, key))


@dataclass
class _Expected:
    """The exported rows grouped by key: how many, at which row numbers, showing which English."""

    count: Counter = field(default_factory=Counter)
    shown: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    numbers: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, exported: list[ExportedRow]) -> _Expected:
        expected = cls()
        for number, row in enumerate(exported, start=1):
            expected.count[row.key] += 1
            expected.shown[row.key].add(row.shown)
            expected.numbers[row.key].append(number)
        return expected


def classify(document: ReviewDocument) -> ReviewResult:
    """Match every row read back to the exported row it came from, and judge it."""
    result = ReviewResult(document.path)
    expected = _Expected.of(document.exported)
    groups = _group_by_key(document.rows, expected, result)
    for key in expected.numbers:
        group = sorted(groups.get(key, []), key=lambda r: r.position)
        _judge_key(key, group, expected, result, document.provenance)
    result.changes.sort(key=lambda c: c.row)
    result.unmatched.sort(key=lambda u: (u.row, u.reason))
    return result


def _group_by_key(rows: list[ReadRow], expected: _Expected, result: ReviewResult) -> dict[str, list[ReadRow]]:
    """Rows by the key they claim; rows claiming no known key join theirs by Arabic, if it is free."""
    groups: dict[str, list[ReadRow]] = defaultdict(list)
    loose: list[ReadRow] = []
    for row in rows:
        known = [key for key in row.keys if key in expected.count]
        if not known:
            loose.append(row)
            continue
        groups[row.arabic_key if row.arabic_key in known else known[0]].append(row)
    for row in loose:
        key = row.arabic_key
        if key in expected.count and len(groups[key]) < expected.count[key]:
            groups[key].append(row)
        else:
            result.unmatch(row, ROW_ADDED)
    return groups


def _judge_key(
    key: str, group: list[ReadRow], expected: _Expected, result: ReviewResult, file: Provenance
) -> None:
    """All rows holding one key: too many, some gone, and which of them changed the English."""
    if len(group) > expected.count[key]:
        for row in group:
            result.unmatch(row, DUPLICATE_KEY, key)
        return
    for number in expected.numbers[key][len(group) :]:
        result.unmatched.append(UnmatchedRow(number, ROW_REMOVED, key=key))
    changed = [row for row in group if _judge_row(key, row, expected.shown[key], result)]
    _store_one_correction(key, changed, result, _change_maker(expected.shown[key], file))


def _judge_row(key: str, row: ReadRow, shown: set[str], result: ReviewResult) -> bool:
    """True when the row holds a correction; otherwise count it unchanged or report it."""
    if row.problem:
        result.unmatch(row, row.problem, key)
    elif row.arabic_key != key:
        result.unmatch(row, ARABIC_EDITED, key)
    elif english_fingerprint(row.english) in shown:
        result.unchanged += 1
    elif not row.english:
        result.unmatch(row, ENGLISH_DELETED, key, english="")
    else:
        return True
    return False


def _change_maker(shown: set[str], file: Provenance):
    """Build a row's ReviewChange with its provenance: the row's own, else the file's."""

    def make(row: ReadRow) -> ReviewChange:
        own = row.provenance
        return ReviewChange(
            row.arabic,
            row.english,
            author=own.author or file.author,
            made_at=own.when or file.when,
            file_sha256=file.sha256,
            shown=" ".join(sorted(shown)),
            row=row.number,
        )

    return make


def _store_one_correction(key: str, changed: list[ReadRow], result: ReviewResult, make) -> None:
    """A repeated passage has one memory entry: store its correction once, or none if they differ."""
    if len({row.english for row in changed}) > 1:
        for row in changed:
            result.unmatch(row, DUPLICATE_KEY, key)
    elif changed:
        row = changed[0]
        result.changes.append(ChangedRow(row.number, key, make(row)))
        result.unchanged += len(changed) - 1


# --- the conflict rule ---------------------------------------------------------------------------


def judge(change: ReviewChange, current: HistoryEntry | None, history: list[HistoryEntry]) -> str:
    """What the memory does with one reviewed English, given its current reviewed entry.

    - nothing reviewed yet, or the reviewer was shown the current reviewed English: stored;
    - this very English was stored before and has been replaced since: superseded (an old file);
    - the same reviewer, working from the same exported English, later than the current entry:
      stored (they corrected their own correction); earlier: superseded;
    - otherwise the row was based on English that is no longer current and says something else:
      a conflict. The current entry stays until someone chooses (`--take-theirs`, `tm resolve`).
    """
    if current is None:
        return STORED
    if current.target == change.target:
        return SAME
    if english_fingerprint(current.target) in change.shown.split():
        return STORED
    if any(h.event == STORED and h.target == change.target for h in history):
        return SUPERSEDED
    if _same_reviewer_same_start(change, current) and change.made_at != current.made_at:
        return STORED if change.made_at > current.made_at else SUPERSEDED
    return CONFLICT


def _same_reviewer_same_start(change: ReviewChange, current: HistoryEntry) -> bool:
    """Both made by one named reviewer from the same exported English, with known times."""
    same_author = bool(change.author) and change.author == current.author
    return (
        same_author
        and bool(change.shown)
        and change.shown == current.shown
        and bool(change.made_at and current.made_at)
    )


def take_theirs(change: ReviewChange, current: HistoryEntry | None, history: list[HistoryEntry]) -> str:
    """`review import --take-theirs`: the file's English wins wherever it differs."""
    return SAME if current is not None and current.target == change.target else STORED
