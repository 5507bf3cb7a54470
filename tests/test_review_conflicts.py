"""Issue 11, cases 4-5: an older file never overwrites a newer correction, and two reviewers never overwrite each other silently.

Reviewers are python-docx edits with their own core properties, tracked changes with their own
w:author, and two real LibreOffice profiles with different user names. The memory is a real
SQLite file; the history and the conflict flag are read back through the CLI and the briefing.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from helpers import FakeTranslator
from helpers import run_cli as run
from test_review import (
    ROWS,
    SEED,
    TIMEOUT,
    english_cell,
    libreoffice_edit,
    seed_article,
    set_english,
    summary,
)

from translate_tool.article import Origin
from translate_tool.errors import InputError
from translate_tool.export.docx import render_docx
from translate_tool.memory import TranslationMemory, default_tm_path
from translate_tool.memory_history import current_review, history
from translate_tool.pipeline import translate_articles
from translate_tool.readers.txt import parse_article

ROW = 7  # the passage both reviewers correct
CONFLICT_EXIT = 4


@pytest.fixture
def base(tmp_path) -> Path:
    path = tmp_path / "briefing.docx"
    path.write_bytes(render_docx(seed_article()))
    return path


def reviewed_copy(source: Path, target: Path, who: str, when: datetime, text: str, row: int = ROW) -> Path:
    """A reviewer's copy: their English in `row`, saved with their name and time, as Word would."""
    document = Document(str(source))
    set_english(english_cell(document, row), text)
    document.core_properties.last_modified_by = who
    document.core_properties.modified = when
    document.save(str(target))
    return target


def tracked_copy(source: Path, target: Path, who: str, date: str, text: str, row: int = ROW) -> Path:
    """A reviewer's copy with change tracking on: the old English deleted, theirs inserted."""
    document = Document(str(source))
    paragraph = english_cell(document, row).paragraphs[0]
    old = paragraph.runs[0].text
    for run_ in paragraph.runs:
        run_._r.getparent().remove(run_._r)
    attrs = f'{nsdecls("w")} w:author="{who}" w:date="{date}"'
    paragraph._p.append(
        parse_xml(f'<w:del w:id="801" {attrs}><w:r><w:delText>{old}</w:delText></w:r></w:del>')
    )
    paragraph._p.append(parse_xml(f'<w:ins w:id="802" {attrs}><w:r><w:t>{text}</w:t></w:r></w:ins>'))
    document.save(str(target))
    return target


def current(tm: Path) -> str:
    with sqlite3.connect(tm) as conn:
        (target,) = conn.execute(
            "SELECT target FROM entries WHERE origin = 'reviewed' AND source = ?",
            (seed_article().blocks[ROW - 1].source,),
        ).fetchone()
    return target


def next_briefing(tmp_path: Path) -> Document:
    """The next export of the seed, its English taken from the memory as `export` does."""
    from translate_tool.pipeline import apply_memory  # imported here so the test runs on old code too

    article = parse_article(SEED.read_text(encoding="utf-8"), SEED)
    with TranslationMemory(default_tm_path()) as memory:
        apply_memory(memory, [article], None)
    translate_articles([article], FakeTranslator)
    out = tmp_path / "next.docx"
    out.write_bytes(render_docx(article))
    return Document(str(out)), article


# --- case 4: an older file imported after a newer one ------------------------------------------


def test_an_older_file_imported_again_is_superseded_not_applied(capsys, base, tmp_path):
    first = reviewed_copy(
        base, tmp_path / "a1.docx", "Reviewer A", datetime(2024, 5, 2, 9, 0), "A, first try."
    )
    assert run(capsys, "review", "import", first)[0] == 0
    # A corrects the same copy again later and imports it: their own newer correction is stored
    second = reviewed_copy(
        first, tmp_path / "a2.docx", "Reviewer A", datetime(2024, 5, 3, 9, 0), "A, second try."
    )
    code, out, _ = run(capsys, "review", "import", second)
    assert code == 0 and out.startswith(summary(1, 0, 1, 0, ROWS - 1, 0))
    assert current(default_tm_path()) == "A, second try."

    code, out, err = run(capsys, "review", "import", first)  # the first file, once more
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == (
        f"1 changed (0 new to the memory, 0 updated, 0 already recorded, 1 superseded), {ROWS - 1} unchanged, 0 unmatched"
    )
    assert lines[1] == (
        f"row {ROW}: superseded — this file's “A, first try.” (Reviewer A, 2024-05-02T09:00:00Z) "
        "was replaced by “A, second try.” (Reviewer A, 2024-05-03T09:00:00Z)"
    )
    assert current(default_tm_path()) == "A, second try."


