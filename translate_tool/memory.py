"""The translation memory: English already produced or reviewed for a piece of Arabic.

Reviewers correct the English in Word; `record_reviews` stores those corrections so they are
never lost and never translated again. Machine output is stored too (`record_machine`), so
exporting the same article twice does not load the model twice. `apply` puts both back into
articles before the translate stage, which then only translates what is still empty.

The memory is one SQLite file. Several translate-tool processes may use it at once: it runs
in WAL mode (readers never block the writer), waits up to `BUSY_TIMEOUT_S` for a lock instead
of failing, and every write is one short `BEGIN IMMEDIATE` transaction, which takes the write
lock up front so two writers queue instead of one failing half-way through.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from . import APP_NAME, __version__
from .article import Article, Origin, normalise_source
from .errors import InputError, TranslateToolError

if TYPE_CHECKING:
    from .tmx import TmxUnit

TM_FILENAME = "memory.sqlite3"
TM_ENV = "TRANSLATE_TOOL_TM"
SCHEMA_VERSION = 3
BUSY_TIMEOUT_S = 30.0

# One row per (normalised Arabic, language pair). The normalised source itself is the key,
# not a hash of it, so a TMX export can give CAT tools the text.
ENTRIES_TABLE = """
    CREATE TABLE {name} (
        source        TEXT NOT NULL CHECK (source <> ''),  -- normalise_source() of the Arabic
        source_lang   TEXT NOT NULL,
        target_lang   TEXT NOT NULL,
        target        TEXT NOT NULL CHECK (target <> ''),
        origin        TEXT NOT NULL CHECK (origin IN ('machine', 'reviewed', 'imported')),
        model         TEXT,            -- "package version" for machine entries, NULL otherwise
        reviewed_file TEXT,            -- the document the correction was imported from
        reviewed_at   TEXT,
        score         REAL,            -- the model's block score, machine entries only
        created_at    TEXT NOT NULL,   -- ISO 8601 UTC
        updated_at    TEXT NOT NULL,
        creator       TEXT,            -- imported: who made the unit in the CAT tool (TMX changeid/creationid)
        creator_date  TEXT,            -- imported: when they did (TMX changedate/creationdate), ISO 8601 UTC
        imported_file TEXT,            -- imported: the TMX file it came from
        machine_target TEXT,           -- reviewed: the machine English the review replaced (tm report)
        machine_model  TEXT,           -- reviewed: the model that made it
        PRIMARY KEY (source, source_lang, target_lang),
        CHECK (origin <> 'machine' OR (model IS NOT NULL AND model <> ''))
    )
