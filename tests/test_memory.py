import os
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from translate_tool.article import Article, Block, BlockKind, Origin
from translate_tool.errors import InputError
from translate_tool.export.tmx import write_tmx
from translate_tool.memory import (
    SCHEMA_VERSION,
    TranslationMemory,
    TranslationMemoryError,
    default_tm_path,
)
from translate_tool.memory_history import ReviewChange, record_reviews
from translate_tool.pipeline import apply_memory

REPO = Path(__file__).resolve().parent.parent
MODEL = "translate-ar_en 1.9"
OTHER_MODEL = "translate-ar_en 2.0"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

ARABIC = "قال المتحدث إن المحادثات ستستأنف الأسبوع المقبل."
# The same sentence as a web page or Word might give it: NBSP, doubled spaces, tatweel.
ARABIC_VARIANT = "  قال\u00a0المتحدث  إن المحـــادثات ستستأنف الأسبوع\u202fالمقبل. "


def untranslated(*sources: str) -> Article:
    return Article(blocks=[Block(BlockKind.PARAGRAPH, s) for s in sources])


def translated(pairs: dict[str, str], score: float = -0.4) -> Article:
    return Article(blocks=[Block(BlockKind.PARAGRAPH, s, target=t, score=score) for s, t in pairs.items()])


@pytest.fixture
def tm(tmp_path):
    with TranslationMemory(tmp_path / "tm" / "memory.sqlite3") as memory:
        yield memory


def rows(path: Path) -> list[sqlite3.Row]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("SELECT * FROM entries ORDER BY source").fetchall()
    finally:
        conn.close()


# --- precedence -------------------------------------------------------------------------


def test_machine_entry_reused_for_the_same_model(tm):
    assert tm.record_machine([translated({ARABIC: "The spokesman said talks would resume."})], MODEL) == 1
    article = untranslated(ARABIC, "جملة لم تترجم بعد.")
    applied = apply_memory(tm, [article], MODEL)
    first, second = article.blocks
    assert (first.target, first.origin, first.score) == (
        "The spokesman said talks would resume.",
        Origin.MEMORY,
        -0.4,
    )
    assert (second.target, second.origin) == ("", Origin.MACHINE)  # left for the translate stage
    assert (applied.memory, applied.reviewed) == (1, 0)
    assert article.model == MODEL


@pytest.mark.parametrize("label", [OTHER_MODEL, None])
def test_machine_entry_not_reused_for_another_or_unknown_model(tm, label):
    tm.record_machine([translated({ARABIC: "Old model English."})], MODEL)
    article = untranslated(ARABIC)
    assert apply_memory(tm, [article], label).memory == 0
    assert (article.blocks[0].target, article.blocks[0].origin) == ("", Origin.MACHINE)
    assert article.model == ""


@pytest.mark.parametrize("review_first", [True, False])
def test_reviewed_beats_machine_in_either_order(tm, review_first):
    def record_review():
        record_reviews(tm, [ReviewChange(ARABIC, "Reviewed English.")], "briefing.docx")

    def record_machine():
        return tm.record_machine([translated({ARABIC: "Machine English."})], MODEL)

    if review_first:
        record_review()
        assert record_machine() == 0  # machine never overwrites reviewed
    else:
        record_machine()
        record_review()
    [row] = rows(tm.path)
    assert (row["origin"], row["target"], row["model"], row["reviewed_file"]) == (
        "reviewed",
        "Reviewed English.",
        None,
        "briefing.docx",
    )
    article = untranslated(ARABIC)
    assert apply_memory(tm, [article], MODEL).reviewed == 1
    assert (article.blocks[0].target, article.blocks[0].origin) == ("Reviewed English.", Origin.REVIEWED)


def test_reviewed_entry_applies_without_any_model(tm):
    record_reviews(tm, [ReviewChange(ARABIC, "Reviewed English.")], "briefing.docx")
    article = untranslated(ARABIC)
    apply_memory(tm, [article], None)
    assert article.blocks[0].origin is Origin.REVIEWED


def test_blocks_that_already_have_english_are_left_alone(tm):
    record_reviews(tm, [ReviewChange(ARABIC, "Reviewed English.")], "briefing.docx")
    article = translated({ARABIC: "Fresh machine English."})
    assert apply_memory(tm, [article], MODEL).reviewed == 0
    assert article.blocks[0].target == "Fresh machine English."


def test_newer_machine_translation_replaces_older_one(tm):
    tm.record_machine([translated({ARABIC: "Old."})], MODEL)
    assert tm.record_machine([translated({ARABIC: "Old."})], MODEL) == 0  # identical: untouched
    assert tm.record_machine([translated({ARABIC: "New."})], OTHER_MODEL) == 1
    [row] = rows(tm.path)
    assert (row["target"], row["model"]) == ("New.", OTHER_MODEL)


