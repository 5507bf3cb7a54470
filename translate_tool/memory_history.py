"""The reviewer ledger (issue 11): every reviewed English offered to the memory, and what became of it.

Reviewers correct the English in Word (or a CAT tool); `record_reviews` stores those corrections
so they are never lost and never translated again.
`record_reviews(tm, changes, file, judge)` offers the corrections from one reviewed document to
the memory `tm`, all of them or none of them; `history`, `current_review` and `open_conflicts`
read a passage's ledger; `resolve` settles a conflict. The ledger is the memory's `history`
table (append-only: its triggers refuse UPDATE and DELETE, see `memory_schema`): `entries` says
what is current, `history` how it got there, and which offers were not taken (a conflict, or a
file older than the entry). Everything here goes through the memory's connection and its
`write` transaction, so a ledger write is as atomic as any other write to the memory.
`post_edit_pairs` gives `tm report` the machine English each reviewed entry replaced.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from .article import Origin, normalise_source
from .errors import InputError
from .text import utc_stamp

if TYPE_CHECKING:
    from .memory import TranslationMemory


@dataclass(frozen=True)
class ReviewChange:
    """A reviewer's English for one passage of Arabic (as found in the reviewed document), and its provenance."""

    source: str
    target: str
    # Provenance, not identity: two changes are equal when they say the same about the same Arabic.
    author: str = field(default="", compare=False)
    made_at: str = field(default="", compare=False)  # ISO 8601 UTC, "" when the file does not say
    file_sha256: str = field(default="", compare=False)
    shown: str = field(default="", compare=False)  # fingerprint(s) of the English shown, space-separated
    row: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class HistoryEntry:
    """One row of a passage's history: an English offered to the memory, and what became of it."""

    id: int
    target: str
    event: str  # stored | conflict | superseded | kept
    author: str
    made_at: str
    file: str
    file_sha256: str
    shown: str
    row: int | None
    recorded_at: str


STORED, SAME, CONFLICT, SUPERSEDED, KEPT = "stored", "same", "conflict", "superseded", "kept"
# (the change, the memory's current reviewed entry, the passage's history) -> one of the above
Judge = Callable[[ReviewChange, "HistoryEntry | None", "list[HistoryEntry]"], str]


@dataclass(frozen=True)
class Clash:
    """A reviewed English the memory did not take: the offer, and the entry that stays."""

    change: ReviewChange
    current: HistoryEntry


