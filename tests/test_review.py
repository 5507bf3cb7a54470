"""`review import`: reviewers' corrections come back from Word and LibreOffice into the memory.

Real briefings, edited with python-docx, raw WordprocessingML and a headless LibreOffice; a real
SQLite translation memory; hostile and foreign files refused with exit 2 and the memory untouched.
"""

from __future__ import annotations

import copy
import os
import shutil
import struct
import subprocess
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from helpers import FakeTranslator
from helpers import run_cli as run

from translate_tool.article import Article, Flag, Origin
from translate_tool.briefing import ENGLISH_PROPERTY, FLAG_STYLE, english_fingerprint
from translate_tool.cli import main
from translate_tool.export.docx import render_docx
from translate_tool.memory import TranslationMemory, default_tm_path
from translate_tool.memory_history import ReviewChange, record_reviews
from translate_tool.pipeline import apply_memory, translate_articles
from translate_tool.readers.txt import parse_article
from translate_tool.review import (
    ARABIC_EDITED,
    DUPLICATE_KEY,
    ROW_ADDED,
    ROW_REMOVED,
    read_review,
)
from translate_tool.review.ooxml import custom_properties as read_custom_properties

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_ab347057d505572f.txt"
ROWS = 39
TIMEOUT = 180
FLAG = "60 is missing from the English"


def seed_article() -> Article:
    """The seed, translated by the fake model, with a flag on rows 3 and 5 (blocks 2 and 4)."""
    article = parse_article(SEED.read_text(encoding="utf-8"), SEED)
    translate_articles([article], FakeTranslator)
    article.blocks[2].target = "The old wording stays here."
    article.blocks[2].flags = [Flag("numbers", FLAG)]
    article.blocks[4].flags = [Flag("numbers", "6 is missing from the English")]
    article.model = FakeTranslator.label
    article.generated_at = datetime(2024, 5, 1, 9, 30, tzinfo=timezone.utc)
    return article


@pytest.fixture
def exported(tmp_path) -> Path:
    path = tmp_path / "briefing.docx"
    path.write_bytes(render_docx(seed_article()))
    return path


def summary(changed, new, updated, recorded, unchanged, unmatched) -> str:
    return (
        f"{changed} changed ({new} new to the memory, {updated} updated, {recorded} already recorded), "
        f"{unchanged} unchanged, {unmatched} unmatched"
    )


def english_cell(document, row: int):
    return document.tables[0].rows[row].cells[1]


def set_english(cell, text: str) -> None:
    """Replace the English paragraph's text the way typing over it would."""
    paragraph = cell.paragraphs[0]
    for extra in paragraph.runs[1:]:
        extra._r.getparent().remove(extra._r)
    paragraph.runs[0].text = text


def edit(path: Path, change) -> Path:
    document = Document(str(path))
    change(document)
    document.save(str(path))
    return path


def reviewed_entries(tm: Path) -> dict[str, str]:
    """Arabic (normalised) -> English of every reviewed entry in the memory file."""
    import sqlite3

    with sqlite3.connect(tm) as conn:
        rows = conn.execute("SELECT source, target FROM entries WHERE origin = 'reviewed'").fetchall()
    return dict(rows)


# --- what the exporter records for the importer --------------------------------------------------


def test_export_records_english_fingerprints_and_styles_flag_lines(exported):
    article = seed_article()
    with zipfile.ZipFile(exported) as z:
        custom = read_custom_properties(z.read("docProps/custom.xml"))
    chunks = sorted(
        (k for k in custom if k.startswith(ENGLISH_PROPERTY)), key=lambda k: int(k.rsplit("-", 1)[1])
    )
    fingerprints = " ".join(custom[k] for k in chunks).split()
    assert fingerprints == [english_fingerprint(b.target) for b in article.blocks]
    assert all(len(custom[k]) <= 255 for k in chunks)
    cell = english_cell(Document(str(exported)), 3)
    flags = [p for p in cell.paragraphs if p.text.startswith("⚑")]
    assert [p.style.name for p in flags] == [FLAG_STYLE]
    assert cell.paragraphs[0].style.name == "Normal"
    assert english_fingerprint(" a\u00a0b\n c ") == english_fingerprint("a b c")


# --- python-docx round trip ------------------------------------------------------------------------


