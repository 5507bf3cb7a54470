"""Issue 11, cases 1-3: table layouts a reviewer makes never store English against the wrong passage.

An inserted column, merged cells and English typed into a ⚑ flag line, each edited with
python-docx, with tracked changes, and with a real headless LibreOffice (a Basic macro in a
private profile).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from helpers import run_cli as run
from hypothesis import given
from hypothesis import strategies as st
from test_review import (
    FLAG,
    ROWS,
    TIMEOUT,
    edit,
    english_cell,
    reviewed_entries,
    seed_article,
    set_english,
    summary,
)

from translate_tool.briefing import normalise_english
from translate_tool.export.docx import render_docx
from translate_tool.memory import default_tm_path
from translate_tool.review import read_review

MERGED = "cells merged across rows"


@pytest.fixture
def exported(tmp_path) -> Path:
    path = tmp_path / "briefing.docx"
    path.write_bytes(render_docx(seed_article()))
    return path


# --- python-docx ---------------------------------------------------------------------------------


def insert_column_left(document) -> None:
    """What Word's Insert > Column to the Left does to the XML: a new first cell in every row."""
    table = document.tables[0]._tbl
    grid = table.tblGrid
    grid.insert(0, parse_xml(f'<w:gridCol {nsdecls("w")} w:w="1000"/>'))
    for tr in table.tr_lst:
        first = tr.tc_lst[0]
        note = parse_xml(f"<w:tc {nsdecls('w')}><w:p><w:r><w:t>note</w:t></w:r></w:p></w:tc>")
        first.addprevious(note)


def test_an_inserted_column_on_the_left_changes_nothing(capsys, exported):
    def review(document):
        insert_column_left(document)
        set_english(document.tables[0].rows[3].cells[2], "Reviewed three, beside a notes column.")

    edit(exported, review)
    code, out, err = run(capsys, "review", "import", exported)
    assert (code, err) == (0, "")
    assert out.splitlines() == [summary(1, 1, 0, 0, ROWS - 1, 0)]
    assert list(reviewed_entries(default_tm_path()).values()) == ["Reviewed three, beside a notes column."]


def test_a_column_left_of_a_table_without_its_header_row_is_found_from_the_bookmarks(exported):
    def review(document):
        insert_column_left(document)
        header = document.tables[0].rows[0]._tr
        header.getparent().remove(header)
        set_english(document.tables[0].rows[4].cells[2], "Five, found by its bookmark.")

    edit(exported, review)
    result = read_review(exported)
    assert [(c.row, c.change.target) for c in result.changes] == [(5, "Five, found by its bookmark.")]
    assert (result.unchanged, result.unmatched) == (ROWS - 1, [])


def test_merged_english_cells_store_nothing_and_list_both_rows(capsys, exported):
    article = seed_article()

    def review(document):
        table = document.tables[0]
        set_english(english_cell(document, 10), "Ten, corrected.")
        table.cell(10, 1).merge(table.cell(11, 1))  # python-docx moves row 11's text up, as Word does

    edit(exported, review)
    code, out, err = run(capsys, "review", "import", exported)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == summary(0, 0, 0, 0, ROWS - 2, 2)
    assert lines[1] == f"row 10: {MERGED} — English kept here: Ten, corrected. {article.blocks[10].target}"
    assert lines[2] == f"row 11: {MERGED}"
    assert not default_tm_path().exists()  # nothing stored, so no memory was even created


def test_english_typed_into_a_flag_line_is_kept(capsys, exported):
    def review(document):
        cell = english_cell(document, 3)
        english, flag = cell.paragraphs[0], cell.paragraphs[1]
        english._p.getparent().remove(english._p)  # the English paragraph deleted...
        flag.runs[0].text = f"⚑ {FLAG} Sixty were there, the reviewer says."  # ...and typed here

    edit(exported, review)
    code, out, err = run(capsys, "review", "import", exported)
    assert (code, err) == (0, "")
    assert out.splitlines() == [summary(1, 1, 0, 0, ROWS - 1, 0)]
    assert list(reviewed_entries(default_tm_path()).values()) == ["Sixty were there, the reviewer says."]


def test_a_flag_line_overwritten_with_english_keeps_the_english(exported):
    def review(document):
        cell = english_cell(document, 5)
        english, flag = cell.paragraphs[0], cell.paragraphs[1]
        english._p.getparent().remove(english._p)
        flag.runs[0].text = "Only the reviewer's English, in the flag style."

    edit(exported, review)
    result = read_review(exported)
    assert [(c.row, c.change.target) for c in result.changes] == [
        (5, "Only the reviewer's English, in the flag style.")
    ]


def test_english_inserted_into_a_flag_line_with_tracked_changes_is_kept(exported):
    attrs = f'{nsdecls("w")} w:author="Reviewer" w:date="2024-05-02T10:00:00Z"'

    def review(document):
        flag = english_cell(document, 3).paragraphs[1]
        flag._p.append(
            parse_xml(
                f'<w:ins w:id="911" {attrs}><w:r><w:t xml:space="preserve"> Tracked sixty.</w:t></w:r></w:ins>'
            )
        )

    edit(exported, review)
    result = read_review(exported)
    assert [(c.row, c.change.target) for c in result.changes] == [
        (3, "The old wording stays here. Tracked sixty.")
    ]