def test_a_file_from_before_a_re_export_is_superseded(capsys, base, tmp_path):
    """A imports, the analyst re-exports (showing A's English), A corrects that; then A's old file comes back."""
    old = reviewed_copy(base, tmp_path / "old.docx", "Reviewer A", datetime(2024, 5, 2, 9, 0), "Old wording.")
    assert run(capsys, "review", "import", old)[0] == 0
    document, _ = next_briefing(tmp_path)
    newer = tmp_path / "newer.docx"
    set_english(document.tables[0].rows[ROW].cells[1], "Newer wording.")
    document.save(str(newer))
    assert run(capsys, "review", "import", newer)[0] == 0
    code, out, _ = run(capsys, "review", "import", old)
    assert code == 0 and "1 superseded" in out.splitlines()[0]
    assert current(default_tm_path()) == "Newer wording."


# --- case 5: two reviewers ---------------------------------------------------------------------


def test_two_reviewers_conflict_then_resolve(capsys, base, tmp_path):
    """The scripted scenario: A and B each edit a copy; B imports, A imports (conflict), then resolve."""
    a = tracked_copy(base, tmp_path / "a.docx", "Reviewer A", "2024-05-02T10:00:00Z", "As A has it.")
    b = tracked_copy(base, tmp_path / "b.docx", "Reviewer B", "2024-05-02T11:00:00Z", "As B has it.")

    code, out, _ = run(capsys, "review", "import", b)
    assert code == 0 and out.startswith(summary(1, 1, 0, 0, ROWS - 1, 0))

    code, out, err = run(capsys, "review", "import", a)
    assert code == CONFLICT_EXIT
    assert err.count("\n") == 1 and "1 row in conflict" in err and "--take-theirs" in err
    lines = out.splitlines()
    assert "1 in conflict" in lines[0]
    assert lines[1] == (
        f"row {ROW}: conflict — the memory keeps “As B has it.” (Reviewer B, 2024-05-02T11:00:00Z); "
        "this file has “As A has it.” (Reviewer A, 2024-05-02T10:00:00Z)"
    )
    assert current(default_tm_path()) == "As B has it."

    # the analyst sees both in the history, selected by the briefing's row
    code, out, _ = run(capsys, "tm", "history", "--briefing", base, "--row", ROW)
    assert code == 0
    assert "current: “As B has it.” (Reviewer B, 2024-05-02T11:00:00Z)" in out
    assert "open conflict" in out
    ids = dict(re.findall(r"^#(\d+) [^:]+: “([^”]+)”", out, re.M))
    assert set(ids.values()) == {"As B has it.", "As A has it."}
    sha_a = __import__("hashlib").sha256(a.read_bytes()).hexdigest()[:12]
    assert f"sha256 {sha_a}" in out and "a.docx" in out

    # the next briefing flags the row for its reader
    document, article = next_briefing(tmp_path)
    assert article.blocks[ROW - 1].origin is Origin.REVIEWED
    cell = document.tables[0].rows[ROW].cells[1]
    assert cell.paragraphs[0].text == "As B has it."
    assert any("reviewers disagree" in p.text and p.text.startswith("⚑") for p in cell.paragraphs)

    # importing A again changes nothing and does not repeat the conflict in the history
    assert run(capsys, "review", "import", a)[0] == CONFLICT_EXIT
    code, again, _ = run(capsys, "tm", "history", "--briefing", base, "--row", ROW)
    assert again.count("conflict, not stored") == 1

    # resolve: take A's version
    a_id = next(i for i, text in ids.items() if text == "As A has it.")
    code, out, _ = run(capsys, "tm", "resolve", "--briefing", base, "--row", ROW, "--take", a_id)
    assert (code, out) == (0, "stored: “As A has it.”\n")
    assert current(default_tm_path()) == "As A has it."
    code, out, _ = run(capsys, "tm", "history", "--briefing", base, "--row", ROW)
    assert "open conflict" not in out and "current: “As A has it.” (Reviewer A, 2024-05-02T10:00:00Z)" in out
    document, _ = next_briefing(tmp_path)
    assert not any("reviewers disagree" in p.text for p in document.tables[0].rows[ROW].cells[1].paragraphs)


