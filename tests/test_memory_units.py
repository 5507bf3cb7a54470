"""The memory modules one function at a time, in-process, on real SQLite files (issue 18).

The CLI tests open memories through subprocesses or through the whole review import; these
call `memory_history` and `memory_schema` directly and check whole return values, history rows
and error messages word for word, so a mutant of these functions fails here.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import pytest

from translate_tool import memory_schema
from translate_tool.errors import InputError, MemoryBusy, TranslationMemoryError
from translate_tool.memory import SCHEMA_VERSION, TranslationMemory
from translate_tool.memory_history import (
    Clash,
    HistoryEntry,
    ReviewChange,
    ReviewCounts,
    current_review,
    history,
    open_conflicts,
    post_edit_pairs,
    record_reviews,
    resolve,
)

ARABIC = "قال المتحدث إن المحادثات ستستأنف الأسبوع المقبل."
# The same sentence as Word might give it: NBSP, doubled spaces, tatweel.
ARABIC_VARIANT = "  قال\u00a0المتحدث  إن المحـــادثات ستستأنف الأسبوع\u202fالمقبل. "
OTHER = "وأضاف أن الوفد سيصل غدا."
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@pytest.fixture
def tm(tmp_path):
    with TranslationMemory(tmp_path / "memory.sqlite3") as memory:
        yield memory


def change(target: str, who: str = "", sha: str = "", source: str = ARABIC, **more) -> ReviewChange:
    return ReviewChange(source, target, author=who, file_sha256=sha, **more)


class Judge:
    """A conflict rule that answers from a table (English -> verdict) and remembers what it was asked."""

    def __init__(self, verdicts: dict[str, str]):
        self.verdicts = verdicts
        self.calls: list[tuple[ReviewChange, HistoryEntry | None, list[HistoryEntry]]] = []

    def __call__(self, change, current, past):
        self.calls.append((change, current, list(past)))
        return self.verdicts.get(change.target, "stored")


def rows(tm: TranslationMemory, source: str = ARABIC) -> list[tuple]:
    """A passage's history without the recording times: (id, target, event, author, made_at, file, sha, shown, row)."""
    return [
        (h.id, h.target, h.event, h.author, h.made_at, h.file, h.file_sha256, h.shown, h.row)
        for h in history(tm, source)
    ]


def entry(tm: TranslationMemory, source: str = ARABIC) -> dict | None:
    found = tm.connection.execute("SELECT * FROM entries WHERE source = ?", (source,)).fetchone()
    return None if found is None else dict(found)


def snapshot(path: Path) -> dict[str, bytes]:
    """The database and every sidecar file SQLite might add beside it."""
    return {p.name: p.read_bytes() for p in sorted(path.parent.glob(path.name + "*"))}


# --- memory_history: which reviewed entry is in force ---------------------------------------


def test_current_review_is_the_last_stored_or_kept_row_with_the_entrys_english(tm):
    first = change("Alice's English.", "Alice", "a1", made_at="2024-05-01T10:00:00Z", shown="f1", row=3)
    record_reviews(tm, [first], "alice.docx")
    judge = Judge({"Bob's English.": "conflict", "Carol's English.": "conflict"})
    record_reviews(tm, [change("Bob's English.", "Bob", "b1")], "bob.docx", judge)
    assert resolve(tm, ARABIC, None).id == 1
    record_reviews(tm, [change("Carol's English.", "Carol", "c1")], "carol.docx", judge)
    assert resolve(tm, ARABIC, None).id == 3  # the row in force is now the one that kept it
    alice = ("Alice's English.", "kept", "Alice", "2024-05-01T10:00:00Z", "alice.docx", "a1", "f1", 3)
    assert rows(tm) == [
        (1, "Alice's English.", "stored", "Alice", "2024-05-01T10:00:00Z", "alice.docx", "a1", "f1", 3),
        (2, "Bob's English.", "conflict", "Bob", "", "bob.docx", "b1", "", None),
        (3, *alice),
        (4, "Carol's English.", "conflict", "Carol", "", "carol.docx", "c1", "", None),
        (5, *alice),
    ]
    # the last of the rows (1, 3, 5) that stored or kept the entry's English, found from a variant spelling
    assert current_review(tm, ARABIC_VARIANT) == history(tm, ARABIC)[4]


def test_a_reviewed_entry_the_history_does_not_explain_is_in_force_without_provenance(tm, tmp_path):
    record_reviews(tm, [change("Old English.", "Alice", "a1")], "alice.docx")
    # another program (or a hand edit) changed the entry without writing the ledger
    with sqlite3.connect(tmp_path / "memory.sqlite3") as other:
        other.execute("UPDATE entries SET target = 'Edited by hand.'")
    other.close()
    assert current_review(tm, ARABIC) == HistoryEntry(
        0, "Edited by hand.", "stored", "", "", "", "", "", None, ""
    )