"""
SCHEMA = [ENTRIES_TABLE.format(name="entries")]
# Schema 1 -> 2: the `imported` origin and its three columns. SQLite cannot change a CHECK
# constraint in place, so the table is rebuilt inside the one migration transaction.
MIGRATE_1_TO_2 = [
    ENTRIES_TABLE.format(name="entries_v2"),
    """
    INSERT INTO entries_v2 (source, source_lang, target_lang, target, origin, model, reviewed_file,
                            reviewed_at, score, created_at, updated_at)
    SELECT source, source_lang, target_lang, target, origin, model, reviewed_file,
           reviewed_at, score, created_at, updated_at FROM entries
    """,
    "DROP TABLE entries",
    "ALTER TABLE entries_v2 RENAME TO entries",
]
# Upgrades, one schema version at a time: MIGRATIONS[v] takes a memory of schema v to v + 1.
# A new memory gets SCHEMA, the latest, directly.
MIGRATIONS = {1: MIGRATE_1_TO_2}

# Schema 2 -> 3: every reviewed English offered to the memory, with who, when and from which file.
# Append-only (the triggers refuse UPDATE and DELETE): `entries` says what is current, `history`
# how it got there, and which offers were not taken (a conflict, or a file older than the entry).
HISTORY_SCHEMA = [
    """
    CREATE TABLE history (
        id            INTEGER PRIMARY KEY,
        source        TEXT NOT NULL,
        source_lang   TEXT NOT NULL,
        target_lang   TEXT NOT NULL,
        target        TEXT NOT NULL,
        event         TEXT NOT NULL CHECK (event IN ('stored', 'conflict', 'superseded', 'kept')),
        author        TEXT NOT NULL DEFAULT '',  -- tracked change w:author, else lastModifiedBy
        made_at       TEXT NOT NULL DEFAULT '',  -- tracked change date, else the file's modified time
        file          TEXT NOT NULL DEFAULT '',
        file_sha256   TEXT NOT NULL DEFAULT '',
        shown         TEXT NOT NULL DEFAULT '',  -- fingerprint(s) of the English the reviewer was shown
        row           INTEGER,
        recorded_at   TEXT NOT NULL
    )
    """,
    "CREATE INDEX history_by_source ON history (source, source_lang, target_lang, id)",
    """CREATE TRIGGER history_no_update BEFORE UPDATE ON history
       BEGIN SELECT RAISE(ABORT, 'translation memory history is append-only'); END""",
    """CREATE TRIGGER history_no_delete BEFORE DELETE ON history
       BEGIN SELECT RAISE(ABORT, 'translation memory history is append-only'); END""",
    # An older memory gets its reviewed entries as the first history rows.
    """INSERT INTO history (source, source_lang, target_lang, target, event, file, made_at, recorded_at)
       SELECT source, source_lang, target_lang, target, 'stored', coalesce(reviewed_file, ''),
              coalesce(reviewed_at, ''), updated_at
       FROM entries WHERE origin = 'reviewed' ORDER BY updated_at""",
]
MIGRATIONS[2] = HISTORY_SCHEMA
SCHEMA += HISTORY_SCHEMA  # a new memory: its entries table and the (empty) history

# A machine entry replaces an older machine entry (a newer model, say) but never a reviewed
# one; an identical row is left alone so `updated_at` keeps meaning "last real change".
UPSERT_MACHINE = """
INSERT INTO entries (source, source_lang, target_lang, target, origin, model, score, created_at, updated_at)
VALUES (:source, :source_lang, :target_lang, :target, 'machine', :model, :score, :now, :now)
ON CONFLICT (source, source_lang, target_lang) DO UPDATE SET
    target = excluded.target, model = excluded.model, score = excluded.score, updated_at = excluded.updated_at
WHERE entries.origin = 'machine'
  AND (entries.target IS NOT excluded.target
       OR entries.model IS NOT excluded.model
       OR entries.score IS NOT excluded.score)
"""


# Which entry wins when two kinds of English meet for one passage (see `record_imported`).
PRECEDENCE = {"machine": 0, "imported": 1, "reviewed": 2}


class TranslationMemoryError(TranslateToolError):
    """The translation memory file cannot be opened, created, read or written (exit 1)."""


class MemoryBusy(TranslationMemoryError):
    """Another process held the memory's write lock for longer than `BUSY_TIMEOUT_S`."""


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


@dataclass
class ImportCounts:
    """What `record_imported` did with the units of one TMX file."""

    new: int = 0
    updated: int = 0  # replaced a machine (or an older imported) entry
    unchanged: int = 0  # the memory already holds that English
    kept: int = 0  # the memory's entry ranks higher (a reviewed one, against imported English)

    @property
    def stored(self) -> int:
        return self.new + self.updated


def default_tm_path() -> Path:
    """The memory file to use when the CLI gets no --tm: $TRANSLATE_TOOL_TM, else the user data folder."""
    override = os.environ.get(TM_ENV)
    if override:
        return Path(override).expanduser()
    return platformdirs.user_data_path(APP_NAME) / TM_FILENAME


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _tmx_date(iso: str) -> str:
    """`2024-05-01T09:30:00Z` -> `20240501T093000Z`, the only date form TMX 1.4 allows."""
    return iso.replace("-", "").replace(":", "")


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """What changes when anything writes the file: inode, size, modification time."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def _is_wal_header(path: Path) -> bool:
    """Whether the SQLite header says WAL mode (read/write format versions 2)."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(20)
    except OSError:
        return False  # the read-only open reports the problem in its own words
    return header.startswith(b"SQLite format 3\x00") and header[18:20] == b"\x02\x02"


def _current(entry: sqlite3.Row | None, history: list[HistoryEntry]) -> HistoryEntry | None:
    """The reviewed entry in force as a history row (its last `stored`), or None when not reviewed."""
    if entry is None or entry["origin"] != Origin.REVIEWED.value:
        return None
    stored = [h for h in history if h.event in (STORED, KEPT) and h.target == entry["target"]]
    if stored:
        return stored[-1]
    return HistoryEntry(0, entry["target"], STORED, "", "", "", "", "", None, "")


