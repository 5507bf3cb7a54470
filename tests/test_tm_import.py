"""`tm import FILE.tmx`: another CAT tool's memory comes in as `imported`, all or nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from helpers import run_cli

from translate_tool.article import Article, Block, BlockKind, Origin
from translate_tool.memory import SCHEMA_VERSION, TranslationMemory
from translate_tool.memory_history import ReviewChange, record_reviews
from translate_tool.pipeline import apply_memory
from translate_tool.tmx import read_tmx, record_imported

MODEL = "translate-ar_en 1.9"
AR1 = "قال المتحدث إن المحادثات ستستأنف الأسبوع المقبل."
AR2 = "أعلنت الحكومة خطة جديدة للطاقة."
AR3 = "وصل الوفد إلى العاصمة مساء أمس."

# As memoQ/Trados write it: TMX 1.4b, xml:lang with regions, creator and dates, inline codes,
# a French unit, an empty one, and the same Arabic twice.
FOREIGN_TMX = f"""<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4">
  <header creationtool="memoQ" creationtoolversion="9.0" segtype="sentence" o-tmf="memoQTM"
          adminlang="en-us" srclang="ar-SA" datatype="plaintext"/>
  <body>
    <tu creationid="agency\\layla" creationdate="20230102T030405Z" changeid="agency\\omar" changedate="20240506T070809Z">
      <tuv xml:lang="ar-SA"><seg>{AR1}</seg></tuv>
      <tuv xml:lang="en-US"><seg>The spokesman said <bpt i="1">&lt;b&gt;</bpt>talks<ept i="1">&lt;/b&gt;</ept> resume next week.</seg></tuv>
    </tu>
    <tu creationid="agency\\layla" creationdate="20230102T030405Z">
      <tuv xml:lang="AR"><seg>{AR2}</seg></tuv>
      <tuv xml:lang="EN-GB"><seg>The government announced a new energy plan.</seg></tuv>
    </tu>
    <tu>
      <tuv xml:lang="ar"><seg>{AR3}</seg></tuv>
      <tuv xml:lang="fr-FR"><seg>La délégation est arrivée hier soir.</seg></tuv>
    </tu>
    <tu>
      <tuv xml:lang="ar"><seg>{AR3}</seg></tuv>
      <tuv xml:lang="en"><seg>   </seg></tuv>
    </tu>
    <tu>
      <tuv xml:lang="ar"><seg>{AR2}</seg></tuv>
      <tuv xml:lang="en"><seg>A second English for the same Arabic.</seg></tuv>
    </tu>
  </body>
</tmx>
"""

# As OmegaT 3.6 writes omegat/project_save.tmx: TMX 1.1, a DOCTYPE naming a DTD, `lang` not xml:lang.
OMEGAT_TMX = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE tmx SYSTEM "tmx11.dtd">
<tmx version="1.1">
  <header creationtool="OmegaT" o-tmf="OmegaT TMX" adminlang="EN-US" datatype="plaintext"
          creationtoolversion="3.6.0" segtype="paragraph" srclang="ar"/>
  <body>
    <tu>
      <tuv lang="ar"><seg>{AR1}</seg></tuv>
      <tuv lang="en" changeid="reviewer" changedate="20261201T220102Z"><seg>Talks resume next week, he said.</seg></tuv>
    </tu>
  </body>
</tmx>
"""


def entries(path: Path) -> list[dict]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM entries ORDER BY source")]
    finally:
        conn.close()


def by_source(path: Path) -> dict[str, dict]:
    return {e["source"]: e for e in entries(path)}


def machine(*pairs: tuple[str, str]) -> Article:
    return Article(blocks=[Block(BlockKind.PARAGRAPH, s, target=t, score=-0.25) for s, t in pairs])


def test_foreign_tmx_comes_in_as_imported_with_creator_and_date(tmp_path, capsys):
    tmx = tmp_path / "agency.tmx"
    tmx.write_text(FOREIGN_TMX, encoding="utf-8")
    tm = tmp_path / "tm.sqlite3"
    code, out, err = run_cli(capsys, "tm", "import", tmx, "--tm", tm)
    assert code == 0, err
    assert out.strip() == (
        "2 units read: 2 new, 0 updated, 0 already in the memory, 0 kept (reviewed English wins); "
        "skipped 1 in other languages, 1 empty, 1 repeated"
    )
    stored = by_source(tm)
    first = stored[AR1]
    assert first["origin"] == "imported" and first["model"] is None
    assert first["target"] == "The spokesman said talks resume next week."  # inline codes left out
    assert (first["creator"], first["creator_date"]) == ("agency\\omar", "2024-05-06T07:08:09Z")
    assert first["imported_file"] == str(tmx.resolve())
    second = stored[AR2]
    assert second["target"] == "The government announced a new energy plan."  # the first one is kept
    assert (second["creator"], second["creator_date"]) == ("agency\\layla", "2023-01-02T03:04:05Z")
    assert AR3 not in stored