def test_no_review_in_force_for_an_unknown_or_machine_passage(tm):
    assert current_review(tm, ARABIC) is None
    tm.store_machine_rows([{**tm.key(ARABIC), "target": "Machine English.", "model": "m 1", "score": -0.2}])
    assert current_review(tm, ARABIC) is None
    record_reviews(tm, [change("Reviewed English.")], "r.docx")
    (row,) = history(tm, ARABIC)
    assert (
        current_review(tm, ARABIC)
        == row
        == HistoryEntry(1, "Reviewed English.", "stored", "", "", "r.docx", "", "", None, row.recorded_at)
    )
    assert STAMP.fullmatch(row.recorded_at)


# --- memory_history: record_reviews -------------------------------------------------------


@pytest.mark.parametrize(
    ("passages", "message"),
    [
        ([("نص أول.", "First."), ("  \u0640 ", "Second.")], "r.docx: passage 2 has no Arabic text"),
        ([("نص أول.", "First."), ("نص ثان.", " \n ")], "r.docx: passage 2 has no English text"),
        ([("", "First.")], "r.docx: passage 1 has no Arabic text"),
        ([("نص أول.", "")], "r.docx: passage 1 has no English text"),
    ],
)
def test_a_passage_with_an_empty_side_is_named_and_nothing_is_recorded(tm, passages, message):
    with pytest.raises(InputError) as caught:
        record_reviews(tm, [ReviewChange(a, e) for a, e in passages], "r.docx")
    assert str(caught.value) == f"{message}; nothing from this file was recorded"
    assert tm.connection.execute("SELECT count(*) FROM entries").fetchone()[0] == 0
    assert tm.connection.execute("SELECT count(*) FROM history").fetchone()[0] == 0


def test_record_reviews_counts_every_outcome_and_stores_normalised_stripped_text(tm):
    tm.store_machine_rows([{**tm.key(OTHER), "target": "Machine English.", "model": "m 1", "score": -0.2}])
    third = "نص ثالث."
    counts = record_reviews(
        tm,
        [change("  First review. ", source=ARABIC_VARIANT), change("Review of other.\n", source=OTHER)],
        "one.docx",
    )
    assert counts == ReviewCounts(new=1, changed=1, unchanged=0)
    assert (counts.stored, counts.conflicts, counts.superseded) == (2, [], [])
    assert entry(tm)["target"] == "First review." and entry(tm, OTHER)["target"] == "Review of other."
    assert rows(tm) == [(1, "First review.", "stored", "", "", "one.docx", "", "", None)]
    first = history(tm, ARABIC)[0]

    judge = Judge({"Late review.": "superseded", "Rival review.": "conflict"})
    counts = record_reviews(
        tm,
        [
            change("First review.", source=ARABIC_VARIANT),  # the same English again: unchanged
            change("Review of other.", source=OTHER),  # unchanged too
            change("Late review.", "Old", "s1"),
            change("Rival review.", "Rival", "s2", source=OTHER),
            change("Third review.", source=third),
            change("Fourth review.", source="نص رابع."),
        ],
        "two.docx",
        judge,
    )
    other_current = history(tm, OTHER)[0]
    assert counts == ReviewCounts(
        new=2,
        changed=0,
        unchanged=2,
        conflicts=[Clash(change("Rival review.", source=OTHER), other_current)],
        superseded=[Clash(change("Late review."), first)],
    )
    # the judge is asked only about English that differs from the entry in force, and told what it has
    assert judge.calls == [
        (change("Late review.", "Old", "s1"), first, [first]),
        (change("Rival review.", "Rival", "s2", source=OTHER), other_current, [other_current]),
        (change("Third review.", source=third), None, []),
        (change("Fourth review.", source="نص رابع."), None, []),
    ]
    assert [c[0].author for c in judge.calls] == ["Old", "Rival", "", ""]
    assert rows(tm) == [
        (1, "First review.", "stored", "", "", "one.docx", "", "", None),
        (3, "Late review.", "superseded", "Old", "", "two.docx", "s1", "", None),
    ]
    assert rows(tm, OTHER) == [
        (2, "Review of other.", "stored", "", "", "one.docx", "", "", None),
        (4, "Rival review.", "conflict", "Rival", "", "two.docx", "s2", "", None),
    ]
    assert entry(tm)["target"] == "First review." and entry(tm, OTHER)["target"] == "Review of other."
    # one document, one time: every row it wrote was recorded at the same moment, as its entries
    stamps = {h.recorded_at for h in history(tm, ARABIC)[1:] + history(tm, OTHER)[1:] + history(tm, third)}
    assert len(stamps) == 1 and entry(tm, third)["updated_at"] in stamps


def test_changed_entries_are_counted_one_by_one(tm):
    record_reviews(tm, [change("One.", source=ARABIC), change("Two.", source=OTHER)], "a.docx")
    counts = record_reviews(
        tm, [change("One, edited.", source=ARABIC), change("Two, edited.", source=OTHER)], "b.docx"
    )
    assert counts == ReviewCounts(new=0, changed=2, unchanged=0)