def test_take_theirs_settles_a_conflict_on_import(capsys, base, tmp_path):
    a = reviewed_copy(base, tmp_path / "a.docx", "Reviewer A", datetime(2024, 5, 2, 9, 0), "A says.")
    b = reviewed_copy(base, tmp_path / "b.docx", "Reviewer B", datetime(2024, 5, 2, 10, 0), "B says.")
    assert run(capsys, "review", "import", b)[0] == 0
    assert run(capsys, "review", "import", a)[0] == CONFLICT_EXIT
    code, out, _ = run(capsys, "review", "import", a, "--take-theirs")
    assert code == 0 and out.startswith(summary(1, 0, 1, 0, ROWS - 1, 0))
    assert current(default_tm_path()) == "A says."
    code, out, _ = run(capsys, "tm", "history", "--briefing", a, "--row", ROW)
    assert "open conflict" not in out


def test_keep_settles_a_conflict(capsys, base, tmp_path):
    a = reviewed_copy(base, tmp_path / "a.docx", "Reviewer A", datetime(2024, 5, 2, 9, 0), "A says.")
    b = reviewed_copy(base, tmp_path / "b.docx", "Reviewer B", datetime(2024, 5, 2, 10, 0), "B says.")
    assert run(capsys, "review", "import", b)[0] == 0
    assert run(capsys, "review", "import", a)[0] == CONFLICT_EXIT
    arabic = seed_article().blocks[ROW - 1].source
    code, out, _ = run(capsys, "tm", "resolve", arabic, "--keep")
    assert (code, out) == (0, "kept: “B says.”\n")
    code, out, _ = run(capsys, "tm", "history", arabic)
    assert "open conflict" not in out and "#3 kept: “B says.”" in out


def test_history_is_append_only(capsys, base, tmp_path):
    a = reviewed_copy(base, tmp_path / "a.docx", "Reviewer A", datetime(2024, 5, 2, 9, 0), "A says.")
    assert run(capsys, "review", "import", a)[0] == 0
    with (
        sqlite3.connect(default_tm_path()) as conn,
        pytest.raises(sqlite3.DatabaseError, match="append-only"),
    ):
        conn.execute("UPDATE history SET target = 'rewritten'")
    with (
        sqlite3.connect(default_tm_path()) as conn,
        pytest.raises(sqlite3.DatabaseError, match="append-only"),
    ):
        conn.execute("DELETE FROM history")


@pytest.mark.parametrize(
    "args, message",
    [
        ((), "either by its Arabic text or by --briefing"),
        (("--briefing", "missing.docx", "--row", "3"), "no such file"),
        (("نص لا يوجد في الذاكرة",), "no reviewed English for this passage"),
    ],
)
def test_history_bad_selection_is_one_line_exit_2(capsys, base, tmp_path, args, message):
    a = reviewed_copy(base, tmp_path / "a.docx", "Reviewer A", datetime(2024, 5, 2, 9, 0), "A says.")
    assert run(capsys, "review", "import", a)[0] == 0
    code, out, err = run(capsys, "tm", "history", *args)
    assert code == 2 and out == "" and err.count("\n") == 1 and message in err, err


# --- two reviewers in LibreOffice ----------------------------------------------------------------


def named_profile(root: Path, name: str) -> Path:
    """A private LibreOffice profile whose user is called `name`, with the test's edit macro."""
    from test_review import EDIT_MACRO, escape

    profile = root / name.replace(" ", "-")
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--terminate_after_init",
        ],
        capture_output=True,
        timeout=TIMEOUT,
        check=True,
    )
    settings = profile / "user" / "registrymodifications.xcu"
    item = (
        '<item oor:path="/org.openoffice.UserProfile/Data"><prop oor:name="givenname" oor:op="fuse">'
        f"<value>{name}</value></prop></item>\n"
    )
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("</oor:items>", item + "</oor:items>"), encoding="utf-8")
    module = profile / "user" / "basic" / "Standard" / "Module1.xba"
    module.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" '
        f'script:language="StarBasic">{escape(EDIT_MACRO, {chr(34): "&quot;"})}</script:module>\n',
        encoding="utf-8",
    )
    return profile