def test_round_trip_imports_exactly_the_edited_rows_once(capsys, exported):
    def review(document):
        cell = english_cell(document, 3)
        set_english(cell, "Reviewed three.")
        flag = next(p for p in cell.paragraphs if p.text.startswith("⚑"))
        flag.runs[0].text = FLAG  # the reviewer deleted the ⚑: the style still marks the line
        cell = english_cell(document, 7)
        set_english(cell, "First line of seven.")
        cell.add_paragraph("Second   line\tof seven.")

    edit(exported, review)
    code, out, err = run(capsys, "review", "import", exported)
    assert (code, err) == (0, "")
    assert out.splitlines() == [summary(2, 2, 0, 0, 37, 0)]

    article = seed_article()
    entries = reviewed_entries(default_tm_path())
    assert entries == {
        " ".join(article.blocks[2].source.split()): "Reviewed three.",
        " ".join(article.blocks[6].source.split()): "First line of seven. Second line of seven.",
    }

    code, out, _ = run(capsys, "review", "import", exported)
    assert code == 0
    assert out.splitlines() == [summary(2, 0, 0, 2, 37, 0)]


def test_reviewed_rows_come_back_on_the_next_export(exported, tmp_path):
    edit(exported, lambda d: set_english(english_cell(d, 3), "Reviewed three."))
    tm = tmp_path / "other-memory.sqlite3"
    assert main(["review", "import", str(exported), "--tm", str(tm)]) == 0
    assert not default_tm_path().exists()  # --tm chose the file

    fresh = parse_article(SEED.read_text(encoding="utf-8"), SEED)
    with TranslationMemory(tm) as memory:
        applied = apply_memory(memory, [fresh], model_label=None)
    assert applied.reviewed == 1
    reviewed = [(i, b.target) for i, b in enumerate(fresh.blocks) if b.origin is Origin.REVIEWED]
    assert reviewed == [(2, "Reviewed three.")]

    # the next briefing shows it as reviewed, and importing that unedited briefing changes nothing
    translate_articles([fresh], FakeTranslator)
    again = tmp_path / "again.docx"
    again.write_bytes(render_docx(fresh))
    row = Document(str(again)).tables[0].rows[3]
    assert row.cells[1].paragraphs[0].text == "Reviewed three."
    assert row.cells[0].text.endswith("REV")
    result = read_review(again)
    assert (result.changes, result.unchanged, result.unmatched) == ([], ROWS, [])


W_ATTRS = f'{nsdecls("w")} w:author="Reviewer" w:date="2024-05-02T10:00:00Z"'


def test_tracked_insertions_count_and_deletions_do_not(capsys, exported):
    def review(document):
        paragraph = english_cell(document, 5).paragraphs[0]
        paragraph.runs[0].text = "Keep this."
        p = paragraph._p
        p.append(
            parse_xml(f'<w:del w:id="901" {W_ATTRS}><w:r><w:delText>OLD WORDS</w:delText></w:r></w:del>')
        )
        p.append(
            parse_xml(
                f'<w:ins w:id="902" {W_ATTRS}><w:r><w:t xml:space="preserve"> NEW WORDS</w:t></w:r></w:ins>'
            )
        )
        # python-docx's own text skips the insertion: the reason the importer reads the XML itself
        assert "NEW WORDS" not in paragraph.text

    edit(exported, review)
    code, out, _ = run(capsys, "review", "import", exported)
    assert code == 0 and out.startswith(summary(1, 1, 0, 0, 38, 0))
    (target,) = reviewed_entries(default_tm_path()).values()
    assert target == "Keep this. NEW WORDS"
    assert "OLD WORDS" not in target and "⚑" not in target and "missing" not in target


# --- rows that cannot be matched -----------------------------------------------------------------


def test_unmatched_rows_are_reported_with_their_english(capsys, exported):
    article = seed_article()

    def review(document):
        rows = document.tables[0].rows
        set_english(english_cell(document, 2), "A real correction.")
        # Arabic edited (and its English too): reported, not imported
        set_english(english_cell(document, 6), "English for an edited Arabic.")
        rows[6].cells[2].paragraphs[0].runs[0].text += " كلمة"
        # a row deleted outright, and one deleted with change tracking on
        tbl = document.tables[0]._tbl
        row9, row12 = rows[9]._tr, rows[12]._tr  # `rows` is live: index before removing
        tbl.remove(row9)
        row12.get_or_add_trPr().append(parse_xml(f'<w:del w:id="903" {W_ATTRS}/>'))
        # a new row with no key
        added = document.tables[0].add_row()
        added.cells[1].text = "An added row."
        added.cells[2].text = "نص جديد"

    edit(exported, review)
    code, out, err = run(capsys, "review", "import", exported)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        summary(1, 1, 0, 0, 35, 4),
        "row 6: Arabic text edited — English kept here: English for an edited Arabic.",
        "row 9: row removed",
        "row 12: row removed",
        "row 38: row added (no row key) — English kept here: An added row.",
    ]
    result = read_review(exported)
    edited = next(u for u in result.unmatched if u.reason == ARABIC_EDITED)
    assert edited.arabic.endswith("كلمة") and edited.key == article.blocks[5].key
    assert {u.key for u in result.unmatched if u.reason == ROW_REMOVED} == {
        article.blocks[8].key,
        article.blocks[11].key,
    }
    assert [(c.row, c.change) for c in result.changes] == [
        (2, ReviewChange(article.blocks[1].source, "A real correction."))
    ]