def test_the_same_clash_is_recorded_once_per_file_but_a_new_file_is_recorded_again(tm):
    record_reviews(tm, [change("Kept.")], "a.docx")
    judge = Judge({"Rival.": "conflict"})
    for file, sha in [("b.docx", "b1"), ("b.docx", "b1"), ("c.docx", "c1")]:
        counts = record_reviews(tm, [change("Rival.", "Rival", sha)], file, judge)
        assert counts.conflicts == [Clash(change("Rival."), history(tm, ARABIC)[0])]
    assert rows(tm) == [
        (1, "Kept.", "stored", "", "", "a.docx", "", "", None),
        (2, "Rival.", "conflict", "Rival", "", "b.docx", "b1", "", None),
        (3, "Rival.", "conflict", "Rival", "", "c.docx", "c1", "", None),
    ]
    # the same English and file as a superseded offer is another event: recorded
    record_reviews(tm, [change("Rival.", "Rival", "b1")], "b.docx", Judge({"Rival.": "superseded"}))
    assert rows(tm)[3] == (4, "Rival.", "superseded", "Rival", "", "b.docx", "b1", "", None)
    # and English the file gave earlier with another sha256 is a new offer too
    record_reviews(tm, [change("Other rival.", "Rival", "b1")], "b.docx", Judge({"Other rival.": "conflict"}))
    assert rows(tm)[4] == (5, "Other rival.", "conflict", "Rival", "", "b.docx", "b1", "", None)
    assert len(rows(tm)) == 5


def test_a_review_replacing_machine_english_keeps_it_for_the_report(tm):
    tm.store_machine_rows([{**tm.key(ARABIC), "target": "Machine English.", "model": "m 1", "score": -0.2}])
    record_reviews(tm, [change("Reviewed.")], "r.docx")
    record_reviews(tm, [change("Reviewed again.")], "s.docx")
    found = entry(tm)
    assert (found["target"], found["origin"], found["model"], found["score"], found["reviewed_file"]) == (
        "Reviewed again.",
        "reviewed",
        None,
        None,
        "s.docx",
    )
    assert (found["machine_target"], found["machine_model"]) == ("Machine English.", "m 1")
    assert post_edit_pairs(tm) == ({"m 1": [("Machine English.", "Reviewed again.")]}, {})


# --- memory_history: resolve and open conflicts ------------------------------------------------


def _two_reviewers(tm: TranslationMemory) -> None:
    alice = change("Alice's English.", "Alice", "a1", made_at="2024-05-01T10:00:00Z", shown="f1", row=3)
    record_reviews(tm, [alice], "alice.docx")
    bob = change("Bob's English.", "Bob", "b1", made_at="2024-05-02T10:00:00Z", shown="f2", row=4)
    record_reviews(tm, [bob], "bob.docx", Judge({"Bob's English.": "conflict"}))


def test_resolve_taking_a_conflict_stores_it_with_its_provenance(tm):
    _two_reviewers(tm)
    assert open_conflicts(tm, [ARABIC_VARIANT, "  "]) == {ARABIC: [history(tm, ARABIC)[1]]}
    bob = history(tm, ARABIC)[1]
    assert resolve(tm, ARABIC_VARIANT, 2) == bob
    bob_row = ("Bob's English.", "2024-05-02T10:00:00Z", "bob.docx", "b1", "f2", 4)
    assert [(r[1], r[4], r[5], r[6], r[7], r[8]) for r in rows(tm)][1:] == [bob_row, bob_row]
    assert [r[2:4] for r in rows(tm)] == [("stored", "Alice"), ("conflict", "Bob"), ("stored", "Bob")]
    found = entry(tm)
    assert (found["target"], found["origin"], found["reviewed_file"]) == (
        "Bob's English.",
        "reviewed",
        "bob.docx",
    )
    assert STAMP.fullmatch(found["updated_at"]) and STAMP.fullmatch(history(tm, ARABIC)[2].recorded_at)
    assert current_review(tm, ARABIC) == history(tm, ARABIC)[2]
    assert open_conflicts(tm, [ARABIC]) == {}


def test_resolve_keeping_the_entry_records_it_again_and_leaves_the_entry(tm):
    _two_reviewers(tm)
    before = entry(tm)
    alice = history(tm, ARABIC)[0]
    assert resolve(tm, ARABIC_VARIANT, None) == alice
    assert rows(tm)[2] == (
        3,
        "Alice's English.",
        "kept",
        "Alice",
        "2024-05-01T10:00:00Z",
        "alice.docx",
        "a1",
        "f1",
        3,
    )
    assert STAMP.fullmatch(history(tm, ARABIC)[2].recorded_at)
    assert entry(tm) == before
    assert open_conflicts(tm, [ARABIC]) == {}