def test_two_reviewers_in_libreoffice_conflict(capsys, base, tmp_path):
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not on PATH")
    alice, bob = named_profile(tmp_path, "Alice"), named_profile(tmp_path, "Bob")
    a = libreoffice_edit(alice, base, tmp_path / "alice.docx", ROW, " Alice adds this.", True)
    b = libreoffice_edit(bob, base, tmp_path / "bob.docx", ROW, " Bob adds that.", True)
    assert run(capsys, "review", "import", b)[0] == 0
    code, out, _ = run(capsys, "review", "import", a)
    assert code == CONFLICT_EXIT
    conflict = out.splitlines()[1]
    assert conflict.startswith(f"row {ROW}: conflict — the memory keeps “") and "Bob adds that." in conflict
    assert "(Bob, " in conflict and "(Alice, " in conflict


# The entries table as translate-tool wrote it at schema 1.
SCHEMA_1_ENTRIES = """
CREATE TABLE entries (
    source TEXT NOT NULL CHECK (source <> ''), source_lang TEXT NOT NULL, target_lang TEXT NOT NULL,
    target TEXT NOT NULL CHECK (target <> ''), origin TEXT NOT NULL CHECK (origin IN ('machine', 'reviewed')),
    model TEXT, reviewed_file TEXT, reviewed_at TEXT, score REAL, created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL, PRIMARY KEY (source, source_lang, target_lang),
    CHECK (origin = 'reviewed' OR (model IS NOT NULL AND model <> ''))
)
"""


def test_a_schema_1_memory_is_upgraded_with_its_reviews_as_history(tmp_path):
    from translate_tool.memory import SCHEMA_VERSION

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(SCHEMA_1_ENTRIES)
        conn.execute(
            "INSERT INTO entries VALUES ('نص', 'ar', 'en', 'Old review.', 'reviewed', NULL, 'r.docx', "
            "'2024-01-01T00:00:00Z', NULL, '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')"
        )
        conn.execute("PRAGMA user_version = 1")
    with TranslationMemory(path) as memory:
        (entry,) = history(memory, "نص")
        assert (entry.event, entry.target, entry.file, entry.made_at) == (
            "stored",
            "Old review.",
            "r.docx",
            "2024-01-01T00:00:00Z",
        )
        assert current_review(memory, "نص") == entry
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


# --- in-process, word for word: the history lines, the passage selection, the conflict rule ------


def test_history_lines_word_for_word(tmp_path):
    from translate_tool.memory_history import ReviewChange, record_reviews, resolve
    from translate_tool.review.core import judge
    from translate_tool.review.history import history_lines

    source = "ق" * 81  # one character more than a line shows
    with TranslationMemory(tmp_path / "tm.sqlite3") as memory:
        record_reviews(memory, [ReviewChange(source, "First.")], "/", judge)  # nothing known about it
        b = ReviewChange(source, "Second.", "Reviewer B", "2024-05-02T11:00:00Z", "ab" * 32, "", 7)
        record_reviews(memory, [b], "/work/b.docx", judge)
        c = ReviewChange(source, "Third.", "Reviewer C", "", "cd" * 32, "", None)
        record_reviews(memory, [c], "/work/c.docx", judge)
        stamps = [h.recorded_at for h in history(memory, source)]
        versions = [
            f"#1 stored: “First.” — unknown reviewer, time unknown; from unknown file; recorded {stamps[0]}",
            "#2 conflict, not stored: “Second.” — Reviewer B, 2024-05-02T11:00:00Z; from b.docx "
            f"(sha256 abababababab), row 7; recorded {stamps[1]}",
            "#3 conflict, not stored: “Third.” — Reviewer C, time unknown; from c.docx "
            f"(sha256 cdcdcdcdcdcd); recorded {stamps[2]}",
        ]
        assert history_lines(memory, source) == [
            f"passage: {'ق' * 79}…",
            "current: “First.” (unknown reviewer, time unknown)",
            "open conflict: #2, #3; settle it with `tm resolve ... --keep` or `--take ID`",
            *versions,
        ]
        resolve(memory, source, None)
        (kept,) = history(memory, source)[3:]
        assert history_lines(memory, source)[1:3] == [
            "current: “First.” (unknown reviewer, time unknown)",
            *versions[:1],
        ]
        assert history_lines(memory, source)[-1] == (
            f"#4 kept: “First.” — unknown reviewer, time unknown; from unknown file; recorded {kept.recorded_at}"
        )
        exact = "ل" * 80
        record_reviews(memory, [ReviewChange(exact, "Fits.")], "/work/d.docx")
        assert history_lines(memory, exact)[0] == f"passage: {exact}"
        with pytest.raises(InputError) as caught:
            history_lines(memory, "م" * 81)
        assert str(caught.value) == f"no reviewed English for this passage in {memory.path}: {'م' * 79}…"