def test_duplicated_row_is_not_imported_and_lost_bookmark_is_recovered(exported):
    article = seed_article()

    def review(document):
        tbl = document.tables[0]._tbl
        rows = document.tables[0].rows
        # a row copied with its bookmark, both copies edited differently
        set_english(english_cell(document, 8), "Copy one.")
        twin = copy.deepcopy(rows[8]._tr)
        rows[8]._tr.addnext(twin)
        twin.findall(f".//{qn('w:t')}")[2].text = "Copy two."
        # a row whose bookmark was lost (number retyped): matched by its Arabic instead
        for tag in ("w:bookmarkStart", "w:bookmarkEnd"):
            for mark in rows[4]._tr.iter(qn(tag)):
                mark.getparent().remove(mark)
        set_english(english_cell(document, 4), "Recovered four.")
        assert len(tbl.tr_lst) == ROWS + 2

    edit(exported, review)
    result = read_review(exported)
    assert [(u.row, u.reason, u.english) for u in result.unmatched] == [
        (8, DUPLICATE_KEY, "Copy one."),
        (8, DUPLICATE_KEY, "Copy two."),
    ]
    assert [(c.row, c.change.target) for c in result.changes] == [(4, "Recovered four.")]
    assert result.changes[0].key == article.blocks[3].key
    assert result.unchanged == ROWS - 2


def test_a_copied_row_without_bookmark_is_reported_as_added(exported):
    def review(document):
        added = document.tables[0].add_row()
        added.cells[1].text = "Loose English."
        added.cells[2].text = seed_article().blocks[0].source  # same Arabic as row 1: a copy

    edit(exported, review)
    result = read_review(exported)
    assert [(u.reason, u.english) for u in result.unmatched] == [(ROW_ADDED, "Loose English.")]
    assert result.unchanged == ROWS


# --- LibreOffice ---------------------------------------------------------------------------------

# A Basic macro: open the DOCX hidden, change the first paragraph of one English cell (optionally
# with change tracking on: delete its first word, append text), save as Word 2007-365 .docx.
# LibreOffice 7.4 only dispatches a macro URL whose arguments are all strings.
EDIT_MACRO = """
Sub EditEnglish(sIn As String, sOut As String, sRow As String, sText As String, sTrack As String)
    Dim aLoad(0) As New com.sun.star.beans.PropertyValue
    aLoad(0).Name = "Hidden"
    aLoad(0).Value = True
    oDoc = StarDesktop.loadComponentFromURL(sIn, "_blank", 0, aLoad())
    oText = oDoc.getTextTables().getByIndex(0).getCellByPosition(1, CInt(sRow)).getText()
    oPara = oText.createEnumeration().nextElement()
    If sTrack = "1" Then
        oDoc.RecordChanges = True
        oCursor = oText.createTextCursorByRange(oPara.getStart())
        oCursor.gotoEndOfWord(True)
        oCursor.setString("")
        oCursor.gotoEndOfParagraph(False)
        oText.insertString(oCursor, sText, False)
    Else
        oPara.setString(sText)
    End If
    Dim aStore(0) As New com.sun.star.beans.PropertyValue
    aStore(0).Name = "FilterName"
    aStore(0).Value = "MS Word 2007 XML"
    oDoc.storeToURL(sOut, aStore())
    oDoc.close(True)
End Sub
"""