def test_precedence_reviewed_then_imported_then_machine(tmp_path, capsys):
    path = tmp_path / "tm.sqlite3"
    with TranslationMemory(path) as memory:
        memory.record_machine([machine((AR1, "Machine one."), (AR2, "Machine two."))], MODEL)
        record_reviews(memory, [ReviewChange(AR2, "Reviewed two.")], "briefing.docx")
    tmx = tmp_path / "agency.tmx"
    tmx.write_text(FOREIGN_TMX, encoding="utf-8")
    code, out, err = run_cli(capsys, "tm", "import", tmx, "--tm", path)
    assert code == 0, err
    assert "0 new, 1 updated, 0 already in the memory, 1 kept" in out
    stored = by_source(path)
    assert (stored[AR1]["origin"], stored[AR1]["model"]) == ("imported", None)
    assert (stored[AR2]["origin"], stored[AR2]["target"]) == ("reviewed", "Reviewed two.")
    # A later machine translation does not replace imported English either.
    with TranslationMemory(path) as memory:
        assert memory.record_machine([machine((AR1, "Machine again."))], MODEL) == 0
        article = Article(blocks=[Block(BlockKind.PARAGRAPH, AR1), Block(BlockKind.PARAGRAPH, AR2)])
        applied = apply_memory(memory, [article], "some other model 1.0")
    assert [b.origin for b in article.blocks] == [Origin.IMPORTED, Origin.REVIEWED]
    assert (applied.imported, applied.reviewed) == (1, 1)
    # and a reviewer's correction replaces imported English.
    with TranslationMemory(path) as memory:
        record_reviews(memory, [ReviewChange(AR1, "Reviewed one.")], "briefing.docx")
    assert by_source(path)[AR1]["origin"] == "reviewed"


def test_importing_twice_changes_nothing(tmp_path, capsys):
    tmx = tmp_path / "agency.tmx"
    tmx.write_text(FOREIGN_TMX, encoding="utf-8")
    tm = tmp_path / "tm.sqlite3"
    assert run_cli(capsys, "tm", "import", tmx, "--tm", tm)[0] == 0
    before = entries(tm)
    code, out, _ = run_cli(capsys, "tm", "import", tmx, "--tm", tm)
    assert code == 0 and "0 new, 0 updated, 2 already in the memory" in out
    assert entries(tm) == before


def test_english_the_memory_already_holds_keeps_its_origin(tmp_path):
    """A CAT tool hands our machine English back unchanged: it must not become 'imported'."""
    path = tmp_path / "tm.sqlite3"
    with TranslationMemory(path) as memory:
        memory.record_machine([machine((AR1, "Talks resume next week, he said."))], MODEL)
    tmx = tmp_path / "project_save.tmx"
    tmx.write_text(OMEGAT_TMX, encoding="utf-8")
    with TranslationMemory(path) as memory:
        counts = record_imported(memory, read_tmx(tmx).units, str(tmx))
    assert counts.unchanged == 1 and by_source(path)[AR1]["origin"] == "machine"


def test_omegat_tmx_1_1_with_doctype_and_lang_attributes(tmp_path):
    tmx = tmp_path / "project_save.tmx"
    tmx.write_text(OMEGAT_TMX, encoding="utf-8")
    contents = read_tmx(tmx)
    assert [(u.source, u.target, u.creator, u.creator_date) for u in contents.units] == [
        (AR1, "Talks resume next week, he said.", "reviewer", "2026-12-01T22:01:02Z")
    ]


BOMB = """<?xml version="1.0"?>
<!DOCTYPE tmx [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<tmx version="1.4"><header srclang="ar"/><body>
<tu><tuv xml:lang="ar"><seg>نص</seg></tuv><tuv xml:lang="en"><seg>&d;</seg></tuv></tu>
</body></tmx>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE tmx [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<tmx version="1.4"><header srclang="ar"/><body>
<tu><tuv xml:lang="ar"><seg>نص</seg></tuv><tuv xml:lang="en"><seg>&x;</seg></tuv></tu>
</body></tmx>
"""


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not well-formed XML"),
        (b"", "not well-formed XML"),
        (b"<tmx version='1.4'><header/><body><tu>", "not well-formed XML"),
        (b"<?xml version='1.0'?><html><body/></html>", "root element is not <tmx>"),
        (b"<tmx version='1.4'><header/></tmx>", "no <body>"),
        (BOMB.encode(), "its own DTD"),
        (EXTERNAL.encode(), "its own DTD"),
    ],
    ids=["binary", "empty", "truncated", "html", "no-body", "entity-bomb", "external-entity"],
)
def test_bad_tmx_exits_2_and_leaves_the_memory_untouched(tmp_path, capsys, content, message):
    path = tmp_path / "tm.sqlite3"
    with TranslationMemory(path) as memory:
        memory.record_machine([machine((AR1, "Machine one."))], MODEL)
    before = path.read_bytes(), entries(path)
    bad = tmp_path / "bad.tmx"
    bad.write_bytes(content)
    code, out, err = run_cli(capsys, "tm", "import", bad, "--tm", path)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and str(bad) in err
    assert (path.read_bytes(), entries(path)) == before


