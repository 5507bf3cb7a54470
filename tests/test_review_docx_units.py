"""The DOCX review reader's small rules, one file edited with python-docx per case, read in-process.

Mostly how the ⚑ flag lines are told from a reviewer's English (`_FlagLines`): a flag line that
lost its style, an older export that did not list its flag lines, a one-word flag, flag lines
joined into one paragraph, English typed after a flag with a ⚑ of its own; and a row whose English
cell was deleted.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from test_review import FLAG, ROWS, edit, english_cell, rezip, seed_article

from translate_tool.article import Flag
from translate_tool.briefing import FLAG_COUNT_PROPERTY, FLAGS_PROPERTY
from translate_tool.export.docx import render_docx
from translate_tool.review import read_review
from translate_tool.review.core import Provenance, ReadRow
from translate_tool.review.docx import read_docx

OLD = "The old wording stays here."  # row 3's English as exported; FLAG is its flag
ONE_WORD = "Unchecked"  # a second flag on row 3, in the two-flag briefing


@pytest.fixture
def exported(tmp_path) -> Path:
    path = tmp_path / "briefing.docx"
    path.write_bytes(render_docx(seed_article()))
    return path


@pytest.fixture
def two_flags(tmp_path) -> Path:
    """Row 3 flagged twice: `⚑ 60 is missing from the English`, then `⚑ Unchecked`."""
    article = seed_article()
    article.blocks[2].flags.append(Flag("numbers", ONE_WORD))
    path = tmp_path / "two-flags.docx"
    path.write_bytes(render_docx(article))
    return path


def row_english(path: Path, row: int) -> str:
    return read_docx(path).rows[row - 1].english


def retype(paragraph, text: str) -> None:
    for extra in paragraph.runs[1:]:
        extra._r.getparent().remove(extra._r)
    paragraph.runs[0].text = text


def test_the_briefings_row_3_is_as_these_tests_expect(exported, two_flags):
    cell = english_cell(Document(str(exported)), 3)
    assert [p.text for p in cell.paragraphs] == [OLD, f"⚑ {FLAG}"]
    cell = english_cell(Document(str(two_flags)), 3)
    assert [p.text for p in cell.paragraphs] == [OLD, f"⚑ {FLAG}", f"⚑ {ONE_WORD}"]
    assert [p.style.name for p in cell.paragraphs] == ["Normal", "TT Flag", "TT Flag"]
    assert row_english(two_flags, 3) == OLD


def test_a_flag_line_that_lost_its_style_is_still_known_by_its_leading_flag(exported):
    """A copy-paste as plain text or a re-save can drop the style; the ⚑ and the text remain."""

    def review(document):
        flag = english_cell(document, 3).paragraphs[1]
        flag._p.pPr.remove(flag._p.pPr.find(qn("w:pStyle")))

    edit(exported, review)
    cell = english_cell(Document(str(exported)), 3)
    assert [(p.text, p.style.name) for p in cell.paragraphs] == [(OLD, "Normal"), (f"⚑ {FLAG}", "Normal")]
    assert row_english(exported, 3) == OLD
    result = read_review(exported)
    assert (result.changes, result.unchanged, result.unmatched) == ([], ROWS, [])


def test_english_typed_after_a_flag_line_that_lost_its_style_is_kept(exported):
    def review(document):
        flag = english_cell(document, 3).paragraphs[1]
        flag._p.pPr.remove(flag._p.pPr.find(qn("w:pStyle")))
        retype(flag, f"⚑ {FLAG} Sixty were there.")

    edit(exported, review)
    assert row_english(exported, 3) == f"{OLD} Sixty were there."


def without_flag_list(source: Path, target: Path) -> Path:
    """The briefing as an export from before flag lines were listed in the properties."""
    with zipfile.ZipFile(source) as z:
        custom = z.read("docProps/custom.xml").decode()
    for name in (FLAG_COUNT_PROPERTY, f"{FLAGS_PROPERTY}1"):
        start = custom.rindex("<property", 0, custom.index(f'name="{name}"'))
        custom = custom[:start] + custom[custom.index("</property>", start) + len("</property>") :]
    assert FLAG_COUNT_PROPERTY not in custom and FLAGS_PROPERTY not in custom
    return rezip(source, target, {"docProps/custom.xml": custom.encode()})


def test_an_older_export_drops_every_flag_line_whatever_it_holds(exported, tmp_path):
    """Without the list of flag lines, a line in the flag style or led by ⚑ is never English."""

    def review(document):
        cell = english_cell(document, 5)
        retype(cell.paragraphs[1], "⚑ 6 is missing from the English. Six, says the reviewer.")

    edit(exported, review)
    older = without_flag_list(exported, tmp_path / "older.docx")
    rows = read_docx(older).rows
    assert (rows[2].english, rows[4].english) == (OLD, seed_article().blocks[4].target)
    result = read_review(older)
    assert (result.changes, result.unchanged, result.unmatched) == ([], ROWS, [])


def test_a_one_word_flag_line_is_a_flag_line(two_flags):
    result = read_review(two_flags)
    assert (result.changes, result.unchanged, result.unmatched) == ([], ROWS, [])

    def review(document):
        retype(english_cell(document, 3).paragraphs[2], f"⚑ {ONE_WORD} Sixty, checked.")

    edit(two_flags, review)
    assert row_english(two_flags, 3) == f"{OLD} Sixty, checked."


@pytest.mark.parametrize(
    "joined",
    [
        f"⚑ {FLAG}⚑ {ONE_WORD}",  # Delete at the end of the first line: no space between them
        f"⚑ {FLAG} ⚑ {ONE_WORD}",
        f"⚑ {ONE_WORD} ⚑ {FLAG}",
        f"⚑ {ONE_WORD}⚑ {FLAG}",
        f"{FLAG} {ONE_WORD}",  # and both ⚑ deleted
    ],
    ids=["no-space", "space", "one-word-first", "one-word-first-no-space", "no-flag-marks"],
)
def test_flag_lines_joined_into_one_paragraph_are_all_dropped(two_flags, joined):
    """Each known flag line is taken off in turn, not only the longest; none of them is English."""

    def review(document):
        cell = english_cell(document, 3)
        second, third = cell.paragraphs[1], cell.paragraphs[2]
        retype(second, joined)
        third._p.getparent().remove(third._p)

    edit(two_flags, review)
    cell = english_cell(Document(str(two_flags)), 3)
    assert [p.text for p in cell.paragraphs] == [OLD, joined]
    assert row_english(two_flags, 3) == OLD
    result = read_review(two_flags)
    assert (result.changes, result.unchanged, result.unmatched) == ([], ROWS, [])


@pytest.mark.parametrize(
    ("typed", "english"),
    [
        # the reviewer's answer marked with a ⚑ of its own, after or before the flag's text
        (f"⚑ {FLAG} ⚑ Sixty were there.", "Sixty were there."),
        (f"⚑ {FLAG} ⚑Sixty were there.", "Sixty were there."),
        (f"⚑ Sixty were there. ⚑ {FLAG}", "Sixty were there."),
        (f"Sixty were there. ⚑ {FLAG}", "Sixty were there."),
        # English starting with an X (the strip takes off ⚑ and spaces only) and between two flags
        (f"⚑ {FLAG} XL sizes: sixty.", "XL sizes: sixty."),
        (f"⚑ {FLAG} X-rays: sixty. ⚑ {ONE_WORD}", "X-rays: sixty."),
        (f"⚑ {ONE_WORD} Sixty were there. ⚑ {FLAG}", "Sixty were there."),
    ],
    ids=["after", "after-glued", "before", "before-unmarked", "x-after", "x-between", "between"],
)
def test_english_typed_into_a_flag_line_is_what_is_left_of_it(two_flags, typed, english):
    def review(document):
        cell = english_cell(document, 3)
        first, second, third = cell.paragraphs
        first._p.getparent().remove(first._p)
        third._p.getparent().remove(third._p)
        retype(second, typed)

    edit(two_flags, review)
    assert row_english(two_flags, 3) == english
    result = read_review(two_flags)
    assert [(c.row, c.change.target) for c in result.changes] == [(3, english)]


def test_a_row_whose_english_and_arabic_cells_were_deleted_reads_as_empty(exported):
    """Only the # cell (with the row's bookmark) is left: no English cell, so no tracked changes."""

    def review(document):
        tr = document.tables[0].rows[3]._tr
        for tc in tr.tc_lst[1:]:
            tr.remove(tc)

    edit(exported, review)
    document = read_docx(exported)
    key = seed_article().blocks[2].key
    assert document.rows[2] == ReadRow(3, 3, [key], "", "", Provenance(), "")
    assert len(document.rows) == ROWS