def test_history_of_a_passage_whose_reviewed_entry_is_gone(tmp_path):
    """The entry deleted behind our back (by hand, with sqlite3): the history stays and says so."""
    from translate_tool.memory_history import ReviewChange, record_reviews
    from translate_tool.review.history import history_lines

    path = tmp_path / "tm.sqlite3"
    with TranslationMemory(path) as memory:
        record_reviews(memory, [ReviewChange("نص", "Gone.", "A", "2024-05-02T11:00:00Z")], "/work/a.docx")
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM entries")
    with TranslationMemory(path) as memory:
        assert history_lines(memory, "نص")[:2] == ["passage: نص", "current: not reviewed"]


def test_passage_selection_word_for_word(base):
    from translate_tool.article import normalise_source
    from translate_tool.errors import InputError
    from translate_tool.review.history import passage

    assert passage(None, base, ROW) == normalise_source(seed_article().blocks[ROW - 1].source)
    assert passage("  نص\u00a0 عربي ", None, None) == normalise_source("نص عربي")
    either = "name the passage either by its Arabic text or by --briefing FILE --row N"
    for args, message in [
        ((None, None, None), either),
        (("نص", base, ROW), either),
        ((None, base, None), "--briefing needs --row N (the number in the briefing's # column)"),
        ((None, base, 999), f"{base}: has no row 999"),
        (("", None, None), "the passage's Arabic text is empty"),
        ((" \n ", None, None), "the passage's Arabic text is empty"),
    ]:
        with pytest.raises(InputError) as caught:
            passage(*args)
        assert str(caught.value) == message


def _current(target: str, author: str = "", made_at: str = "", shown: str = ""):
    from translate_tool.memory_history import HistoryEntry

    return HistoryEntry(
        1, target, "stored", author, made_at, "/work/f.docx", "", shown, None, "2024-06-01T00:00:00Z"
    )


def test_the_conflict_rule_for_a_reviewer_correcting_their_own_correction():
    from translate_tool.memory_history import CONFLICT, STORED, SUPERSEDED, ReviewChange
    from translate_tool.review.core import judge

    current = _current("Mine, first.", "A", "2024-05-02T10:00:00Z", shown="abc123")

    def change(made_at: str, author: str = "A") -> ReviewChange:
        return ReviewChange("نص", "Mine, again.", author, made_at, shown="abc123")

    assert judge(change("2024-05-03T10:00:00Z"), current, [current]) == STORED  # later: their own correction
    assert judge(change("2024-05-01T10:00:00Z"), current, [current]) == SUPERSEDED  # earlier: an old file
    assert judge(change(""), current, [current]) == CONFLICT  # no time: cannot tell which is later
    assert judge(change("2024-05-03T10:00:00Z"), _current("Mine, first.", "A", "", "abc123"), []) == CONFLICT
    assert judge(change("2024-05-03T10:00:00Z", "B"), current, [current]) == CONFLICT  # someone else


def test_take_theirs_stores_whatever_differs():
    from translate_tool.memory_history import SAME, STORED, ReviewChange
    from translate_tool.review.core import take_theirs

    change = ReviewChange("نص", "Theirs.")
    assert take_theirs(change, None, []) == STORED  # nothing reviewed yet
    assert take_theirs(change, _current("Theirs."), []) == SAME
    assert take_theirs(change, _current("Ours."), []) == STORED