def test_only_machine_blocks_with_english_are_recorded(tm):
    article = translated({ARABIC: "Machine English.", "فقرة ثانية.": "Second."})
    article.blocks[1].origin = Origin.MEMORY
    article.blocks.append(Block(BlockKind.PARAGRAPH, "فقرة ثالثة."))
    assert tm.record_machine([article], MODEL) == 1


# --- normalisation ----------------------------------------------------------------------


def test_spacing_nbsp_and_tatweel_hit_the_same_entry(tm):
    record_reviews(tm, [ReviewChange(ARABIC_VARIANT, "Reviewed English.")], "briefing.docx")
    [row] = rows(tm.path)
    assert row["source"] == ARABIC  # the normalised text itself is stored, for TMX
    article = untranslated(ARABIC)
    apply_memory(tm, [article], MODEL)
    assert article.blocks[0].target == "Reviewed English."
    assert record_reviews(tm, [ReviewChange(ARABIC, "Reviewed English.")], "again.docx").unchanged == 1


# --- reviews ------------------------------------------------------------------------------


def test_importing_the_same_review_twice_changes_nothing(tm):
    changes = [ReviewChange(ARABIC, "Reviewed English."), ReviewChange("فقرة ثانية.", "Second paragraph.")]
    first = record_reviews(tm, changes, "briefing.docx")
    assert (first.new, first.changed, first.unchanged) == (2, 0, 0)
    before = [dict(r) for r in rows(tm.path)]
    second = record_reviews(tm, changes, "briefing-copy.docx")
    assert (second.new, second.changed, second.unchanged, second.stored) == (0, 0, 2, 0)
    assert [dict(r) for r in rows(tm.path)] == before  # dates and file name untouched


def test_review_over_machine_or_edited_review_counts_as_changed(tm):
    tm.record_machine([translated({ARABIC: "Machine English."})], MODEL)
    assert record_reviews(tm, [ReviewChange(ARABIC, "Machine English.")], "a.docx").changed == 1
    assert record_reviews(tm, [ReviewChange(ARABIC, "Better English.")], "b.docx").changed == 1
    [row] = rows(tm.path)
    assert (row["target"], row["reviewed_file"], row["score"]) == ("Better English.", "b.docx", None)


@pytest.mark.parametrize("bad", [ReviewChange(" \u0640 ", "English."), ReviewChange("فقرة.", "  ")])
def test_a_bad_passage_rolls_back_the_whole_document(tm, bad):
    record_reviews(tm, [ReviewChange(ARABIC, "Reviewed before.")], "old.docx")
    before = [dict(r) for r in rows(tm.path)]
    batch = [ReviewChange(ARABIC, "Changed in the bad batch."), ReviewChange("فقرة جديدة.", "New."), bad]
    with pytest.raises(InputError, match="passage 3"):
        record_reviews(tm, batch, "bad.docx")
    assert [dict(r) for r in rows(tm.path)] == before


# --- two processes at once ----------------------------------------------------------------

CHILD = r"""
import sys
from translate_tool.article import Article, Block, BlockKind
from translate_tool.memory import TranslationMemory
from translate_tool.memory_history import ReviewChange, record_reviews

path, role = sys.argv[1], sys.argv[2]
with TranslationMemory(path) as tm:
    print("ready", flush=True)
    sys.stdin.readline()  # the parent says go once both processes have the memory open
    for i in range(300):
        own = Block(BlockKind.PARAGRAPH, f"فقرة {role} رقم {i}", target=f"{role} paragraph {i}", score=-0.5)
        tm.record_machine([Article(blocks=[own])], "model 1")
        if i < 50:
            common = Block(BlockKind.PARAGRAPH, f"فقرة عامة رقم {i}", target=f"common {i} by {role}")
            tm.record_machine([Article(blocks=[common])], "model 1")
            shared = f"فقرة مشتركة رقم {i}"
            if role == "a":
                tm.record_machine([Article(blocks=[Block(BlockKind.PARAGRAPH, shared, target="machine")])], "model 1")
            else:
                record_reviews(tm, [ReviewChange(shared, f"reviewed {i}")], "review.docx")
print("done", flush=True)
"""


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "shared" / "memory.sqlite3"  # created by whichever child gets there first
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), role],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO,
        )
        for role in ("a", "b")
    ]
    try:
        for child in children:
            assert child.stdout.readline() == "ready\n", child.stderr.read()
        for child in children:  # a barrier instead of sleeps: both start writing together
            child.stdin.write("go\n")
            child.stdin.flush()
        for child in children:
            out, err = child.communicate(timeout=120)
            assert child.returncode == 0 and out == "done\n", err
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()

    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        counts = dict(conn.execute("SELECT origin, count(*) FROM entries GROUP BY origin"))
        assert counts == {"machine": 300 + 300 + 50, "reviewed": 50}
        shared = conn.execute(
            "SELECT origin, target FROM entries WHERE source LIKE 'فقرة مشتركة%'"
        ).fetchall()
        assert sorted(shared) == sorted(("reviewed", f"reviewed {i}") for i in range(50))
        for role in ("a", "b"):
            own = conn.execute("SELECT count(*) FROM entries WHERE source LIKE ?", (f"فقرة {role} رقم %",))
            assert own.fetchone()[0] == 300
    finally:
        conn.close()