def test_resolve_names_what_it_cannot_find(tm):
    with pytest.raises(InputError) as caught:
        resolve(tm, ARABIC, None)
    assert str(caught.value) == "no reviewed entry for this passage; see `translate-tool tm history`"
    _two_reviewers(tm)
    with pytest.raises(InputError) as caught:
        resolve(tm, ARABIC, 3)
    assert str(caught.value) == "no history entry #3 for this passage; see `translate-tool tm history`"
    assert len(rows(tm)) == 2


def test_open_conflicts_are_those_after_the_last_decision(tm):
    # a judge may call even a first offer a conflict: nothing settled it (row 1, settled at 0)
    record_reviews(tm, [change("Unsettled.", source=OTHER)], "z.docx", Judge({"Unsettled.": "conflict"}))  # 1
    record_reviews(tm, [change("Kept.")], "a.docx")  # 2
    judge = Judge({"Rival 1.": "conflict", "Rival 2.": "conflict", "Late.": "superseded"})
    record_reviews(tm, [change("Rival 1.")], "b.docx", judge)  # 3
    resolve(tm, ARABIC, None)  # 4: kept
    record_reviews(tm, [change("Rival 2.")], "c.docx", judge)  # 5
    record_reviews(tm, [change("Late.")], "d.docx", judge)  # 6: superseded, not a conflict
    assert [r[2] for r in rows(tm)] == ["stored", "conflict", "kept", "conflict", "superseded"]
    assert open_conflicts(tm, [ARABIC, OTHER, "نص آخر."]) == {
        ARABIC: [history(tm, ARABIC)[3]],
        OTHER: [history(tm, OTHER)[0]],
    }
    assert history(tm, OTHER)[0].id == 1
    assert open_conflicts(tm, []) == {}


def test_history_of_another_language_pair_is_its_own(tmp_path):
    path = tmp_path / "memory.sqlite3"
    with TranslationMemory(path) as ar_en, TranslationMemory(path, "ar", "fr") as ar_fr:
        record_reviews(ar_en, [change("English.")], "en.docx")
        record_reviews(ar_fr, [change("Français.")], "fr.docx")
        assert [r[1] for r in rows(ar_en)] == ["English."]
        assert [r[1] for r in rows(ar_fr)] == ["Français."]
        assert current_review(ar_fr, ARABIC).target == "Français."


# --- memory_schema: the checks made before a file is opened for writing -------------------------


def bare(path: Path) -> TranslationMemory:
    """A TranslationMemory connected to `path` as __init__ connects, before any schema step."""
    tm = TranslationMemory.__new__(TranslationMemory)
    tm.path, tm.source_lang, tm.target_lang = path, "ar", "en"
    tm.connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    tm.connection.row_factory = sqlite3.Row
    return tm


def make_foreign(path: Path, wal: bool = False) -> None:
    conn = sqlite3.connect(path)
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
    conn.execute("INSERT INTO contacts VALUES ('Hala', '555-0101')")
    conn.commit()
    conn.close()