def test_import_review_keeps_the_conflict_rule_unless_told(base, tmp_path):
    from translate_tool.review import import_review

    a = reviewed_copy(base, tmp_path / "a.docx", "Reviewer A", datetime(2024, 5, 2, 9, 0), "A says.")
    b = reviewed_copy(base, tmp_path / "b.docx", "Reviewer B", datetime(2024, 5, 2, 10, 0), "B says.")
    tm = tmp_path / "tm.sqlite3"
    import_review(b, tm)
    _, counts = import_review(a, tm)
    assert [clash.change.target for clash in counts.conflicts] == ["A says."]
    _, counts = import_review(a, tm, take_theirs=True)
    assert (counts.changed, counts.conflicts) == (1, [])


def test_report_lines_word_for_word_without_names_or_times():
    from translate_tool.memory_history import Clash, ReviewChange, ReviewCounts
    from translate_tool.review import ARABIC_EDITED, ROW_REMOVED, ReviewResult, UnmatchedRow, report_lines

    current = _current("Memory's.")
    counts = ReviewCounts(
        new=1,
        changed=2,
        unchanged=3,
        conflicts=[Clash(ReviewChange("نص", "File's.", row=3), current)],
        superseded=[Clash(ReviewChange("نص", "Older.", row=4), current)],
    )
    result = ReviewResult(
        Path("r.docx"),
        unchanged=5,
        unmatched=[UnmatchedRow(2, ROW_REMOVED), UnmatchedRow(6, ARABIC_EDITED, "Kept English.")],
    )
    nobody = "unknown reviewer, time unknown"
    assert report_lines(result, counts) == [
        "0 changed (1 new to the memory, 2 updated, 3 already recorded, 1 in conflict, 1 superseded), "
        "5 unchanged, 2 unmatched",
        "row 2: row removed",
        "row 6: Arabic text edited — English kept here: Kept English.",
        f"row 3: conflict — the memory keeps “Memory's.” ({nobody}); this file has “File's.” ({nobody})",
        f"row 4: superseded — this file's “Older.” ({nobody}) was replaced by “Memory's.” ({nobody})",
    ]


def test_ooxml_dates_are_read_as_utc():
    from translate_tool.review.docx import utc

    assert utc("2024-05-02T10:00:00Z") == "2024-05-02T10:00:00Z"
    assert utc(" 2024-05-02T12:00:00+02:00 ") == "2024-05-02T10:00:00Z"
    assert utc("2024-05-02T10:00:00") == "2024-05-02T10:00:00Z"  # no zone: taken as UTC
    assert utc("yesterday") == ""  # shown as "time unknown"


def test_docx_provenance_names_the_last_saver_or_else_the_file_time(base, tmp_path, monkeypatch):
    """Word's lastModifiedBy and modified time when someone saved the file; else the file's own time."""
    import hashlib
    import os
    import time
    from datetime import timezone

    from translate_tool.review.core import Provenance
    from translate_tool.review.docx import read_docx

    def expected(path: Path, author: str, when: str) -> Provenance:
        return Provenance(author, when, str(path.resolve()), hashlib.sha256(path.read_bytes()).hexdigest())

    zone = os.environ.get("TZ")
    monkeypatch.setenv("TZ", "Asia/Baghdad")  # the reviewer's clock is not UTC
    time.tzset()
    try:
        saved = reviewed_copy(base, tmp_path / "a.docx", "Reviewer A", datetime(2024, 5, 2, 9, 0), "A says.")
        assert read_docx(saved).provenance == expected(saved, "Reviewer A", "2024-05-02T09:00:00Z")
        stamp = datetime(2024, 6, 1, 10, 0, tzinfo=timezone.utc).timestamp()
        # the export as written (nobody saved it since), and a copy saved by a tool that kept the
        # exporter's name: both named by nobody, at the file's own time
        kept = reviewed_copy(base, tmp_path / "k.docx", "translate-tool", datetime(2024, 5, 3, 9, 0), "K.")
        for path in (base, kept):
            os.utime(path, (stamp, stamp))
            assert read_docx(path).provenance == expected(path, "", "2024-06-01T10:00:00Z")
    finally:
        if zone is None:
            monkeypatch.delenv("TZ")
        else:
            monkeypatch.setenv("TZ", zone)
        time.tzset()


def test_a_tracked_change_without_a_date_still_names_its_author(base, tmp_path):
    from translate_tool.review import read_review

    copy = tracked_copy(base, tmp_path / "a.docx", "Reviewer A", "", "Undated.")
    (changed,) = read_review(copy).changes
    assert (changed.row, changed.change.target, changed.change.author) == (ROW, "Undated.", "Reviewer A")