def test_missing_file_exits_2_and_creates_no_memory(tmp_path, capsys):
    tm = tmp_path / "tm.sqlite3"
    code, _, err = run_cli(capsys, "tm", "import", tmp_path / "nope.tmx", "--tm", tm)
    assert code == 2 and "no such TMX file" in err and not tm.exists()


def test_round_trip_tm_export_then_import_gives_the_same_entries(tmp_path, capsys):
    original = tmp_path / "original.sqlite3"
    with TranslationMemory(original) as memory:
        memory.record_machine([machine((AR1, "Machine one."), (AR3, "Machine three."))], MODEL)
        record_reviews(memory, [ReviewChange(AR3, "Reviewed three.")], "/briefings/a-reviewed.docx")
    agency = tmp_path / "agency.tmx"
    agency.write_text(FOREIGN_TMX.replace(AR1, "نص آخر لم يترجم آليا."), encoding="utf-8")
    assert run_cli(capsys, "tm", "import", agency, "--tm", original)[0] == 0
    exported = tmp_path / "memory.tmx"
    assert run_cli(capsys, "tm", "export", exported, "--tm", original)[0] == 0
    copy = tmp_path / "copy.sqlite3"
    code, out, err = run_cli(capsys, "tm", "import", exported, "--tm", copy)
    assert code == 0, err
    assert out.startswith("4 units read: 4 new")
    assert {e["origin"] for e in entries(copy)} == {"machine", "reviewed", "imported"}
    assert entries(copy) == entries(original)


def test_a_schema_1_memory_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE entries (
            source TEXT NOT NULL CHECK (source <> ''), source_lang TEXT NOT NULL, target_lang TEXT NOT NULL,
            target TEXT NOT NULL CHECK (target <> ''),
            origin TEXT NOT NULL CHECK (origin IN ('machine', 'reviewed')),
            model TEXT, reviewed_file TEXT, reviewed_at TEXT, score REAL,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
            PRIMARY KEY (source, source_lang, target_lang),
            CHECK (origin = 'reviewed' OR (model IS NOT NULL AND model <> '')));
        INSERT INTO entries VALUES ('نص', 'ar', 'en', 'Text.', 'machine', 'm 1', NULL, NULL, -0.5,
                                    '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z');
        PRAGMA user_version = 1;
        """
    )
    conn.close()
    with TranslationMemory(path) as memory:
        assert memory.stats()["by_origin"] == {"reviewed": 0, "imported": 0, "machine": 1}
    (entry,) = entries(path)
    assert (entry["target"], entry["model"], entry["score"], entry["creator"]) == ("Text.", "m 1", -0.5, None)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3  # 3: review history
    conn.close()


@pytest.mark.parametrize("score", ["nan", "inf", "-inf", "1e999", "-Infinity", "x", ""])
def test_a_machine_score_that_is_no_finite_number_comes_in_as_no_score(tmp_path, capsys, score):
    """A hand-edited or hostile TMX: an infinite log-probability would skew every confidence check."""
    original = tmp_path / "original.sqlite3"
    with TranslationMemory(original) as memory:
        memory.record_machine([machine((AR1, "Machine one."))], MODEL)
    exported = tmp_path / "memory.tmx"
    assert run_cli(capsys, "tm", "export", exported, "--tm", original)[0] == 0
    text = exported.read_text(encoding="utf-8")
    assert text.count('<prop type="x-score">-0.25</prop>') == 1
    exported.write_text(text.replace(">-0.25</prop>", f">{score}</prop>"), encoding="utf-8")
    copy = tmp_path / "copy.sqlite3"
    code, out, err = run_cli(capsys, "tm", "import", exported, "--tm", copy)
    assert code == 0, err
    (entry,) = entries(copy)
    assert (entry["origin"], entry["target"], entry["score"]) == ("machine", "Machine one.", None)
