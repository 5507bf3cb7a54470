"""The passage rows written as text: what Word and python-docx read back is what was exported."""

from __future__ import annotations

import io
import zipfile

from docx import Document
from helpers import translated_seed
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from translate_tool.article import BlockKind, Flag, Origin
from translate_tool.briefing import clean_text
from translate_tool.export.docx import render_docx, render_docx_combined

# English as a model or a reviewer may give it: tabs, line breaks, leading and trailing spaces,
# markup characters, NBSP, astral characters and characters XML cannot hold.
english = st.text(
    alphabet=st.sampled_from(list("ab &<>\"'\t\n\r\u00a0\u200f😀\x01\x0b") + ["\ud800"]), max_size=30
)


def _docx_text(text: str) -> str:
    """The text python-docx reads back from a run written for `text` (tab as tab, CR/LF as LF)."""
    return clean_text(text).replace("\r", "\n")


@given(st.lists(english, min_size=3, max_size=3), english)
def test_any_english_and_flag_text_reads_back(texts, flag_text):
    article = translated_seed()
    for block, text in zip(article.blocks[1:4], texts, strict=True):
        block.target = text
    article.blocks[2].flags = [Flag("x", flag_text)]
    data = render_docx(article)
    etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))  # well-formed
    rows = Document(io.BytesIO(data)).tables[0].rows
    for row, text in zip(rows[2:5], texts, strict=True):
        assert row.cells[1].paragraphs[0].text == _docx_text(text.strip())
    assert rows[3].cells[1].paragraphs[1].text == _docx_text("⚑ " + flag_text)
    assert rows[3].cells[1].paragraphs[1].style.name == "TT Flag"


def test_rows_keep_their_numbers_bookmarks_marks_and_shading_in_a_combined_briefing():
    first, second = translated_seed(), translated_seed()
    second.blocks[1].origin = Origin.REVIEWED
    data = render_docx_combined([first, second], "monday")
    document = Document(io.BytesIO(data))
    tables = document.tables
    assert [len(t.rows) for t in tables] == [len(first.blocks) + 1, len(second.blocks) + 1]
    numbers = [r.cells[0].paragraphs[0].text for t in tables for r in t.rows[1:]]
    marks = [n.split("\n")[1] for n in numbers]
    assert [int(n.split("\n")[0]) for n in numbers] == list(range(1, 2 * len(first.blocks) + 1))
    assert marks[len(first.blocks) + 1] == "REV" and marks.count("REV") == 1
    body = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    # the second copy of each row gets the _2 bookmark: names stay unique through the briefing
    key = first.blocks[0].key
    assert f'w:name="tt_{key}"' in body and f'w:name="tt_{key}_2"' in body
    headings = sum(1 for b in first.blocks if b.kind is BlockKind.HEADING)
    assert body.count('w:fill="DCE6F1"') == 2 * 3 * headings
    assert "tt-rows-" not in body  # no placeholder left behind
