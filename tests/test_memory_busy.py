"""Issue 11, case 6: a memory locked by another process never costs the analyst the documents or the decoding.

A real second process holds SQLite's write lock (synchronised on the line it prints once it has
the lock); the export runs the synthetic model through the CLI with a short busy timeout.
"""

from __future__ import annotations

import subprocess
import sys

from docx import Document
from helpers import run_cli as run

import translate_tool.memory as memory_module
from translate_tool.memory import TranslationMemory, default_tm_path

PENDING_EXIT = 5

# Takes the write lock and holds it until its stdin closes.
LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()
conn.execute("COMMIT")
"""


def test_a_busy_memory_gets_its_documents_and_keeps_the_decoding(
    capsys, tmp_path, seed_path, synthetic_model, monkeypatch
):
    tm = default_tm_path()
    TranslationMemory(tm).close()
    monkeypatch.setattr(memory_module, "BUSY_TIMEOUT_S", 0.5)  # not a sleep: how long SQLite waits
    out_dir = tmp_path / "out"
    locker = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(tm)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert locker.stdout.readline() == "locked\n"
        code, out, err = run(capsys, "export", seed_path, "--model", synthetic_model, "--out-dir", out_dir)
    finally:
        locker.stdin.close()
        assert locker.wait(timeout=60) == 0
    docx, md = out_dir / f"{seed_path.stem}.docx", out_dir / f"{seed_path.stem}.md"
    assert code == PENDING_EXIT, err
    assert out.splitlines() == [str(docx), str(md)] and docx.exists() and md.exists()
    (line,) = [line for line in err.splitlines() if not line.startswith("QA: ")]  # one line, and the QA
    assert line.startswith("error: ") and "busy" in line and "pending.jsonl" in line, err
    journal = tm.with_name(tm.name + ".pending.jsonl")
    kept = journal.read_text(encoding="utf-8").splitlines()
    rows = len(Document(str(docx)).tables[0].rows) - 1
    assert len(kept) == rows

    # the next run stores the journal first, so nothing is decoded again
    monkeypatch.setattr(memory_module, "BUSY_TIMEOUT_S", 30.0)
    code, out, err = run(capsys, "export", seed_path, "--model", synthetic_model, "--out-dir", out_dir)
    assert code == 0, err
    assert not journal.exists() and not list(tm.parent.glob("*.claim"))
    with TranslationMemory(tm) as memory:
        assert memory.stats()["by_origin"]["machine"] == rows
    marks = [row.cells[0].text for row in Document(str(docx)).tables[0].rows[1:]]
    assert all(mark.endswith("MEM") for mark in marks), marks


def test_translate_on_a_busy_memory_prints_the_english_and_exits_5(
    capsys, tmp_path, seed_path, synthetic_model, monkeypatch
):
    """`translate` keeps the same promise as `export`: the English, the journal, and exit 5."""
    tm = default_tm_path()
    TranslationMemory(tm).close()
    monkeypatch.setattr(memory_module, "BUSY_TIMEOUT_S", 0.5)
    locker = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(tm)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert locker.stdout.readline() == "locked\n"
        code, out, err = run(capsys, "translate", seed_path, "--model", synthetic_model)
    finally:
        locker.stdin.close()
        assert locker.wait(timeout=60) == 0
    assert code == PENDING_EXIT, err
    journal = tm.with_name(tm.name + ".pending.jsonl")
    assert len(out.strip().split("\n\n")) == len(journal.read_text(encoding="utf-8").splitlines())
    (line,) = err.splitlines()
    assert line.startswith("error: ") and "busy" in line and "the English is printed" in line and str(journal) in line


def test_a_journal_left_while_the_memory_is_still_busy_waits(tmp_path, monkeypatch):
    """Storing the journal at the start of a run gives up quietly when the memory is still locked."""
    from translate_tool.journal import journal_path, set_aside
    from translate_tool.pipeline import store_pending

    tm = default_tm_path()
    TranslationMemory(tm).close()
    row = {
        "source": "نص",
        "source_lang": "ar",
        "target_lang": "en",
        "target": "Text.",
        "model": "m 1",
        "score": -0.5,
    }
    set_aside(tm, [row])
    monkeypatch.setattr(memory_module, "BUSY_TIMEOUT_S", 0.2)
    locker = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(tm)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert locker.stdout.readline() == "locked\n"
        with TranslationMemory(tm) as memory:
            assert store_pending(memory) == 0
    finally:
        locker.stdin.close()
        assert locker.wait(timeout=60) == 0
    assert not journal_path(tm).exists() and len(list(tm.parent.glob("*.claim"))) == 1
    with TranslationMemory(tm) as memory:
        assert store_pending(memory) == 1
        assert memory.stats()["by_origin"]["machine"] == 1
    assert not list(tm.parent.glob("*.claim"))
