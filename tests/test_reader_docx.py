"""Word documents as input: styles give the structure, tracked changes are accepted, the zip is untrusted."""

from __future__ import annotations

import zipfile

import pytest
from documents import COMMENT, DELETED, FOOTER, HEADER, seed_docx, set_main_content_type
from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from helpers import run_cli as run
from pages import seed_article

from translate_tool.article import BlockKind
from translate_tool.errors import InputError
from translate_tool.readers import read_article

SEED_CHROME = ["دولي آخر تحديث في", "آخر تحديث في", "يقرأون الآن"]


def rows(article):
    return [(b.kind.value, b.source) for b in article.blocks]


@pytest.fixture
def seed_doc(tmp_path):
    return seed_docx(seed_article(), tmp_path / "seed.docx", SEED_CHROME)


def test_seed_docx_gives_the_seed_rows_and_header_footer_as_chrome(seed_doc):
    article = read_article(seed_doc)
    assert rows(article) == rows(seed_article())
    assert article.chrome == [HEADER, FOOTER, *SEED_CHROME]


def test_tracked_changes_accepted_and_comments_ignored(seed_doc):
    with zipfile.ZipFile(seed_doc) as z:
        document = z.read("word/document.xml").decode()
        assert "<w:ins " in document and "<w:del " in document and "word/comments.xml" in z.namelist()
    text = " ".join(b.source for b in read_article(seed_doc).blocks)
    assert DELETED not in text and COMMENT not in text


def _doc(tmp_path, build):
    doc = Document()
    build(doc)
    path = tmp_path / "built.docx"
    doc.save(str(path))
    return read_article(path)


def test_outline_levels_and_heading_1_as_title(tmp_path):
    def build(doc):
        doc.add_paragraph("أذربيجان تطلق عملية عسكرية", style="Heading 1")
        doc.add_paragraph("قال المتحدث باسم الوزارة إن العملية ستستمر حتى النهاية.")
        outlined = doc.add_paragraph("قسم بمستوى مخطط")
        outlined._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="1"/>'))
        doc.add_paragraph("وأضاف أن الوضع هادئ")  # short, no full stop: a heading in plain text

    article = _doc(tmp_path, build)
    assert [b.kind for b in article.blocks] == [
        BlockKind.TITLE,
        BlockKind.PARAGRAPH,
        BlockKind.HEADING,
        BlockKind.PARAGRAPH,  # the styles say paragraph; the text rules are not asked
    ]


def test_unstyled_document_is_read_like_text(tmp_path):
    def build(doc):
        for block in seed_article().blocks:
            doc.add_paragraph(block.source)

    assert rows(_doc(tmp_path, build)) == rows(seed_article())


def test_tables_are_read_row_by_row(tmp_path):
    def build(doc):
        doc.add_paragraph("جدول الضحايا", style="Title")
        table = doc.add_table(rows=3, cols=2)
        for r, (a, b) in enumerate([("المدينة", "العدد"), ("ستيباناكرت", "25"), ("باكو", "6")]):
            table.cell(r, 0).text, table.cell(r, 1).text = a, b
        layout = doc.add_table(rows=1, cols=2)
        layout.cell(0, 0).text = "فقرة أولى داخل جدول التخطيط."
        layout.cell(0, 0).add_paragraph("فقرة ثانية داخل جدول التخطيط.")

    assert [b.source for b in _doc(tmp_path, build).blocks] == [
        "جدول الضحايا",
        "المدينة | العدد",
        "ستيباناكرت | 25",
        "باكو | 6",
        "فقرة أولى داخل جدول التخطيط.",
        "فقرة ثانية داخل جدول التخطيط.",
    ]


def test_right_to_left_text_is_read_in_logical_order(seed_doc):
    # Word keeps the characters in reading order whatever the display direction: the first
    # character read is the first letter of the title.
    assert read_article(seed_doc).blocks[0].source.startswith("أذربيجان")


def test_macro_enabled_document_named_docx_is_refused(seed_doc, tmp_path):
    docm = set_main_content_type(
        seed_doc, tmp_path / "report.docx", "application/vnd.ms-word.document.macroEnabled.main+xml"
    )
    with pytest.raises(InputError, match=r"macro-enabled Word document \(.docm\)"):
        read_article(docm)
    vba = set_main_content_type(
        seed_doc, tmp_path / "other.docx", "application/vnd.ms-word.document.macroEnabled.main+xml"
    )
    with zipfile.ZipFile(vba, "a") as z:
        z.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError, match="macro-enabled"):
        read_article(vba)


def test_zip_bomb_is_refused_before_decompressing(seed_doc, tmp_path):
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(seed_doc) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("word/media/zeros.bin", b"\x00" * (60 * 2**20))
    with pytest.raises(InputError, match="zip bomb"):
        read_article(bomb)


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("fake.docx", b"Word\x93\xfe\xa0 saved wrongly \xb1\xe9", "not a Word document"),
        ("fake.docx", b"\x00\x01garbage" * 10, "unsupported format, a binary file"),
        ("truncated.docx", b"PK\x03\x04" + b"\x00" * 40, "damaged DOCX"),
    ],
)
def test_bad_docx_exits_2_with_one_line_and_writes_nothing(
    tmp_path, capsys, name, data, message, synthetic_model
):
    path = tmp_path / name
    path.write_bytes(data)
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "export", path, "--model", synthetic_model, "--out-dir", out)
    assert code == 2 and stdout == "" and len(err.strip().splitlines()) == 1, err
    assert message in err
    assert not out.exists()


def test_other_zips_are_named(tmp_path):
    odt = tmp_path / "a.odt"
    with zipfile.ZipFile(odt, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", "<x/>")
    with pytest.raises(InputError, match="OpenDocument"):
        read_article(odt)
    sheet = tmp_path / "s.docx"
    with zipfile.ZipFile(sheet, "w") as z:
        z.writestr("xl/workbook.xml", "<x/>")
    with pytest.raises(InputError, match="not a Word document"):
        read_article(sheet)


def test_vertically_merged_cells_are_read_once(tmp_path):
    def build(doc):
        doc.add_paragraph("جدول المواقف", style="Title")
        table = doc.add_table(rows=2, cols=2)
        merged = table.cell(0, 0).merge(table.cell(1, 0))
        merged.text = "روسيا"
        table.cell(0, 1).text, table.cell(1, 1).text = "قلقة من التصعيد", "تدعو إلى المفاوضات"

    assert [b.source for b in _doc(tmp_path, build).blocks] == [
        "جدول المواقف",
        "روسيا | قلقة من التصعيد",
        "تدعو إلى المفاوضات",
    ]