class TranslationMemory:
    """One open translation memory file; use it as a context manager so the file is closed.

    Opening creates the file (and its folder) on first use. A file that is not a
    translate-tool memory is refused with `TranslationMemoryError`, never modified.
    """

    def __init__(
        self, path: Path | str, source_lang: str = "ar", target_lang: str = "en", *, create: bool = True
    ) -> None:
        """Open the memory at `path`; with create=False (read-only commands) it must exist already."""
        self.path = Path(path)
        self.source_lang = source_lang
        self.target_lang = target_lang
        if self.path.is_dir():
            raise TranslationMemoryError(f"{self.path}: is a folder; the translation memory must be a file")
        if not create and not self.path.exists():
            raise TranslationMemoryError(
                f"{self.path}: no translation memory yet; the first export or review import creates it"
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TranslationMemoryError(
                f"{self.path.parent}: cannot create the folder for the translation memory ({exc.strerror})"
            ) from None
        self._refuse_foreign_or_newer()
        try:
            # isolation_level=None: the sqlite3 module issues no hidden BEGINs; every write
            # below says BEGIN IMMEDIATE itself, and `with conn:` commits or rolls it back.
            self._conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise TranslationMemoryError(f"{self.path}: cannot open the translation memory ({exc})") from None
        self._conn.row_factory = sqlite3.Row
        try:
            with self._sqlite_errors("opening"):
                self._use_wal()
                self._create_or_check_schema()
        except TranslationMemoryError:
            self._conn.close()
            raise

    def __enter__(self) -> TranslationMemory:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    # --- plumbing ----------------------------------------------------------------------

    @contextmanager
    def _sqlite_errors(self, doing: str) -> Iterator[None]:
        """Turn a database failure into a one-line error the CLI can print."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            message = str(exc)
            if "not a database" in message or "malformed" in message:
                raise TranslationMemoryError(
                    f"{self.path}: not a usable translation memory ({message}); "
                    "move the file aside or choose another with --tm"
                ) from exc
            if "locked" in message or "busy" in message:
                raise MemoryBusy(
                    f"{self.path}: translation memory still busy after {BUSY_TIMEOUT_S:.0f} s "
                    "(another translate-tool is writing to it); try again"
                ) from exc
            raise TranslationMemoryError(
                f"{self.path}: {doing} the translation memory failed ({message})"
            ) from exc

    @contextmanager
    def _write(self, doing: str) -> Iterator[sqlite3.Connection]:
        """One all-or-nothing write transaction that holds the write lock from its start.

        A deferred transaction that reads and then writes can fail with SQLITE_BUSY when
        another process committed in between, without waiting; IMMEDIATE queues instead.
        """
        with self._sqlite_errors(doing), self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            yield self._conn

    def _refuse_foreign_or_newer(self) -> None:
        """Look at an existing file through a read-only connection before opening it for writing.

        Opening for writing is not harmless: switching to WAL rewrites the header, and the
        last connection to close checkpoints. A file we are going to refuse (another
        program's database, a newer schema, not a database at all) must keep every byte.
        """
        if not self.path.exists() or self.path.stat().st_size == 0:
            return  # nothing to protect: a new memory
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        wal = Path(f"{self.path}-wal")
        # Even a read-only connection to a WAL database creates -wal and -shm files beside it
        # and leaves them. When no -wal file exists the main file is the whole database, so
        # read it as immutable: no locks, no new files. Without locks, a process that is just
        # creating this memory can change the file under the read: then read it again, with
        # locks (a file someone is writing as a memory is no foreign file to protect).
        immutable = _is_wal_header(self.path) and not wal.exists()
        before = _stamp(self.path)
        try:
            version, tables, columns = self._peek(uri + ("&immutable=1" if immutable else ""))
        except TranslationMemoryError:
            if not immutable or (not wal.exists() and _stamp(self.path) == before):
                raise
            version, tables, columns = self._peek(uri)
        else:
            if immutable and (wal.exists() or _stamp(self.path) != before):
                version, tables, columns = self._peek(uri)
        if not tables and version == 0:
            return  # an empty database: ours to create the schema in
        if version == 0 or not {"source", "source_lang", "target_lang", "target", "origin"} <= columns:
            raise TranslationMemoryError(
                f"{self.path}: an SQLite database of some other program, not a translation memory; "
                "choose another file with --tm"
            )
        if version > SCHEMA_VERSION:
            raise TranslationMemoryError(
                f"{self.path}: translation memory was made by a newer translate-tool "
                f"(schema {version}, this version reads {SCHEMA_VERSION}); upgrade translate-tool"
            )

    def _peek(self, uri: str) -> tuple[int, set[str], set[str]]:
        """(user_version, table names, columns of `entries`) through a read-only connection."""
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise TranslationMemoryError(f"{self.path}: cannot open the translation memory ({exc})") from None
        try:
            with self._sqlite_errors("opening"):
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                tables = {
                    row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                }
                columns = {row[1] for row in conn.execute("PRAGMA table_info(entries)")}
        finally:
            conn.close()
        return version, tables, columns

    def _use_wal(self) -> None:
        """Switch the file to WAL mode, once: the mode is stored in the file.

        The switch needs an exclusive lock and SQLite reports "locked" at once instead of
        waiting for the busy timeout when another process is switching the same new file
        at that moment (seen about once in 200 simultaneous first opens), so retry briefly.
        """
        if self._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            return
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self._conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def _create_or_check_schema(self) -> None:
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise TranslationMemoryError(
                f"{self.path}: translation memory was made by a newer translate-tool "
                f"(schema {version}, this version reads {SCHEMA_VERSION}); upgrade translate-tool"
            )
        with self._write("creating"):
            # Checked again under the write lock: another process may have just created it.
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            if version == SCHEMA_VERSION:
                return
            if version in MIGRATIONS:
                while version < SCHEMA_VERSION:  # one version at a time, all in this transaction
                    for statement in MIGRATIONS[version]:
                        self._conn.execute(statement)
                    version += 1
                self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                return
            if self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise TranslationMemoryError(
                    f"{self.path}: an SQLite database of some other program, not a translation memory; "
                    "choose another file with --tm"
                )
            for statement in SCHEMA:
                self._conn.execute(statement)
            self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _entry(self, source: str) -> sqlite3.Row | None:
        return self._conn.execute(
            "SELECT target, origin, model, score FROM entries "
            "WHERE source = ? AND source_lang = ? AND target_lang = ?",
            (source, self.source_lang, self.target_lang),
        ).fetchone()

    # --- the stages' API ---------------------------------------------------------------

    def lookup(self, sources: Iterable[str]) -> dict[str, sqlite3.Row]:
        """Normalised source -> its entry (target, origin, model, score), all read in one snapshot.

        The precedence between reviewed and machine entries is the pipeline's (`apply_memory`).
        """
        found = {}
        with self._sqlite_errors("reading"), self._conn:
            self._conn.execute("BEGIN")  # one consistent snapshot, and one lock, for all lookups
            for source in {normalise_source(s) for s in sources}:
                entry = self._entry(source) if source else None
                if entry is not None:
                    found[source] = entry
        return found

    def record_machine(self, articles: Iterable[Article], model_label: str) -> int:
        """Store blocks the model has just translated; return how many entries were added or changed.

        Only blocks with origin MACHINE and English are stored. An existing reviewed entry is
        never overwritten (the UPSERT's WHERE clause), even if another process stored it a
        moment ago. Raises MemoryBusy when the write lock does not come in time; the caller can
        keep `machine_rows` in the pending journal instead.
        """
        return self.store_machine_rows(self.machine_rows(articles, model_label))

    def machine_rows(self, articles: Iterable[Article], model_label: str) -> list[dict]:
        """The machine entries `record_machine` would store, as plain (JSON-able) rows."""
        if not model_label:
            raise ValueError("record_machine needs the model label")
        # One row per distinct source: a passage repeated through a run is stored once.
        rows = {
            source: {
                **self._pair(source),
                "target": block.target,
                "model": model_label,
                "score": block.score,
            }
            for article in articles
            for block in article.blocks
            if block.origin is Origin.MACHINE and block.target.strip()
            for source in [normalise_source(block.source)]
            if source
        }
        return list(rows.values())

    def store_machine_rows(self, rows: Sequence[dict]) -> int:
        """Upsert machine rows (idempotent: storing the same rows twice changes nothing)."""
        if not rows:
            return 0
        now = _now()
        stored = 0
        with self._write("writing to"):
            for row in rows:
                stored += self._conn.execute(UPSERT_MACHINE, {**row, "now": now}).rowcount
        return stored

    def record_reviews(
        self, changes: Sequence[ReviewChange], reviewed_file: str, judge: Judge | None = None
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
        now = _now()
        with self._write("writing to"):
            for number, change in enumerate(changes, 1):
                source, target = normalise_source(change.source), change.target.strip()
                if not source or not target:
                    side = "Arabic" if not source else "English"
                    raise InputError(
                        f"{reviewed_file}: passage {number} has no {side} text; nothing from this file was recorded"
                    )
                change = replace(change, source=source, target=target)
                self._offer(change, reviewed_file, judge, counts, now)
        return counts

    def _offer(
        self, change: ReviewChange, file: str, judge: Judge | None, counts: ReviewCounts, now: str
    ) -> None:
        entry = self._entry(change.source)
        history = self.history(change.source)
        current = _current(entry, history)
        if current is not None and current.target == change.target:
            counts.unchanged += 1
            return
        verdict = judge(change, current, history) if judge else STORED
        if verdict != STORED:
            clashes = counts.conflicts if verdict == CONFLICT else counts.superseded
            clashes.append(Clash(change, current))
            if not any(
                h.event == verdict and (h.target, h.file_sha256) == (change.target, change.file_sha256)
                for h in history
            ):
                self._append(change, verdict, file, now)
            return
        if entry is None:
            counts.new += 1
        else:
            counts.changed += 1
        self._store_reviewed(change.source, change.target, file, now)
        self._append(change, STORED, file, now)

    def _store_reviewed(self, source: str, target: str, file: str, now: str) -> None:
        self._conn.execute(
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
            {**self._pair(source), "target": target, "file": file, "now": now},
        )

    def _append(self, change: ReviewChange, event: str, file: str, now: str) -> None:
        self._conn.execute(
            """
            INSERT INTO history (source, source_lang, target_lang, target, event, author, made_at,
                                 file, file_sha256, shown, row, recorded_at)
            VALUES (:source, :source_lang, :target_lang, :target, :event, :author, :made_at,
                    :file, :file_sha256, :shown, :row, :now)
            """,
            {
                **self._pair(change.source),
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

    def _pair(self, source: str) -> dict[str, str]:
        return {"source": source, "source_lang": self.source_lang, "target_lang": self.target_lang}

    # --- history and conflicts -----------------------------------------------------------

    def history(self, source: str) -> list[HistoryEntry]:
        """Every English offered for `source` (normalised Arabic), oldest first."""
        with self._sqlite_errors("reading"):
            rows = self._conn.execute(
                "SELECT * FROM history WHERE source = ? AND source_lang = ? AND target_lang = ? ORDER BY id",
                (normalise_source(source), self.source_lang, self.target_lang),
            ).fetchall()
        return [
            HistoryEntry(**{name: row[name] for name in HistoryEntry.__dataclass_fields__}) for row in rows
        ]

    def current_review(self, source: str) -> HistoryEntry | None:
        """The reviewed entry now in force for `source`, with its provenance; None if not reviewed."""
        source = normalise_source(source)
        with self._sqlite_errors("reading"):
            entry = self._entry(source)
        return _current(entry, self.history(source))

    def resolve(self, source: str, take: int | None) -> HistoryEntry:
        """Settle `source`'s open conflicts: keep the current entry (take=None) or store history row `take`."""
        source = normalise_source(source)
        with self._write("writing to"):
            history = self.history(source)
            current = _current(self._entry(source), history)
            chosen = next((h for h in history if h.id == take), None) if take is not None else current
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
                self._store_reviewed(source, chosen.target, chosen.file, _now())
            self._append(change, STORED if take is not None else KEPT, chosen.file, _now())
        return chosen

    def open_conflicts(self, sources: Iterable[str]) -> dict[str, list[HistoryEntry]]:
        """Normalised source -> the conflicts no later decision (stored, kept) has settled."""
        out = {}
        for source in {normalise_source(s) for s in sources if s.strip()}:
            history = self.history(source)
            settled = max((h.id for h in history if h.event in (STORED, KEPT)), default=0)
            pending = [h for h in history if h.event == CONFLICT and h.id > settled]
            if pending:
                out[source] = pending
        return out

    def record_imported(self, units: Sequence[TmxUnit], imported_file: str) -> ImportCounts:
        """Store the units of one TMX file (`tm import`), all of them or none of them.

        Precedence, the same as `apply`'s: reviewed > imported > machine. A reviewed entry is
        never replaced (this team checked that English against this Arabic; another memory's
        English may be older or follow other conventions); an imported unit replaces machine
        text (a person made or accepted it) and an older import. A unit whose English the
        memory already holds is left alone, origin and dates included, so re-importing a
        file changes nothing and the machine English a CAT tool hands back unchanged stays
        marked as machine. Units from our own TMX keep the origin they were exported with.
        """
        counts = ImportCounts()
        now = _now()
        with self._write("writing to"):
            for unit in units:
                entry = self._conn.execute(
                    "SELECT target, origin FROM entries WHERE source = ? AND source_lang = ? AND target_lang = ?",
                    (unit.source, self.source_lang, self.target_lang),
                ).fetchone()
                if entry is not None and entry["target"] == unit.target:
                    counts.unchanged += 1
                    continue
                if entry is not None and PRECEDENCE[entry["origin"]] > PRECEDENCE[unit.origin]:
                    counts.kept += 1
                    continue
                if entry is None:
                    counts.new += 1
                else:
                    counts.updated += 1
                self._conn.execute(
                    """
                    INSERT OR REPLACE INTO entries (
                        source, source_lang, target_lang, target, origin, model, reviewed_file, reviewed_at,
                        score, created_at, updated_at, creator, creator_date, imported_file,
                        machine_target, machine_model)
                    VALUES (:source, :source_lang, :target_lang, :target, :origin, :model, :reviewed_file,
                            :reviewed_at, :score, :created_at, :updated_at, :creator, :creator_date,
                            :imported_file, :machine_target, :machine_model)
                    """,
                    {
                        "source": unit.source,
                        "source_lang": self.source_lang,
                        "target_lang": self.target_lang,
                        "target": unit.target,
                        "origin": unit.origin,
                        "model": unit.model,
                        "reviewed_file": unit.reviewed_file,
                        "reviewed_at": unit.reviewed_at,
                        "score": unit.score,
                        "created_at": unit.created_at or now,
                        "updated_at": unit.updated_at or now,
                        "creator": unit.creator,
                        "creator_date": unit.creator_date,
                        "imported_file": (unit.imported_file or imported_file)
                        if unit.origin == "imported"
                        else None,
                        "machine_target": unit.machine_target,
                        "machine_model": unit.machine_model,
                    },
                )
        return counts

    # --- `translate-tool tm ...` -------------------------------------------------------

    def stats(self) -> dict[str, object]:
        """Counts for `translate-tool tm stats`: entries by origin and by model, file and size."""
        with self._sqlite_errors("reading"):
            by_origin = dict(
                self._conn.execute("SELECT origin, count(*) FROM entries GROUP BY origin ORDER BY origin")
            )
            by_model = dict(
                self._conn.execute(
                    "SELECT model, count(*) FROM entries WHERE origin = 'machine' GROUP BY model ORDER BY model"
                )
            )
        size = sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())
        return {
            "path": str(self.path),
            "size_bytes": size,
            "schema_version": SCHEMA_VERSION,
            "entries": sum(by_origin.values()),
            "by_origin": {origin: by_origin.get(origin, 0) for origin in ("reviewed", "imported", "machine")},
            "by_model": by_model,
        }

    def post_edit_pairs(self) -> tuple[dict[str, list[tuple[str, str]]], dict[str, int]]:
        """For `tm report`: per model, (machine English, reviewed English) of every passage a
        reviewer corrected after that model translated it; and its still-unreviewed count."""
        pairs: dict[str, list[tuple[str, str]]] = {}
        with self._sqlite_errors("reading"):
            for row in self._conn.execute(
                "SELECT machine_model, machine_target, target FROM entries "
                "WHERE origin = 'reviewed' AND machine_model IS NOT NULL AND machine_target IS NOT NULL "
                "AND source_lang = ? AND target_lang = ? ORDER BY created_at, source",
                (self.source_lang, self.target_lang),
            ):
                pairs.setdefault(row["machine_model"], []).append((row["machine_target"], row["target"]))
            unreviewed = dict(
                self._conn.execute(
                    "SELECT model, count(*) FROM entries WHERE origin = 'machine' "
                    "AND source_lang = ? AND target_lang = ? GROUP BY model",
                    (self.source_lang, self.target_lang),
                ).fetchall()
            )
        return pairs, unreviewed

    def export_tmx(self, path: Path | None = None, *, include_machine: bool = True) -> bytes:
        """The memory as TMX 1.4b for CAT tools; written to `path` too when given.

        Each unit carries `<prop type="x-origin">` (machine|reviewed|imported) plus x-model and
        x-score, x-reviewed-file and x-reviewed-at, or x-imported-file, x-creator and
        x-creator-date (so `tm import` gives back the same entries), and machine units a `<note>` warning that nobody has checked them,
        because a CAT tool would otherwise offer raw machine output as a trusted match.
        """
        from translate.misc.xml_helpers import safely_set_text  # translate-toolkit is slow to import
        from translate.storage.tmx import tmxfile

        query = "SELECT * FROM entries WHERE source_lang = ? AND target_lang = ?"
        if not include_machine:
            query += " AND origin = 'reviewed'"
        with self._sqlite_errors("reading"):
            rows = self._conn.execute(
                query + " ORDER BY created_at, source", (self.source_lang, self.target_lang)
            )
            rows = rows.fetchall()

        store = tmxfile(sourcelanguage=self.source_lang, targetlanguage=self.target_lang)
        header = store.document.getroot().find(store.namespaced("header"))
        for name, value in {
            "creationtool": APP_NAME,
            "creationtoolversion": __version__,
            "creationdate": _tmx_date(_now()),
            "datatype": "plaintext",
            "segtype": "paragraph",  # entries are whole titles, headings and paragraphs
            "o-tmf": "translate-tool-sqlite",
            "adminlang": "en",
            "srclang": self.source_lang,
        }.items():
            header.set(name, value)

        for row in rows:
            unit = store.addsourceunit(row["source"], self.source_lang)
            unit.settarget(row["target"], self.target_lang, append=True)
            unit.xmlelement.set("creationdate", _tmx_date(row["created_at"]))
            unit.xmlelement.set("changedate", _tmx_date(row["updated_at"]))
            if row["origin"] == "machine":
                unit.addnote(f"Unreviewed machine translation ({row['model']})")
                props = {"x-origin": "machine", "x-model": row["model"]}
                if row["score"] is not None:
                    props["x-score"] = repr(row["score"])
            elif row["origin"] == "imported":
                props = {"x-origin": "imported", "x-imported-file": row["imported_file"] or ""}
                if row["creator"]:
                    props["x-creator"] = row["creator"]
                    unit.xmlelement.set("creationid", row["creator"])
                if row["creator_date"]:
                    props["x-creator-date"] = _tmx_date(row["creator_date"])
            else:
                props = {"x-origin": "reviewed", "x-reviewed-file": row["reviewed_file"] or ""}
                if row["reviewed_at"]:
                    props["x-reviewed-at"] = _tmx_date(row["reviewed_at"])
                if row["machine_target"] and row["machine_model"]:
                    props["x-machine-target"] = row["machine_target"]
                    props["x-machine-model"] = row["machine_model"]
            # translate-toolkit has no API for arbitrary <prop>s (only x-context), so add them
            # to the unit's lxml element, before the first <tuv> as the DTD requires.
            first_tuv = unit.xmlelement.index(unit.xmlelement.find(unit.namespaced("tuv")))
            for offset, (kind, value) in enumerate(props.items()):
                prop = unit.xmlelement.makeelement(unit.namespaced("prop"), {"type": kind})
                safely_set_text(prop, value)
                unit.xmlelement.insert(first_tuv + offset, prop)

        data = bytes(store)
        if path is not None:
            try:
                Path(path).write_bytes(data)
            except OSError as exc:
                raise TranslationMemoryError(f"{path}: cannot write the TMX file ({exc.strerror})") from None
        return data
