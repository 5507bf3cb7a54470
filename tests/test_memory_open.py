"""A memory file we refuse keeps every byte: another program's database, a newer schema, junk.

Each file is a real SQLite database made the way its program would make it, hashed before the
command runs and compared byte for byte after, sidecar files (-wal, -shm, -journal) included.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from helpers import run_cli as run

from translate_tool.memory import SCHEMA_VERSION, TranslationMemory


def _snapshot(path: Path) -> dict[str, bytes]:
    """The database and every sidecar file SQLite might add beside it."""
    return {p.name: p.read_bytes() for p in sorted(path.parent.glob(path.name + "*"))}


def foreign_rollback(path: Path) -> None:
    """An address book in SQLite's default rollback-journal mode, as most programs leave it."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
        conn.executemany("INSERT INTO contacts VALUES (?, ?)", [("Hala", "555-0101"), ("Omar", "555-0102")])
    conn.close()


def foreign_wal(path: Path) -> None:
    """A program that runs its database in WAL mode too, closed cleanly (no -wal left)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT)")
    conn.execute("INSERT INTO settings VALUES ('theme', 'dark')")
    conn.commit()
    conn.close()


def foreign_with_entries_table(path: Path) -> None:
    """Another program's table that happens to be called `entries`."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE entries (id INTEGER PRIMARY KEY, title TEXT, body TEXT)")
        conn.execute("INSERT INTO entries (title, body) VALUES ('diary', 'today')")
    conn.close()


def newer_memory(journal_mode: str):
    def make(path: Path) -> None:
        TranslationMemory(path).close()
        conn = sqlite3.connect(path)
        conn.execute(f"PRAGMA journal_mode={journal_mode}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        conn.close()

    return make


def not_a_database(path: Path) -> None:
    path.write_bytes(b"this is not a database, it is a shopping list\n" * 200)


# what makes the file, the reason printed, the exit code: a file that is no memory at all is bad
# input (2, choose another file); a newer memory is ours but unreadable by this version (1, upgrade)
CASES = {
    "another program's database": (foreign_rollback, "some other program", 2),
    "another program's WAL database": (foreign_wal, "some other program", 2),
    "a table called entries that is not ours": (foreign_with_entries_table, "some other program", 2),
    "not a database at all": (not_a_database, "not a usable translation memory", 2),
    "a newer memory, rollback journal": (newer_memory("DELETE"), "newer translate-tool", 1),
    "a newer memory, WAL": (newer_memory("WAL"), "newer translate-tool", 1),
}

COMMANDS = {
    "export": lambda tm, tmp, seed, model: [
        "export", seed, "--model", model, "--out-dir", tmp / "out", "--tm", tm,
    ],
    "tm stats": lambda tm, tmp, seed, model: ["tm", "stats", "--tm", tm],
    "tm export": lambda tm, tmp, seed, model: ["tm", "export", tmp / "out.tmx", "--tm", tm],
}  # fmt: skip


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", list(CASES))
def test_refused_memory_file_is_not_modified(tmp_path, capsys, seed_path, synthetic_model, case, command):
    make, reason, expected = CASES[case]
    tm = tmp_path / "data" / "memory.sqlite3"
    tm.parent.mkdir()
    make(tm)
    before = _snapshot(tm)
    code, out, err = run(capsys, *COMMANDS[command](tm, tmp_path, seed_path, synthetic_model))
    assert code == expected and out == ""
    assert err.count("\n") == 1 and reason in err and str(tm) in err
    assert _snapshot(tm) == before  # same files, same bytes
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.tmx").exists()


def test_an_empty_file_becomes_a_memory(tmp_path):
    """`touch memory.sqlite3` then --tm: an empty file is an empty database, not a foreign one."""
    path = tmp_path / "memory.sqlite3"
    path.touch()
    with TranslationMemory(path) as tm:
        assert tm.stats()["entries"] == 0
