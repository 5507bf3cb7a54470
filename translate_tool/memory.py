"""The translation memory: English already produced or reviewed for a piece of Arabic.

Machine output is stored (`record_machine`), so exporting the same article twice does not load
the model twice; `lookup` gives the pipeline what the memory holds, and `apply_memory` puts it
back into articles before the translate stage, which then only translates what is still empty.

This module owns the open memory (`TranslationMemory`: the connection, its transactions, the
one-line errors), the entries' lookup, machine recording and the `tm stats` counts.
The rest lives next to it and works through `TranslationMemory`'s public hooks (`connection`,
`write`, `sqlite_errors`, `entry`, `key`):

- `memory_schema.py`: the tables, their migrations, and the checks made before a file is opened
  for writing;
- `memory_history.py`: the reviewer ledger: `record_reviews`, a passage's `history`, conflicts,
  `resolve`, and the post-edit pairs of `tm report`;
- `tmx.py`: `record_imported`, a CAT tool's TMX into the memory; `export/tmx.py`: `write_tmx`,
  the memory as TMX.

The memory is one SQLite file. Several translate-tool processes may use it at once: it runs
in WAL mode (readers never block the writer), waits up to `BUSY_TIMEOUT_S` for a lock instead
of failing, and every write is one short `BEGIN IMMEDIATE` transaction, which takes the write
lock up front so two writers queue instead of one failing half-way through.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import platformdirs

from . import APP_NAME
from . import memory_schema as schema
from .article import Article, Origin, normalise_source
from .errors import MemoryBusy, NotAMemory, TranslationMemoryError
from .memory_schema import SCHEMA_VERSION
from .text import utc_stamp

__all__ = [
    "BUSY_TIMEOUT_S",
    "SCHEMA_VERSION",
    "TM_ENV",
    "MemoryBusy",
    "TranslationMemory",
    "TranslationMemoryError",
    "default_tm_path",
]

TM_FILENAME = "memory.sqlite3"
TM_ENV = "TRANSLATE_TOOL_TM"
BUSY_TIMEOUT_S = 30.0

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


def default_tm_path() -> Path:
    """The memory file to use when the CLI gets no --tm: $TRANSLATE_TOOL_TM, else the user data folder."""
    override = os.environ.get(TM_ENV)
    if override:
        return Path(override).expanduser()
    return platformdirs.user_data_path(APP_NAME) / TM_FILENAME


class TranslationMemory:
    """One open translation memory file; use it as a context manager so the file is closed.

    Opening creates the file (and its folder) on first use. A file that is not a
    translate-tool memory is refused with `TranslationMemoryError`, never modified.
    """

    connection: sqlite3.Connection  # for the memory's own modules; others call the methods

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
        schema.refuse_foreign_or_newer(self, BUSY_TIMEOUT_S)
        try:
            # isolation_level=None: the sqlite3 module issues no hidden BEGINs; every write
            # below says BEGIN IMMEDIATE itself, and `with conn:` commits or rolls it back.
            self.connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise TranslationMemoryError(f"{self.path}: cannot open the translation memory ({exc})") from None
        self.connection.row_factory = sqlite3.Row
        try:
            with self.sqlite_errors("opening"):
                schema.use_wal(self.connection, BUSY_TIMEOUT_S)
                schema.create_or_check_schema(self)
        except TranslationMemoryError:
            self.connection.close()
            raise

    def __enter__(self) -> TranslationMemory:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.connection.close()

    # --- the hooks memory_schema, memory_history and the TMX modules work through ------------

    @contextmanager
    def sqlite_errors(self, doing: str) -> Iterator[None]:
        """Turn a database failure into a one-line error the CLI can print."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            message = str(exc)
            if "not a database" in message or "malformed" in message:
                raise NotAMemory(
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
    def write(self, doing: str) -> Iterator[sqlite3.Connection]:
        """One all-or-nothing write transaction that holds the write lock from its start.

        A deferred transaction that reads and then writes can fail with SQLITE_BUSY when
        another process committed in between, without waiting; IMMEDIATE queues instead.
        """
        with self.sqlite_errors(doing), self.connection:
            self.connection.execute("BEGIN IMMEDIATE")
            yield self.connection

    def entry(self, source: str) -> sqlite3.Row | None:
        """The entry (target, origin, model, score) for normalised `source`; inside sqlite_errors or write."""
        return self.connection.execute(
            "SELECT target, origin, model, score FROM entries "
            "WHERE source = ? AND source_lang = ? AND target_lang = ?",
            (source, self.source_lang, self.target_lang),
        ).fetchone()

    def key(self, source: str) -> dict[str, str]:
        """The primary key of `source`'s entry in this memory's language pair, as query parameters."""
        return {"source": source, "source_lang": self.source_lang, "target_lang": self.target_lang}

    # --- the stages' API ---------------------------------------------------------------

    def lookup(self, sources: Iterable[str]) -> dict[str, sqlite3.Row]:
        """Normalised source -> its entry (target, origin, model, score), all read in one snapshot.

        The precedence between reviewed and machine entries is the pipeline's (`apply_memory`).
        """
        found = {}
        with self.sqlite_errors("reading"), self.connection:
            self.connection.execute("BEGIN")  # one consistent snapshot, and one lock, for all lookups
            for source in {normalise_source(s) for s in sources}:
                entry = self.entry(source) if source else None
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
                **self.key(source),
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
        now = utc_stamp()
        stored = 0
        with self.write("writing to"):
            for row in rows:
                stored += self.connection.execute(UPSERT_MACHINE, {**row, "now": now}).rowcount
        return stored

    # --- `translate-tool tm ...` -------------------------------------------------------

    def stats(self) -> dict[str, object]:
        """Counts for `translate-tool tm stats`: entries by origin and by model, file and size."""
        with self.sqlite_errors("reading"):
            by_origin = dict(
                self.connection.execute(
                    "SELECT origin, count(*) FROM entries GROUP BY origin ORDER BY origin"
                )
            )
            by_model = dict(
                self.connection.execute(
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