# --- TMX ------------------------------------------------------------------------------------


def test_tmx_export_for_cat_tools(tm, tmp_path):
    tm.record_machine([translated({"فقرة آلية.": "Machine paragraph."})], MODEL)
    record_reviews(tm, [ReviewChange(ARABIC, "Reviewed <English> & more.")], "briefing.docx")
    out = tmp_path / "memory.tmx"
    data = write_tmx(tm, out)
    assert out.read_bytes() == data

    root = ET.fromstring(data)
    assert (root.tag, root.get("version")) == ("tmx", "1.4")
    header = root.find("header")
    assert {k: header.get(k) for k in ("srclang", "adminlang", "datatype", "segtype", "creationtool")} == {
        "srclang": "ar",
        "adminlang": "en",
        "datatype": "plaintext",
        "segtype": "paragraph",
        "creationtool": "translate-tool",
    }
    assert header.get("o-tmf")
    units = root.findall("body/tu")
    assert len(units) == 2
    by_origin = {}
    for tu in units:
        assert [tuv.get(XML_LANG) for tuv in tu.findall("tuv")] == ["ar", "en"]
        assert len(tu.get("changedate")) == len("20240501T093000Z")
        props = {p.get("type"): p.text for p in tu.findall("prop")}
        by_origin[props["x-origin"]] = (tu, props)
    reviewed, props = by_origin["reviewed"]
    assert [seg.text for seg in reviewed.iter("seg")] == [ARABIC, "Reviewed <English> & more."]
    assert props["x-reviewed-file"] == "briefing.docx"
    machine, props = by_origin["machine"]
    assert props["x-model"] == MODEL
    assert "Unreviewed machine translation" in machine.find("note").text

    from translate.storage.tmx import tmxfile

    store = tmxfile.parsestring(data)
    assert store.translate(ARABIC, "ar", "en") == "Reviewed <English> & more."

    reviewed_only = ET.fromstring(write_tmx(tm, include_machine=False))
    assert len(reviewed_only.findall("body/tu")) == 1


# --- stats and the file itself ----------------------------------------------------------------


def test_stats(tm):
    tm.record_machine([translated({"أ.": "A.", "ب.": "B."})], MODEL)
    tm.record_machine([translated({"ج.": "C."})], OTHER_MODEL)
    record_reviews(tm, [ReviewChange(ARABIC, "Reviewed.")], "briefing.docx")
    stats = tm.stats()
    assert stats["entries"] == 4
    assert stats["by_origin"] == {"reviewed": 1, "imported": 0, "machine": 3}
    assert stats["by_model"] == {MODEL: 2, OTHER_MODEL: 1}
    assert stats["path"] == str(tm.path) and stats["size_bytes"] > 0


def test_memory_survives_reopening(tmp_path):
    path = tmp_path / "memory.sqlite3"
    with TranslationMemory(path) as tm:
        record_reviews(tm, [ReviewChange(ARABIC, "Reviewed.")], "briefing.docx")
    with TranslationMemory(path) as tm:
        assert tm.stats()["entries"] == 1
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_corrupt_file_gives_a_one_line_error_and_is_not_touched(tmp_path):
    path = tmp_path / "memory.sqlite3"
    junk = b"this is not a database, it is a shopping list\n" * 200
    path.write_bytes(junk)
    with pytest.raises(TranslationMemoryError) as caught:
        TranslationMemory(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message and "not a usable translation memory" in message
    assert path.read_bytes() == junk


def test_another_programs_database_is_refused(tmp_path):
    path = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(TranslationMemoryError, match="some other program"):
        TranslationMemory(path)


def test_memory_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "memory.sqlite3"
    TranslationMemory(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(TranslationMemoryError, match="newer translate-tool"):
        TranslationMemory(path)


def test_folder_that_cannot_be_created(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(TranslationMemoryError, match="cannot create the folder"):
        TranslationMemory(blocker / "tm" / "memory.sqlite3")


def test_path_that_is_a_folder(tmp_path):
    with pytest.raises(TranslationMemoryError, match="is a folder"):
        TranslationMemory(tmp_path)


def test_default_path_honours_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TRANSLATE_TOOL_TM", str(tmp_path / "custom.sqlite3"))
    assert default_tm_path() == tmp_path / "custom.sqlite3"
    monkeypatch.delenv("TRANSLATE_TOOL_TM")
    assert default_tm_path().name == "memory.sqlite3"
    assert "translate-tool" in default_tm_path().parts