@pytest.fixture(scope="module")
def libreoffice(tmp_path_factory) -> Path:
    """A private LibreOffice profile with the edit macro in its Standard Basic library."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not on PATH")
    profile = tmp_path_factory.mktemp("lo-profile")
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
    module = profile / "user" / "basic" / "Standard" / "Module1.xba"
    assert module.exists(), "LibreOffice did not create its Standard Basic library"
    module.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" '
        f'script:language="StarBasic">{escape(EDIT_MACRO, {chr(34): "&quot;"})}</script:module>\n',
        encoding="utf-8",
    )
    return profile


def libreoffice_edit(profile: Path, source: Path, target: Path, row: int, text: str, track: bool) -> Path:
    args = ",".join(
        f'"{a}"' for a in (source.as_uri(), target.as_uri(), str(row), text, "1" if track else "0")
    )
    result = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            f"macro:///Standard.Module1.EditEnglish({args})",
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert target.exists(), f"the LibreOffice macro wrote nothing: {result.stdout}\n{result.stderr}"
    return target


def test_libreoffice_edit_round_trip(capsys, libreoffice, exported, tmp_path):
    resaved = libreoffice_edit(
        libreoffice, exported, tmp_path / "lo.docx", 7, "Reviewed in LibreOffice.", False
    )
    with zipfile.ZipFile(resaved) as z:
        assert b"Reviewed in LibreOffice." in z.read("word/document.xml")
        assert b"LibreOffice" in z.read("docProps/app.xml")  # really written by LibreOffice
    result = read_review(resaved)
    assert [(c.row, c.key, c.change.target) for c in result.changes] == [
        (7, seed_article().blocks[6].key, "Reviewed in LibreOffice.")
    ]
    assert (result.unchanged, result.unmatched) == (ROWS - 1, [])
    code, out, _ = run(capsys, "review", "import", resaved)
    assert code == 0 and out.splitlines() == [summary(1, 1, 0, 0, ROWS - 1, 0)]


def test_libreoffice_tracked_changes_on_a_flagged_row(libreoffice, exported, tmp_path):
    resaved = libreoffice_edit(libreoffice, exported, tmp_path / "tracked.docx", 3, " NEW WORDS", True)
    with zipfile.ZipFile(resaved) as z:
        xml = z.read("word/document.xml")
    assert b"<w:ins " in xml and b"<w:delText>The</w:delText>" in xml and b"TTFlag" in xml
    result = read_review(resaved)
    assert [(c.row, c.change.target) for c in result.changes] == [(3, "old wording stays here. NEW WORDS")]
    assert (result.unchanged, result.unmatched) == (ROWS - 1, [])


# --- files that must be refused ------------------------------------------------------------------


def rezip(source: Path, target: Path, replace: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info.filename, replace.get(info.filename, src.read(info)))
    return target


def zip_bomb(source: Path, target: Path, megabytes: int) -> Path:
    """A briefing whose document.xml is `megabytes` MB of zeros (a few hundred kB compressed)."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                out.writestr(info.filename, src.read(info))
        with out.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * 2**20
            for _ in range(megabytes):
                member.write(chunk)
    assert target.stat().st_size < 2 * 2**20
    return target


def lying_sizes(source: Path, target: Path) -> Path:
    """A 60 MB document.xml whose central-directory entry claims 1000 bytes."""
    data = bytearray(zip_bomb(source, target, 60).read_bytes())
    name = data.rfind(b"word/document.xml")
    header = data.rfind(b"PK\x01\x02", 0, name)
    struct.pack_into("<I", data, header + 24, 1000)  # uncompressed size
    target.write_bytes(bytes(data))
    with zipfile.ZipFile(target) as z:
        assert z.getinfo("word/document.xml").file_size == 1000
    return target


BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE w:document [\n<!ENTITY lol0 "lol">\n'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10))
    + f"]>\n<w:document {nsdecls('w')}><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"
).encode()


def without_fingerprints(source: Path, target: Path) -> Path:
    with zipfile.ZipFile(source) as z:
        custom = z.read("docProps/custom.xml").decode()
    start = custom.index(f'name="{ENGLISH_PROPERTY}1"')
    start = custom.rindex("<property", 0, start)
    end = custom.index("</Properties>")
    return rezip(source, target, {"docProps/custom.xml": (custom[:start] + custom[end:]).encode()})


def text_file(_: Path, target: Path) -> Path:
    target.write_bytes(b"Just some notes, not Word.\n")
    return target