def test_the_tools_own_flag_lines_still_never_count_as_english(exported):
    """With the ⚑ deleted, or the line left as it is, a flag line is not English (exact content)."""

    def review(document):
        flag = english_cell(document, 3).paragraphs[1]
        assert flag.style.name == "TT Flag"
        flag.runs[0].text = FLAG  # ⚑ deleted, message kept

    edit(exported, review)
    result = read_review(exported)
    assert (result.changes, result.unchanged, result.unmatched) == ([], ROWS, [])


# --- LibreOffice ---------------------------------------------------------------------------------

# One Basic macro for the layout edits, run headless in a private profile. sOp is "column" (insert
# a column left of the table, then retype the English of row sRow, now in the third column),
# "merge" (retype row sRow's English, then merge it with the English cell below) or "flag" (type
# sText at the end of row sRow's flag line, with change tracking on when sTrack is "1").
LAYOUT_MACRO = """
Sub EditLayout(sIn As String, sOut As String, sOp As String, sRow As String, sText As String, sTrack As String)
    Dim aLoad(0) As New com.sun.star.beans.PropertyValue
    aLoad(0).Name = "Hidden"
    aLoad(0).Value = True
    oDoc = StarDesktop.loadComponentFromURL(sIn, "_blank", 0, aLoad())
    oTable = oDoc.getTextTables().getByIndex(0)
    nRow = CInt(sRow)
    If sTrack = "1" Then oDoc.RecordChanges = True
    If sOp = "column" Then
        oTable.getColumns().insertByIndex(0, 1)
        oTable.getCellByPosition(2, nRow).getText().createEnumeration().nextElement().setString(sText)
    ElseIf sOp = "merge" Then
        oTable.getCellByPosition(1, nRow).getText().createEnumeration().nextElement().setString(sText)
        oCursor = oTable.createCursorByCellName("B" & (nRow + 1))
        oCursor.gotoCellByName("B" & (nRow + 2), True)
        oCursor.mergeRange()
    Else
        oText = oTable.getCellByPosition(1, nRow).getText()
        oEnum = oText.createEnumeration()
        oEnum.nextElement()
        oFlag = oEnum.nextElement()
        oText.insertString(oFlag.getEnd(), sText, False)
    End If
    Dim aStore(0) As New com.sun.star.beans.PropertyValue
    aStore(0).Name = "FilterName"
    aStore(0).Value = "MS Word 2007 XML"
    oDoc.storeToURL(sOut, aStore())
    oDoc.close(True)
End Sub
"""


@pytest.fixture(scope="module")
def layout_office(tmp_path_factory) -> Path:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not on PATH")
    profile = tmp_path_factory.mktemp("lo-layout-profile")
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
        f'script:language="StarBasic">{escape(LAYOUT_MACRO, {chr(34): "&quot;"})}</script:module>\n',
        encoding="utf-8",
    )
    return profile


def office_edit(
    profile: Path, source: Path, target: Path, op: str, row: int, text: str, track: bool = False
) -> Path:
    args = ",".join(
        f'"{a}"' for a in (source.as_uri(), target.as_uri(), op, str(row), text, "1" if track else "0")
    )
    result = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            f"macro:///Standard.Module1.EditLayout({args})",
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert target.exists(), f"the LibreOffice macro wrote nothing: {result.stdout}\n{result.stderr}"
    return target


def test_libreoffice_inserted_column(layout_office, exported, tmp_path):
    resaved = office_edit(
        layout_office, exported, tmp_path / "column.docx", "column", 7, "Seven, LibreOffice column."
    )
    assert len(Document(str(resaved)).tables[0].columns) == 4
    result = read_review(resaved)
    assert [(c.row, c.change.target) for c in result.changes] == [(7, "Seven, LibreOffice column.")]
    assert (result.unchanged, result.unmatched) == (ROWS - 1, [])


def test_libreoffice_merged_cells(layout_office, exported, tmp_path):
    resaved = office_edit(layout_office, exported, tmp_path / "merged.docx", "merge", 10, "Ten, merged.")
    result = read_review(resaved)
    assert result.changes == []
    assert [(u.row, u.reason) for u in result.unmatched] == [(10, MERGED), (11, MERGED)]
    assert result.unmatched[0].english.startswith("Ten, merged.")


def test_libreoffice_tracked_text_in_a_flag_line(layout_office, exported, tmp_path):
    resaved = office_edit(
        layout_office, exported, tmp_path / "flag.docx", "flag", 3, " Sixty, says LibreOffice.", True
    )
    result = read_review(resaved)
    assert [(c.row, c.change.target) for c in result.changes] == [
        (3, "The old wording stays here. Sixty, says LibreOffice.")
    ]


# --- property: whatever a reviewer types after a flag line's text comes back, exactly ----------

REVIEWER_TEXT = st.text(
    alphabet=st.characters(
        whitelist_categories=("L", "N", "P", "Zs", "S"), blacklist_characters="⚑\u2028\u2029\x85"
    ),
    min_size=1,
    max_size=60,
).filter(lambda text: normalise_english(text) != "")


@given(typed=REVIEWER_TEXT, before=st.booleans())
def test_any_english_typed_into_a_flag_line_survives(tmp_path_factory, typed, before):
    path = tmp_path_factory.mktemp("flag") / "briefing.docx"
    path.write_bytes(render_docx(seed_article()))

    def review(document):
        cell = english_cell(document, 3)
        english, flag = cell.paragraphs[0], cell.paragraphs[1]
        english._p.getparent().remove(english._p)
        flag.runs[0].text = f"{typed} ⚑ {FLAG}" if before else f"⚑ {FLAG} {typed}"

    edit(path, review)
    result = read_review(path)
    assert [(c.row, c.change.target) for c in result.changes] == [(3, normalise_english(typed))]