def make_memory(path: Path, version: int, journal_mode: str) -> None:
    TranslationMemory(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode={journal_mode}")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.close()


def make_lookalike(path: Path, version: int, columns: str) -> None:
    """A table called `entries` with the given columns, at schema `version`."""
    conn = sqlite3.connect(path)
    conn.execute(f"CREATE TABLE entries ({columns})")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()


def make_module_table(path: Path) -> None:
    """Another program's database with a table of an SQLite extension this build does not have."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute(
        "INSERT INTO sqlite_master VALUES ('table', 'entries', 'entries', 0, "
        "'CREATE VIRTUAL TABLE entries USING nosuchmodule(body)')"
    )
    conn.commit()
    conn.close()


def wal_header() -> bytes:
    """The first 100 bytes of an SQLite file that says WAL mode (read and write versions 2)."""
    header = bytearray(b"SQLite format 3\x00" + bytes(84))
    header[18:20] = b"\x02\x02"
    return bytes(header)


FOREIGN = "an SQLite database of some other program, not a translation memory; choose another file with --tm"
NEWER = "translation memory was made by a newer translate-tool (schema 4, this version reads 3); upgrade translate-tool"
REFUSED = {
    "foreign, rollback journal": (make_foreign, FOREIGN),
    "foreign, WAL": (lambda p: make_foreign(p, wal=True), FOREIGN),
    "newer memory, rollback journal": (lambda p: make_memory(p, SCHEMA_VERSION + 1, "DELETE"), NEWER),
    "newer memory, WAL": (lambda p: make_memory(p, SCHEMA_VERSION + 1, "WAL"), NEWER),
    "entries of ours at schema 0": (
        lambda p: make_lookalike(p, 0, "source, source_lang, target_lang, target, origin"),
        FOREIGN,
    ),
    **{
        f"schema 2 entries without {missing}": (
            lambda p, missing=missing: make_lookalike(
                p,
                2,
                ", ".join(
                    c for c in ("source", "source_lang", "target_lang", "target", "origin") if c != missing
                ),
            ),
            FOREIGN,
        )
        for missing in ("source", "source_lang", "target_lang", "target", "origin")
    },
    "junk after a WAL header": (
        lambda p: p.write_bytes(wal_header() + b"\xff" * 4000),
        "not a usable translation memory (file is not a database); move the file aside or choose another with --tm",
    ),
    "a table of a missing extension": (
        make_module_table,
        "opening the translation memory failed (no such module: nosuchmodule)",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_refused_file_is_named_and_keeps_every_byte(tmp_path, case):
    make, reason = REFUSED[case]
    path = tmp_path / "memory.sqlite3"
    make(path)
    before = snapshot(path)
    with pytest.raises(TranslationMemoryError) as caught:
        TranslationMemory(path)
    assert str(caught.value) == f"{path}: {reason}"
    assert snapshot(path) == before  # no new sidecar file, not one byte changed


def test_an_empty_database_becomes_a_memory(tmp_path):
    """A database with no table (left by `sqlite3 FILE 'VACUUM'`, say) is not foreign: ours to fill."""
    path = tmp_path / "memory.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE scratch (x)")
    conn.execute("DROP TABLE scratch")
    conn.commit()
    conn.close()
    assert path.stat().st_size > 0
    with TranslationMemory(path) as tm:
        assert tm.stats()["entries"] == 0
        assert tm.connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert tm.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_entries_with_just_the_key_columns_pass_the_first_check(tmp_path):
    """The check asks for the five columns the memory is looked up by; more are not needed to pass it."""
    path = tmp_path / "memory.sqlite3"
    make_lookalike(path, SCHEMA_VERSION, "source, source_lang, target_lang, target, origin")
    memory_schema.refuse_foreign_or_newer(bare(path), 1.0)


def test_a_current_memory_reopens_without_a_write(tmp_path):
    path = tmp_path / "memory.sqlite3"
    TranslationMemory(path).close()
    before = snapshot(path)
    with TranslationMemory(path) as tm:
        assert tm.stats()["schema_version"] == SCHEMA_VERSION
    assert snapshot(path) == before


def test_a_memory_being_created_is_read_again_with_locks(tmp_path, monkeypatch):
    """A file another process is creating as a memory can change under the lock-free read: read it again."""
    path = tmp_path / "memory.sqlite3"
    # The header of a WAL database, then junk: what a reader may see while a memory is written.
    path.write_bytes(wal_header() + b"\xff" * 4000)
    real_peek, uris = memory_schema._peek, []

    def peek_while_the_other_process_finishes(tm, uri, timeout):
        uris.append(uri)
        try:
            return real_peek(tm, uri, timeout)
        finally:
            if len(uris) == 1:  # the other process finishes the memory just after the first read
                done = tmp_path / "done.sqlite3"
                with TranslationMemory(done) as other:
                    record_reviews(other, [change("Stored by the other process.")], "other.docx")
                done.replace(path)

    monkeypatch.setattr(memory_schema, "_peek", peek_while_the_other_process_finishes)
    with TranslationMemory(path) as tm:
        assert current_review(tm, ARABIC).target == "Stored by the other process."
    ro = f"{path.resolve().as_uri()}?mode=ro"
    assert uris == [ro + "&immutable=1", ro]


def test_a_memory_written_during_the_lock_free_read_is_read_again(tmp_path, monkeypatch):
    path = tmp_path / "memory.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")  # an empty WAL database, as a new memory starts
    conn.close()
    real_peek, seen = memory_schema._peek, []

    def peek_while_the_other_process_writes(tm, uri, timeout):
        found = real_peek(tm, uri, timeout)
        seen.append((uri, found))
        if len(seen) == 1:
            with TranslationMemory(path) as other:
                record_reviews(other, [change("Stored meanwhile.")], "other.docx")
        return found

    monkeypatch.setattr(memory_schema, "_peek", peek_while_the_other_process_writes)
    with TranslationMemory(path) as tm:
        assert current_review(tm, ARABIC).target == "Stored meanwhile."
    ro = f"{path.resolve().as_uri()}?mode=ro"
    assert [uri for uri, _ in seen[:1]] == [ro + "&immutable=1"]
    assert seen[0][1] == (0, set(), set())
    # the read again (after the other process's own reads) has locks and sees the memory
    assert seen[-1][0] == ro and seen[-1][1][0] == SCHEMA_VERSION and "history" in seen[-1][1][1]


def test_peek_says_when_it_cannot_open_the_file(tmp_path):
    tm = bare(tmp_path / "memory.sqlite3")
    missing = (tmp_path / "missing" / "memory.sqlite3").as_uri() + "?mode=ro"
    with pytest.raises(TranslationMemoryError) as caught:
        memory_schema._peek(tm, missing, 1.0)
    assert (
        str(caught.value) == f"{tm.path}: cannot open the translation memory (unable to open database file)"
    )


def test_peek_reads_the_version_tables_and_entry_columns(tmp_path):
    path = tmp_path / "memory.sqlite3"
    TranslationMemory(path).close()
    tm = bare(path)
    version, tables, columns = memory_schema._peek(tm, f"{path.resolve().as_uri()}?mode=ro", 1.0)
    assert (version, tables) == (SCHEMA_VERSION, {"entries", "history"})
    assert {"source", "source_lang", "target_lang", "target", "origin", "machine_model"} <= columns
    assert len(columns) == 16


def busy_timeouts(monkeypatch) -> list[int]:
    """The busy timeout (ms) SQLite sets on each connection opened from now on: a spy on the real connect."""
    seen: list[int] = []
    real = sqlite3.connect

    def connect(*args, **kwargs):
        conn = real(*args, **kwargs)
        seen.append(conn.execute("PRAGMA busy_timeout").fetchone()[0])
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect)
    return seen


def test_peek_waits_only_as_long_as_it_is_told(tmp_path, monkeypatch):
    path = tmp_path / "memory.sqlite3"
    make_foreign(path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # a writer in the middle of its commit: no reader gets in
    tm = bare(path)
    timeouts = busy_timeouts(monkeypatch)
    with pytest.raises(MemoryBusy):
        memory_schema._peek(tm, f"{path.resolve().as_uri()}?mode=ro", 0.0)
    assert timeouts == [0]  # not SQLite's default 5 s, and no wait of its own
    holder.execute("COMMIT")
    holder.close()


# --- memory_schema: WAL mode and the schema -------------------------------------------------------


def journal_switches(conn: sqlite3.Connection) -> list[str]:
    switches: list[str] = []
    conn.set_trace_callback(
        lambda sql: switches.append(sql) if sql.lower().startswith("pragma journal_mode=") else None
    )
    return switches


def test_switching_to_wal_retries_while_the_file_is_locked_then_gives_up(tmp_path):
    path = tmp_path / "memory.sqlite3"
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("CREATE TABLE t (x)")
    reader.execute("BEGIN")
    reader.execute("SELECT * FROM t").fetchall()  # a shared lock: the switch cannot have its exclusive one
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)  # SQLite itself does not wait
    switches = journal_switches(conn)
    start = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="^database is locked$"):
        memory_schema.use_wal(conn, 0.2)
    assert time.monotonic() - start >= 0.2
    assert len(switches) >= 3  # tried again every 10 ms until the 0.2 s were up
    reader.execute("COMMIT")
    switches.clear()
    memory_schema.use_wal(conn, 0.2)
    assert len(switches) == 1 and conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    switches.clear()
    memory_schema.use_wal(conn, 0.2)  # the mode is in the file: once is enough
    assert switches == []
    conn.close()
    reader.close()


def test_switching_to_wal_does_not_retry_other_errors(tmp_path):
    path = tmp_path / "memory.sqlite3"
    path.write_bytes(b"not a database " * 300)
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    switches = journal_switches(conn)
    with pytest.raises(sqlite3.DatabaseError, match="^file is not a database$"):
        memory_schema.use_wal(conn, 5.0)
    assert switches == []  # failed on reading the mode, before any switch
    conn.close()


def test_the_schema_check_refuses_a_newer_memory_met_after_opening(tm, tmp_path):
    with sqlite3.connect(tmp_path / "memory.sqlite3") as other:
        other.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    other.close()
    with pytest.raises(TranslationMemoryError) as caught:
        memory_schema.create_or_check_schema(tm)
    assert str(caught.value) == f"{tm.path}: {NEWER}"


def test_the_schema_check_refuses_a_foreign_database_and_creates_nothing(tmp_path):
    path = tmp_path / "memory.sqlite3"
    make_foreign(path)
    tm = bare(path)
    with pytest.raises(TranslationMemoryError) as caught:
        memory_schema.create_or_check_schema(tm)
    assert str(caught.value) == f"{path}: {FOREIGN}"
    assert [r[0] for r in tm.connection.execute("SELECT name FROM sqlite_master")] == ["contacts"]
    assert tm.connection.execute("PRAGMA user_version").fetchone()[0] == 0


def test_a_memory_another_process_created_meanwhile_is_left_as_it_is(tmp_path):
    """Two processes open the same new file: the second finds the schema made under the write lock."""
    path = tmp_path / "memory.sqlite3"
    tm = bare(path)
    tm.connection.close()
    tm.connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    tm.connection.row_factory = sqlite3.Row
    memory_schema.use_wal(tm.connection, 1.0)

    def create_it_first(sql: str) -> None:
        if sql == "BEGIN IMMEDIATE":  # just before this process takes the write lock
            tm.connection.set_trace_callback(None)
            with TranslationMemory(path) as other:
                record_reviews(other, [change("The other process's review.")], "other.docx")

    tm.connection.set_trace_callback(create_it_first)
    memory_schema.create_or_check_schema(tm)
    assert tm.connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert current_review(tm, ARABIC).target == "The other process's review."
    assert len(history(tm, ARABIC)) == 1
    tm.close()


SCHEMA_2_ENTRIES = memory_schema.ENTRIES_TABLE.format(name="entries")


def test_a_schema_2_memory_gets_its_reviews_as_the_first_history(tmp_path):
    path = tmp_path / "memory.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(SCHEMA_2_ENTRIES)
    conn.executemany(
        "INSERT INTO entries (source, source_lang, target_lang, target, origin, model, reviewed_file, "
        "reviewed_at, created_at, updated_at) VALUES (?, 'ar', 'en', ?, ?, ?, ?, ?, ?, ?)",
        [
            (OTHER, "Later review.", "reviewed", None, None, None, "2024-01-01T00:00:00Z", "2024-03-01T00:00:00Z"),
            (ARABIC, "Early review.", "reviewed", None, "r.docx", "2024-02-01T09:00:00Z", "2024-01-01T00:00:00Z",
             "2024-02-01T00:00:00Z"),
            ("نص.", "Machine.", "machine", "m 1", None, None, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"),
        ],
    )  # fmt: skip
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    with TranslationMemory(path) as tm:
        assert tm.connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert [tuple(h.__dict__.values()) for h in history(tm, ARABIC) + history(tm, OTHER)] == [
            (
                1,
                "Early review.",
                "stored",
                "",
                "2024-02-01T09:00:00Z",
                "r.docx",
                "",
                "",
                None,
                "2024-02-01T00:00:00Z",
            ),
            (2, "Later review.", "stored", "", "", "", "", "", None, "2024-03-01T00:00:00Z"),
        ]
        assert history(tm, "نص.") == []
        assert tm.stats()["by_origin"] == {"reviewed": 2, "imported": 0, "machine": 1}


def test_a_failed_upgrade_leaves_the_old_memory_as_it_was(tmp_path):
    path = tmp_path / "memory.sqlite3"
    # a schema 1 memory that has lost a column the upgrade copies
    make_lookalike(path, 1, "source, source_lang, target_lang, target, origin, model, created_at, updated_at")
    with pytest.raises(TranslationMemoryError) as caught:
        TranslationMemory(path)
    assert (
        str(caught.value) == f"{path}: creating the translation memory failed (no such column: reviewed_file)"
    )
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["entries"]
    conn.close()


# --- memory: opening, errors, stats ----------------------------------------------------------


def test_a_memory_in_folders_that_do_not_exist_yet(tmp_path):
    path = tmp_path / "a" / "b" / "memory.sqlite3"
    TranslationMemory(path).close()
    with TranslationMemory(path, create=False) as tm:  # the folder exists now: opened again
        assert tm.stats()["entries"] == 0


def test_opening_names_what_is_missing_or_in_the_way(tmp_path):
    path = tmp_path / "memory.sqlite3"
    with pytest.raises(TranslationMemoryError) as caught:
        TranslationMemory(path, create=False)
    assert (
        str(caught.value)
        == f"{path}: no translation memory yet; the first export or review import creates it"
    )
    assert not path.exists()
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(TranslationMemoryError) as caught:
        TranslationMemory(blocker / "memory.sqlite3")
    assert (
        str(caught.value) == f"{blocker}: cannot create the folder for the translation memory (File exists)"
    )
    with pytest.raises(TranslationMemoryError) as caught:
        TranslationMemory(tmp_path)
    assert str(caught.value) == f"{tmp_path}: is a folder; the translation memory must be a file"


def test_the_default_language_pair_is_arabic_to_english(tmp_path):
    path = tmp_path / "memory.sqlite3"
    with TranslationMemory(path, "ar", "en") as explicit:
        record_reviews(explicit, [change("Reviewed.")], "r.docx")
    with TranslationMemory(path) as tm:
        assert (tm.source_lang, tm.target_lang) == ("ar", "en")
        assert current_review(tm, ARABIC).target == "Reviewed."
        assert (entry(tm)["source_lang"], entry(tm)["target_lang"]) == ("ar", "en")


def test_a_busy_memory_is_waited_for_as_long_as_busy_timeout_says(tmp_path, monkeypatch):
    import translate_tool.memory as memory_module

    path = tmp_path / "memory.sqlite3"
    TranslationMemory(path).close()
    monkeypatch.setattr(memory_module, "BUSY_TIMEOUT_S", 0.0)
    with TranslationMemory(path) as tm:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
        assert tm.connection.execute("PRAGMA busy_timeout").fetchone()[0] == 0  # not SQLite's default 5 s
        with pytest.raises(MemoryBusy) as caught:
            tm.store_machine_rows([{**tm.key(ARABIC), "target": "Machine.", "model": "m 1", "score": -0.1}])
        holder.execute("COMMIT")
        holder.close()
    assert str(caught.value) == (
        f"{path}: translation memory still busy after 0 s (another translate-tool is writing to it); try again"
    )


def test_stats_counts_and_sizes_the_file_and_its_wal(tm):
    tm.store_machine_rows(
        [
            {**tm.key("نص أ."), "target": "A.", "model": "m 1", "score": -0.1},
            {**tm.key("نص ب."), "target": "B.", "model": "m 1", "score": -0.1},
            {**tm.key("نص ج."), "target": "C.", "model": "m 2", "score": -0.1},
        ]
    )
    record_reviews(tm, [change("Reviewed.")], "r.docx")
    wal = Path(f"{tm.path}-wal")
    assert wal.exists()
    assert tm.stats() == {
        "path": str(tm.path),
        "size_bytes": tm.path.stat().st_size + wal.stat().st_size,
        "schema_version": SCHEMA_VERSION,
        "entries": 4,
        "by_origin": {"reviewed": 1, "imported": 0, "machine": 3},
        "by_model": {"m 1": 2, "m 2": 1},
    }


def test_lookup_finds_every_variant_and_skips_empty_text(tm):
    record_reviews(tm, [change("Reviewed.")], "r.docx")
    found = tm.lookup([ARABIC_VARIANT, ARABIC, "  ", OTHER])
    assert list(found) == [ARABIC] and found[ARABIC]["target"] == "Reviewed."
    assert tm.lookup([]) == {}


def _damage(path: Path, *statements: str) -> None:
    """Another program (or a bad copy) changes the memory's tables behind translate-tool's back."""
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in statements:
        conn.execute(statement)
    conn.close()


def test_a_write_the_database_refuses_says_what_was_being_written(tm):
    record_reviews(tm, [change("Reviewed.")], "r.docx")
    record_reviews(tm, [change("Rival.")], "s.docx", Judge({"Rival.": "conflict"}))
    _damage(
        tm.path,
        "CREATE TRIGGER no_entries BEFORE INSERT ON entries BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END",
        "CREATE TRIGGER no_rows BEFORE INSERT ON history BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END",
    )
    failed = f"{tm.path}: writing to the translation memory failed (refused by a trigger)"
    for write in (
        lambda: record_reviews(tm, [change("Another.", source=OTHER)], "t.docx"),
        lambda: resolve(tm, ARABIC, 2),
        lambda: resolve(tm, ARABIC, None),
        lambda: tm.store_machine_rows([{**tm.key(OTHER), "target": "M.", "model": "m 1", "score": -0.1}]),
    ):
        with pytest.raises(TranslationMemoryError) as caught:
            write()
        assert str(caught.value) == failed
    assert len(history(tm, ARABIC)) == 2 and entry(tm, OTHER) is None


@pytest.mark.parametrize("table", ["entries", "history"])
def test_a_read_from_a_damaged_memory_says_what_was_being_read(tm, table):
    _damage(tm.path, f"DROP TABLE {table}")
    failed = f"{tm.path}: reading the translation memory failed (no such table: {table})"
    reads = {
        "entries": [
            lambda: current_review(tm, ARABIC),
            lambda: tm.stats(),
            lambda: tm.lookup([ARABIC]),
            lambda: post_edit_pairs(tm),
        ],
        "history": [
            lambda: history(tm, ARABIC),
            lambda: current_review(tm, ARABIC),
            lambda: open_conflicts(tm, [ARABIC]),
        ],
    }
    for read in reads[table]:
        with pytest.raises(TranslationMemoryError) as caught:
            read()
        assert str(caught.value) == failed


def test_a_folder_where_the_wal_file_goes_is_an_opening_failure(tmp_path):
    path = tmp_path / "memory.sqlite3"
    Path(f"{path}-wal").mkdir()
    with pytest.raises(TranslationMemoryError) as caught:
        TranslationMemory(path)
    assert str(caught.value) == f"{path}: opening the translation memory failed (disk I/O error)"


def test_storing_machine_rows_counts_what_changed(tm):
    assert tm.store_machine_rows([]) == 0
    rows = [
        {**tm.key(source), "target": f"English {n}.", "model": "m 1", "score": -0.1}
        for n, source in enumerate(["نص أ.", "نص ب.", "نص ج."])
    ]
    assert tm.store_machine_rows(rows) == 3
    assert tm.store_machine_rows(rows) == 0  # the same rows again change nothing
    assert tm.store_machine_rows([{**rows[0], "model": "m 2"}, rows[1]]) == 1


def test_machine_rows_need_the_model_label(tm):
    with pytest.raises(ValueError) as caught:
        tm.machine_rows([], "")
    assert str(caught.value) == "record_machine needs the model label"


def test_a_memory_path_that_cannot_be_opened_is_named(tmp_path):
    path = tmp_path / "memory.sqlite3"
    path.symlink_to(tmp_path / "gone" / "memory.sqlite3")  # a link to a folder that was removed
    with pytest.raises(TranslationMemoryError) as caught:
        TranslationMemory(path)
    assert str(caught.value) == f"{path}: cannot open the translation memory (unable to open database file)"