def truncated(source: Path, target: Path) -> Path:
    target.write_bytes(source.read_bytes()[: source.stat().st_size // 2])
    return target


def folder(_: Path, target: Path) -> Path:
    target.mkdir()
    return target


def foreign_docx(_: Path, target: Path) -> Path:
    document = Document()
    document.add_paragraph("Minutes of the meeting")
    table = document.add_table(rows=2, cols=3)
    table.rows[0].cells[1].text = "English"
    document.save(str(target))
    return target


BAD_FILES = {
    "text renamed .docx": (text_file, "not a DOCX"),
    "truncated zip": (truncated, "damaged"),
    "zip bomb, 300 MB": (lambda src, t: zip_bomb(src, t, 300), "refusing"),
    "one part of 60 MB": (lambda src, t: zip_bomb(src, t, 60), "refusing"),
    "sizes that lie": (lying_sizes, "damaged DOCX"),
    "entity expansion": (lambda src, t: rezip(src, t, {"word/document.xml": BILLION_LAUGHS}), "DOCTYPE"),
    "a Word file not ours": (foreign_docx, "is not a translate-tool briefing (no row keys)"),
    "exported before fingerprints": (without_fingerprints, "older translate-tool"),
    "a folder": (folder, "not a DOCX"),
    "missing": (lambda src, t: t, "no such file"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_files_exit_2_with_one_line_and_leave_the_memory_alone(capsys, exported, tmp_path, case):
    tm = default_tm_path()
    with TranslationMemory(tm) as memory:
        record_reviews(memory, [ReviewChange("نص سابق", "Earlier review.")], "earlier.docx")
    before = {p.name: p.read_bytes() for p in tm.parent.iterdir() if p.is_file()}
    make, message = BAD_FILES[case]
    bad = make(exported, tmp_path / "reviewed.docx")

    code, out, err = run(capsys, "review", "import", bad)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err, err
    assert {p.name: p.read_bytes() for p in tm.parent.iterdir() if p.is_file()} == before


def test_unknown_format_version_is_refused(capsys, exported, tmp_path):
    with zipfile.ZipFile(exported) as z:
        custom = z.read("docProps/custom.xml").decode()
    marker = 'name="translate-tool-format-version"><vt:i4>1<'
    assert marker in custom
    bad = rezip(
        exported,
        tmp_path / "v9.docx",
        {"docProps/custom.xml": custom.replace(marker, marker[:-2] + "9<").encode()},
    )
    code, _, err = run(capsys, "review", "import", bad)
    assert code == 2 and "format version 9" in err
    assert not default_tm_path().exists()


def test_reading_is_pure(exported):
    """read_review never opens the memory, even for a file full of changes."""
    edit(exported, lambda d: set_english(english_cell(d, 3), "Changed."))
    assert len(read_review(exported).changes) == 1
    assert not default_tm_path().exists()


def test_help(capsys):
    code, out, _ = run(capsys, "review", "import", "--help")
    assert code == 0 and "REVIEWED.docx" in out and "--tm" in out


def test_acceptance_export_edit_in_libreoffice_import_export_again(
    capsys, libreoffice, tmp_path, seed_path, synthetic_model
):
    """The issue's 'done when': the second export carries the LibreOffice edit, marked reviewed."""
    first, second = tmp_path / "first", tmp_path / "second"
    assert run(capsys, "export", seed_path, "--model", synthetic_model, "--out-dir", first)[0] == 0
    docx = first / f"{seed_path.stem}.docx"
    edited = libreoffice_edit(
        libreoffice, docx, tmp_path / "reviewed.docx", 7, "Edited by a reviewer.", False
    )
    code, out, _ = run(capsys, "review", "import", edited)
    assert code == 0 and out.startswith("1 changed")
    assert run(capsys, "export", seed_path, "--model", synthetic_model, "--out-dir", second)[0] == 0
    row = Document(str(second / f"{seed_path.stem}.docx")).tables[0].rows[7]
    assert row.cells[1].paragraphs[0].text == "Edited by a reviewer."
    assert "REV" in row.cells[0].text
    md_row = next(
        line
        for line in (second / f"{seed_path.stem}.md").read_text(encoding="utf-8").splitlines()
        if "Edited by a reviewer." in line
    )
    assert "REV" in md_row
    # and a second import of the same file changes nothing
    code, out, _ = run(capsys, "review", "import", edited)
    assert code == 0 and "1 already recorded" in out


def test_review_import_does_not_import_python_docx(exported, tmp_path):
    """Reading a review needs the format contract (`briefing`), not the Word writer."""
    code = (
        "import sys; from translate_tool.cli import main; "
        f"code = main(['review', 'import', {str(exported)!r}]); "
        "print(code, sorted(m for m in sys.modules if m == 'docx' or m.startswith('docx.')))"
    )
    env = {**os.environ, "TRANSLATE_TOOL_TM": str(tmp_path / "tm.sqlite3")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=TIMEOUT
    )
    assert done.stdout.strip().splitlines()[-1] == "0 []", done.stderr
