"""Opening a memory file: the schema, its migrations, and the checks made before anything is written.

`refuse_foreign_or_newer` looks at an existing file through a read-only connection, so a file
that is refused (another program's database, a newer schema, not a database at all) keeps every
byte; `use_wal` switches a new file to WAL mode; `create_or_check_schema` creates the tables of a
new memory or upgrades an older one, one version at a time, in one transaction.
`TranslationMemory.__init__` calls the three in that order; nothing else should need them.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import NotAMemory, TranslationMemoryError

if TYPE_CHECKING:
    from .memory import TranslationMemory

SCHEMA_VERSION = 3

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


FOREIGN = "an SQLite database of some other program, not a translation memory; choose another file with --tm"


def _newer(path: Path, version: int) -> TranslationMemoryError:
    return TranslationMemoryError(
        f"{path}: translation memory was made by a newer translate-tool "
        f"(schema {version}, this version reads {SCHEMA_VERSION}); upgrade translate-tool"
    )


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


def refuse_foreign_or_newer(tm: TranslationMemory, timeout: float) -> None:
    """Look at an existing file through a read-only connection before `tm` opens it for writing.

    Opening for writing is not harmless: switching to WAL rewrites the header, and the
    last connection to close checkpoints. A file we are going to refuse (another
    program's database, a newer schema, not a database at all) must keep every byte.
    """
    path = tm.path
    if not path.exists() or path.stat().st_size == 0:
        return  # nothing to protect: a new memory
    uri = f"{path.resolve().as_uri()}?mode=ro"
    wal = Path(f"{path}-wal")
    # Even a read-only connection to a WAL database creates -wal and -shm files beside it
    # and leaves them. When no -wal file exists the main file is the whole database, so
    # read it as immutable: no locks, no new files. Without locks, a process that is just
    # creating this memory can change the file under the read: then read it again, with
    # locks (a file someone is writing as a memory is no foreign file to protect).
    immutable = _is_wal_header(path) and not wal.exists()
    before = _stamp(path)
    try:
        version, tables, columns = _peek(tm, uri + ("&immutable=1" if immutable else ""), timeout)
    except TranslationMemoryError:
        if not immutable or (not wal.exists() and _stamp(path) == before):
            raise
        version, tables, columns = _peek(tm, uri, timeout)
    else:
        if immutable and (wal.exists() or _stamp(path) != before):
            version, tables, columns = _peek(tm, uri, timeout)
    if not tables and version == 0:
        return  # an empty database: ours to create the schema in
    if version == 0 or not {"source", "source_lang", "target_lang", "target", "origin"} <= columns:
        raise NotAMemory(f"{path}: {FOREIGN}")
    if version > SCHEMA_VERSION:
        raise _newer(path, version)


def _peek(tm: TranslationMemory, uri: str, timeout: float) -> tuple[int, set[str], set[str]]:
    """(user_version, table names, columns of `entries`) through a read-only connection."""
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
    except sqlite3.Error as exc:
        raise TranslationMemoryError(f"{tm.path}: cannot open the translation memory ({exc})") from None
    try:
        with tm.sqlite_errors("opening"):
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            columns = {row[1] for row in conn.execute("PRAGMA table_info(entries)")}
    finally:
        conn.close()
    return version, tables, columns


def use_wal(conn: sqlite3.Connection, timeout: float) -> None:
    """Switch the file to WAL mode, once: the mode is stored in the file.

    The switch needs an exclusive lock and SQLite reports "locked" at once instead of
    waiting for the busy timeout when another process is switching the same new file
    at that moment (seen about once in 200 simultaneous first opens), so retry briefly.
    """
    if conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def create_or_check_schema(tm: TranslationMemory) -> None:
    """Create the tables of a new memory, upgrade an older one, refuse a newer or foreign one."""
    conn = tm.connection
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == SCHEMA_VERSION:
        return
    if version > SCHEMA_VERSION:
        raise _newer(tm.path, version)
    with tm.write("creating"):
        # Checked again under the write lock: another process may have just created it.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version in MIGRATIONS:
            while version < SCHEMA_VERSION:  # one version at a time, all in this transaction
                for statement in MIGRATIONS[version]:
                    conn.execute(statement)
                version += 1
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            return
        if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise NotAMemory(f"{tm.path}: {FOREIGN}")
        for statement in SCHEMA:
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