@dataclass
class ReviewCounts:
    """What `record_reviews` did; `new + changed == 0` means the import changed nothing."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    conflicts: list[Clash] = field(default_factory=list)
    superseded: list[Clash] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return self.new + self.changed


def _current(entry: sqlite3.Row | None, history: list[HistoryEntry]) -> HistoryEntry | None:
    """The reviewed entry in force as a history row (its last `stored`), or None when not reviewed."""
    if entry is None or entry["origin"] != Origin.REVIEWED.value:
        return None
    stored = [h for h in history if h.event in (STORED, KEPT) and h.target == entry["target"]]
    if stored:
        return stored[-1]
    return HistoryEntry(0, entry["target"], STORED, "", "", "", "", "", None, "")


def record_reviews(
    tm: TranslationMemory, changes: Sequence[ReviewChange], reviewed_file: str, judge: Judge | None = None
) -> ReviewCounts:
    """Offer a reviewer's English from one document to the memory, all of it or none of it.

    `judge` (the review core's conflict rule) decides, under the write lock, for each change
    given the current reviewed entry and the passage's history: `stored` replaces the entry,
    `conflict` and `superseded` leave it and are only recorded. Without a judge every change
    is stored. Every offer is appended to the history, except English identical to the
    current entry (so importing the same document twice changes nothing the second time).
    A passage with an empty side raises InputError and rolls the whole document back.
    """
    counts = ReviewCounts()
    now = utc_stamp()
    with tm.write("writing to"):
        for number, change in enumerate(changes, 1):
            source, target = normalise_source(change.source), change.target.strip()
            if not source or not target:
                side = "Arabic" if not source else "English"
                raise InputError(
                    f"{reviewed_file}: passage {number} has no {side} text; nothing from this file was recorded"
                )
            change = replace(change, source=source, target=target)
            _offer(tm, change, reviewed_file, judge, counts, now)
    return counts


def _offer(
    tm: TranslationMemory,
    change: ReviewChange,
    file: str,
    judge: Judge | None,
    counts: ReviewCounts,
    now: str,
) -> None:
    entry = tm.entry(change.source)
    past = history(tm, change.source)
    current = _current(entry, past)
    if current is not None and current.target == change.target:
        counts.unchanged += 1
        return
    verdict = judge(change, current, past) if judge else STORED
    if verdict != STORED:
        clashes = counts.conflicts if verdict == CONFLICT else counts.superseded
        clashes.append(Clash(change, current))
        if not any(
            h.event == verdict and (h.target, h.file_sha256) == (change.target, change.file_sha256)
            for h in past
        ):
            _append(tm, change, verdict, file, now)
        return
    if entry is None:
        counts.new += 1
    else:
        counts.changed += 1
    _store_reviewed(tm, change.source, change.target, file, now)
    _append(tm, change, STORED, file, now)


def _store_reviewed(tm: TranslationMemory, source: str, target: str, file: str, now: str) -> None:
    tm.connection.execute(
        """
        INSERT INTO entries (source, source_lang, target_lang, target, origin, model, score,
                             reviewed_file, reviewed_at, created_at, updated_at)
        VALUES (:source, :source_lang, :target_lang, :target, 'reviewed', NULL, NULL, :file, :now, :now, :now)
        ON CONFLICT (source, source_lang, target_lang) DO UPDATE SET
            target = excluded.target, origin = 'reviewed', model = NULL, score = NULL,
            reviewed_file = excluded.reviewed_file, reviewed_at = excluded.reviewed_at,
            updated_at = excluded.updated_at,
            -- the machine English this review replaces, for `tm report`
            machine_target = CASE WHEN entries.origin = 'machine'
                                  THEN entries.target ELSE entries.machine_target END,
            machine_model = CASE WHEN entries.origin = 'machine'
                                 THEN entries.model ELSE entries.machine_model END
        """,
        {**tm.key(source), "target": target, "file": file, "now": now},
    )


def _append(tm: TranslationMemory, change: ReviewChange, event: str, file: str, now: str) -> None:
    tm.connection.execute(
        """
        INSERT INTO history (source, source_lang, target_lang, target, event, author, made_at,
                             file, file_sha256, shown, row, recorded_at)
        VALUES (:source, :source_lang, :target_lang, :target, :event, :author, :made_at,
                :file, :file_sha256, :shown, :row, :now)
        """,
        {
            **tm.key(change.source),
            "target": change.target,
            "event": event,
            "author": change.author,
            "made_at": change.made_at,
            "file": file,
            "file_sha256": change.file_sha256,
            "shown": change.shown,
            "row": change.row,
            "now": now,
        },
    )


# --- history and conflicts -----------------------------------------------------------


def history(tm: TranslationMemory, source: str) -> list[HistoryEntry]:
    """Every English offered for `source` (normalised Arabic), oldest first."""
    with tm.sqlite_errors("reading"):
        rows = tm.connection.execute(
            "SELECT * FROM history WHERE source = ? AND source_lang = ? AND target_lang = ? ORDER BY id",
            (normalise_source(source), tm.source_lang, tm.target_lang),
        ).fetchall()
    return [HistoryEntry(**{name: row[name] for name in HistoryEntry.__dataclass_fields__}) for row in rows]


def current_review(tm: TranslationMemory, source: str) -> HistoryEntry | None:
    """The reviewed entry now in force for `source`, with its provenance; None if not reviewed."""
    source = normalise_source(source)
    with tm.sqlite_errors("reading"):
        entry = tm.entry(source)
    return _current(entry, history(tm, source))


def resolve(tm: TranslationMemory, source: str, take: int | None) -> HistoryEntry:
    """Settle `source`'s open conflicts: keep the current entry (take=None) or store history row `take`."""
    source = normalise_source(source)
    with tm.write("writing to"):
        past = history(tm, source)
        current = _current(tm.entry(source), past)
        chosen = next((h for h in past if h.id == take), None) if take is not None else current
        if chosen is None:
            what = f"no history entry #{take}" if take is not None else "no reviewed entry"
            raise InputError(f"{what} for this passage; see `translate-tool tm history`")
        change = ReviewChange(
            source,
            chosen.target,
            chosen.author,
            chosen.made_at,
            chosen.file_sha256,
            chosen.shown,
            chosen.row,
        )
        if take is not None:
            _store_reviewed(tm, source, chosen.target, chosen.file, utc_stamp())
        _append(tm, change, STORED if take is not None else KEPT, chosen.file, utc_stamp())
    return chosen


def open_conflicts(tm: TranslationMemory, sources: Iterable[str]) -> dict[str, list[HistoryEntry]]:
    """Normalised source -> the conflicts no later decision (stored, kept) has settled."""
    out = {}
    for source in {normalise_source(s) for s in sources if s.strip()}:
        past = history(tm, source)
        settled = max((h.id for h in past if h.event in (STORED, KEPT)), default=0)
        pending = [h for h in past if h.event == CONFLICT and h.id > settled]
        if pending:
            out[source] = pending
    return out


def post_edit_pairs(tm: TranslationMemory) -> tuple[dict[str, list[tuple[str, str]]], dict[str, int]]:
    """For `tm report`: per model, (machine English, reviewed English) of every passage a
    reviewer corrected after that model translated it; and its still-unreviewed count."""
    pairs: dict[str, list[tuple[str, str]]] = {}
    with tm.sqlite_errors("reading"):
        for row in tm.connection.execute(
            "SELECT machine_model, machine_target, target FROM entries "
            "WHERE origin = 'reviewed' AND machine_model IS NOT NULL AND machine_target IS NOT NULL "
            "AND source_lang = ? AND target_lang = ? ORDER BY created_at, source",
            (tm.source_lang, tm.target_lang),
        ):
            pairs.setdefault(row["machine_model"], []).append((row["machine_target"], row["target"]))
        unreviewed = dict(
            tm.connection.execute(
                "SELECT model, count(*) FROM entries WHERE origin = 'machine' "
                "AND source_lang = ? AND target_lang = ? GROUP BY model",
                (tm.source_lang, tm.target_lang),
            ).fetchall()
        )
    return pairs, unreviewed
