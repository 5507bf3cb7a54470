"""The Word briefing: structure, right-to-left Arabic, row identity and metadata."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm
from helpers import translated_seed

from translate_tool.article import Article, BlockKind, Flag, Origin
from translate_tool.briefing import FORMAT_NAME, row_bookmark
from translate_tool.export import EXPORTERS
from translate_tool.export.docx import ARABIC_FONT, render_docx
from translate_tool.review.ooxml import custom_properties as read_custom_properties

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_ab347057d505572f.txt"


def seed_article() -> Article:
    return translated_seed()


@pytest.fixture(scope="module")
def article() -> Article:
    return seed_article()


@pytest.fixture(scope="module")
def document(article):
    return Document(io.BytesIO(render_docx(article)))


@pytest.fixture(scope="module")
def table(document):
    assert len(document.tables) == 1
    return document.tables[0]


def body_rows(table):
    return table.rows[1:]


def test_seed_has_the_expected_shape(article):
    kinds = [b.kind for b in article.blocks]
    assert len(article.paragraphs) == 31
    assert kinds.count(BlockKind.HEADING) == 6
    assert kinds.count(BlockKind.TITLE) == 1 and kinds.count(BlockKind.DATELINE) == 1
    assert len(article.blocks) == 39


def test_one_row_per_block_plus_header(article, table):
    assert len(table.rows) == len(article.blocks) + 1 == 40
    assert [c.text for c in table.rows[0].cells] == ["#", "English", "العربية"]
    for row, block in zip(body_rows(table), article.blocks, strict=True):
        assert row.cells[1].text == block.target
        assert row.cells[2].text == block.source


def test_header_row_repeats_and_rows_stay_whole(table):
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    for row in body_rows(table):
        assert row._tr.trPr.find(qn("w:cantSplit")) is not None
        assert row._tr.trPr.find(qn("w:tblHeader")) is None


def test_very_long_rows_may_break_across_pages():
    article = seed_article()
    article.blocks[3].target = "word " * 600
    row = Document(io.BytesIO(render_docx(article))).tables[0].rows[4]
    trpr = row._tr.trPr
    assert trpr is None or trpr.find(qn("w:cantSplit")) is None


def test_arabic_cells_are_right_to_left(table):
    for row in table.rows:
        cell = row.cells[2]
        assert cell.paragraphs
        for paragraph in cell.paragraphs:
            ppr = paragraph._p.pPr
            assert ppr is not None and ppr.find(qn("w:bidi")) is not None
            # no w:jc: Word reads jc="right" in a bidi paragraph as the *end* (left) edge
            assert ppr.find(qn("w:jc")) is None
            assert paragraph.runs
            for run in paragraph.runs:
                rpr = run._r.rPr
                assert rpr.find(qn("w:rtl")) is not None
                assert rpr.find(qn("w:rFonts")).get(qn("w:cs")) == ARABIC_FONT
                assert int(rpr.find(qn("w:szCs")).get(qn("w:val"))) >= 20
                assert rpr.find(qn("w:lang")).get(qn("w:bidi")) == "ar-SA"


def test_english_cells_stay_left_to_right(table):
    for row in table.rows:
        for cell in row.cells[:2]:
            for paragraph in cell.paragraphs:
                ppr = paragraph._p.pPr
                assert ppr is None or ppr.find(qn("w:bidi")) is None
                for run in paragraph.runs:
                    assert run._r.rPr is None or run._r.rPr.find(qn("w:rtl")) is None


def test_arabic_title_under_english_title(document, article):
    paragraphs = document.paragraphs
    assert paragraphs[0].style.name == "Title"
    assert paragraphs[0].text == article.title.target
    assert paragraphs[1].text == article.title.source
    assert paragraphs[1]._p.pPr.find(qn("w:bidi")) is not None


def test_metadata_block(document, article):
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Source file: 000_ab347057d505572f.txt" in text
    assert "Model: translate-ar_en 1.9" in text
    assert "Paragraphs: 31" in text
    assert "Generated: 2024-05-01T09:30:00Z" in text
    assert "Unreviewed machine translation" in text
    assert "Left out as web-page furniture:" in text
    for line in article.chrome:
        assert line in text


def test_no_furniture_line_without_chrome():
    article = seed_article()
    article.chrome = []
    text = "\n".join(p.text for p in Document(io.BytesIO(render_docx(article))).paragraphs)
    assert "furniture" not in text


@pytest.mark.parametrize(
    ("reviewed", "expected"),
    [(0, "Unreviewed machine translation"), (1, "1 of 39 passages reviewed"), (39, "Reviewed translation")],
)
def test_review_notice(reviewed, expected):
    article = seed_article()
    for block in article.blocks[:reviewed]:
        block.origin = Origin.REVIEWED
    document = Document(io.BytesIO(render_docx(article)))
    assert expected in "\n".join(p.text for p in document.paragraphs)
    assert expected in document.core_properties.comments


def test_headings_are_bold_and_shaded(article, table):
    heading_rows = [
        r for r, b in zip(body_rows(table), article.blocks, strict=True) if b.kind is BlockKind.HEADING
    ]
    assert len(heading_rows) == 6
    for row in heading_rows:
        for cell in row.cells:
            shd = cell._tc.tcPr.find(qn("w:shd"))
            assert shd is not None and shd.get(qn("w:fill")) not in (None, "auto", "FFFFFF")
        assert all(run.bold for run in row.cells[1].paragraphs[0].runs)
        assert all(run.bold for run in row.cells[2].paragraphs[0].runs)
    plain = [
        r for r, b in zip(body_rows(table), article.blocks, strict=True) if b.kind is BlockKind.PARAGRAPH
    ]
    for row in plain:
        assert row.cells[1]._tc.tcPr.find(qn("w:shd")) is None
        assert not any(run.bold for run in row.cells[1].paragraphs[0].runs)


def test_number_cell_has_number_bookmark_and_separate_status_mark(article, table):
    marks = {Origin.MACHINE: "MT", Origin.MEMORY: "MEM", Origin.REVIEWED: "REV"}
    for number, (row, block) in enumerate(zip(body_rows(table), article.blocks, strict=True), start=1):
        p = row.cells[0].paragraphs[0]._p
        starts = p.findall(qn("w:bookmarkStart"))
        assert [s.get(qn("w:name")) for s in starts] == [row_bookmark(block.key)] == [f"tt_{block.key}"]
        # the bookmark holds exactly the visible number; the mark is a run after it
        children = list(p)
        begin = children.index(starts[0])
        end = next(i for i, c in enumerate(children) if c.tag == qn("w:bookmarkEnd"))
        inside = "".join(t.text for c in children[begin:end] for t in c.iter(qn("w:t")))
        after = "".join(t.text for c in children[end:] for t in c.iter(qn("w:t")))
        assert inside == str(number)
        assert after == marks[block.origin]
    ids = [s.get(qn("w:id")) for s in table._tbl.iter(qn("w:bookmarkStart"))]
    assert len(ids) == len(set(ids))


def test_status_marks_follow_origin():
    article = seed_article()
    article.blocks[4].origin = Origin.REVIEWED
    article.blocks[5].origin = Origin.MEMORY
    rows = Document(io.BytesIO(render_docx(article))).tables[0].rows
    assert rows[5].cells[0].text.endswith("REV")
    assert rows[6].cells[0].text.endswith("MEM")
    assert rows[7].cells[0].text.endswith("MT")


def test_flags_are_visible_on_their_row():
    article = seed_article()
    article.blocks[3].flags = [Flag("numbers", "60 is missing from the English")]
    rows = Document(io.BytesIO(render_docx(article))).tables[0].rows
    cell = rows[4].cells[1]
    assert "⚑ 60 is missing from the English" in cell.text
    assert cell._tc.tcPr.find(qn("w:shd")) is not None
    assert "⚑" not in rows[5].cells[1].text


def test_page_is_a4_portrait_with_column_shares(document, table):
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    shares = [w / sum(grid) for w in grid]
    assert shares == pytest.approx([0.06, 0.47, 0.47], abs=0.01)


def test_properties_mark_the_file_as_ours(article):
    blob = render_docx(article)
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        custom = read_custom_properties(z.read("docProps/custom.xml"))
        assert "docProps/thumbnail.jpeg" not in z.read("_rels/.rels").decode()
    assert custom["translate-tool-format"] == FORMAT_NAME
    assert custom["translate-tool-format-version"] == "1"
    assert custom["translate-tool-rows"] == "39"
    chunks = sorted(
        (k for k in custom if k.startswith("translate-tool-keys-")), key=lambda k: int(k.rsplit("-", 1)[1])
    )
    keys = " ".join(custom[k] for k in chunks).split()
    assert keys == [b.key for b in article.blocks]
    assert all(len(custom[k]) <= 255 for k in custom)
    core = Document(io.BytesIO(blob)).core_properties
    assert core.category == FORMAT_NAME
    assert core.author == "translate-tool"
    assert core.created == datetime(2024, 5, 1, 9, 30, tzinfo=timezone.utc)


def test_output_is_deterministic(article):
    first, second = render_docx(article), render_docx(seed_article())
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert z.namelist()[0] == "[Content_Types].xml"
        assert {info.date_time for info in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_arabic_font_defaults_cover_the_whole_document(document):
    rpr = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:cs")) == ARABIC_FONT and fonts.get(qn("w:cstheme")) is None


def test_registry_and_lazy_import(article):
    render, suffix = EXPORTERS["docx"]
    assert suffix == ".docx" and render(article) == render_docx(article)
    code = "import sys, translate_tool.export; assert 'docx' not in sys.modules, 'python-docx imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=SEED.parent.parent)


def test_characters_xml_cannot_hold_do_not_break_the_export():
    article = seed_article()
    article.blocks[3].target = "bell\x07 and lone \ud800 surrogate"
    article.blocks[3].flags = [Flag("odd", "form\x0cfeed")]
    rows = Document(io.BytesIO(render_docx(article))).tables[0].rows
    assert rows[4].cells[1].paragraphs[0].text == "bell\ufffd and lone \ufffd surrogate"
    assert "⚑ form\ufffdfeed" in rows[4].cells[1].text


# --- the QA summary under the metadata ---------------------------------------------------------


def header_text(document) -> str:
    """The body paragraphs above the table, one per line."""
    return "\n".join(p.text for p in document.paragraphs)


def test_qa_summary_lists_flagged_rows_under_the_metadata():
    article = seed_article()
    article.blocks[3].flags = [Flag("numbers", "number 60 missing from the English")]
    article.blocks[11].flags = [
        Flag("numbers", "number 25 missing from the English"),
        Flag("confidence", "low model confidence"),
    ]
    document = Document(io.BytesIO(render_docx(article)))
    text = header_text(document)
    assert (
        "⚑ 2 of 39 passages need attention\n"
        "row 4: number 60 missing from the English\n"
        "row 12: number 25 missing from the English; low model confidence\n"
        "Marks in the # column:"
    ) in text
    assert text.index("Paragraphs: 31") < text.index("Unreviewed") < text.index("⚑ 2 of 39")
    headline = next(p for p in document.paragraphs if p.text.startswith("⚑"))
    assert all(run.bold for run in headline.runs)
    entry = next(p for p in document.paragraphs if p.text.startswith("row 12"))
    assert entry.runs[0].text == "row 12: " and entry.runs[0].bold


def test_qa_summary_says_when_nothing_was_flagged(document):
    text = header_text(document)
    assert "No passage was flagged by the automatic checks." in text
    assert "need attention" not in text and "row 1:" not in text


def test_qa_list_is_capped():
    article = seed_article()
    for block in article.blocks:
        block.flags = [Flag("length", "English much shorter than the Arabic (0.1x)")]
    text = header_text(Document(io.BytesIO(render_docx(article))))
    assert "⚑ 39 of 39 passages need attention" in text
    entries = [line for line in text.splitlines() if line.startswith("row ")]
    assert len(entries) == 30 and entries[-1].startswith("row 30: ")
    assert "… and 9 more flagged passages" in text


def test_flagged_cell_reads_in_greyscale_too():
    """Shading alone disappears on a greyscale printer: a thick bar and the ⚑ line remain."""
    article = seed_article()
    article.blocks[3].flags = [Flag("numbers", "number 60 missing from the English")]
    rows = Document(io.BytesIO(render_docx(article))).tables[0].rows
    tcpr = rows[4].cells[1]._tc.tcPr
    bar = tcpr.find(qn("w:tcBorders")).find(qn("w:left"))
    assert bar.get(qn("w:val")) == "single" and int(bar.get(qn("w:sz"))) >= 24
    assert bar.get(qn("w:color")) not in ("auto", "FFFFFF")
    # tcBorders comes before shd in CT_TcPr, or Word calls the file damaged
    children = [child.tag for child in tcpr]
    assert children.index(qn("w:tcBorders")) < children.index(qn("w:shd"))
    assert rows[4].cells[1].paragraphs[1].text == "⚑ number 60 missing from the English"
    assert rows[5].cells[1]._tc.tcPr.find(qn("w:tcBorders")) is None
