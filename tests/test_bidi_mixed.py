"""Arabic with embedded Latin names, URLs, digits and percent signs keeps correct bidi in DOCX."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_render import BIDI_CONTROLS, column_of, lines_on_page, pdf_text, soffice

from translate_tool.export.docx import render_docx
from translate_tool.readers.txt import parse_article

URL = "https://news.example.com/ar-xm/2023/q4"
MIXED = f"""عنوان الخبر عن Microsoft و OpenAI

قال الرئيس التنفيذي لشركة Microsoft ساتيا ناديلا إن الأرباح ارتفعت بنسبة 25% في عام 2023، وفق بيان نشر على {URL} يوم الثلاثاء.

وأضاف أن نحو ٦٠٪ من العملاء يستخدمون خدمة Azure OpenAI، مقارنة بـ 3.5 مليون مستخدم (بحسب تقرير IDC) في العام الماضي.
"""

pytestmark = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not on PATH"
)


@pytest.fixture(scope="module")
def mixed_pdf(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("mixed")
    article = parse_article(MIXED, Path("mixed.txt"))
    for i, block in enumerate(article.blocks):
        block.target = f"English passage {i}."
    docx = tmp / "mixed.docx"
    docx.write_bytes(render_docx(article))
    return soffice(tmp, "pdf", docx, tmp / "pdf")


def test_embedded_ltr_runs_survive_in_reading_order(mixed_pdf):
    text = " ".join(BIDI_CONTROLS.sub("", pdf_text(mixed_pdf)).split())
    for piece in (URL, "Azure OpenAI", "IDC", "Microsoft", "2023", "3.5", "٦٠"):
        assert piece in text, piece
    # pdftotext puts a percent sign on whichever side its bidi pass decides; it must survive
    assert "25%" in text or "%25" in text


def test_url_is_laid_out_left_to_right_inside_the_right_to_left_cell(mixed_pdf):
    arabic_column = [t for x0, _, t in lines_on_page(mixed_pdf, 1) if column_of(x0) == 2]
    at = [i for i, t in enumerate(arabic_column) if "news.example.com" in t or "moc.elpmaxe.swen" in t]
    assert at, arabic_column  # in the Arabic column
    # glyphs come out in page order: a left-to-right URL reads forwards, a mangled one backwards
    assert URL in arabic_column[at[0]].replace(" ", "")
    # and the Arabic around it ("... نشر على <URL> يوم الثلاثاء.") still reads right to left, so
    # it comes out reversed. The words next to the URL are on its line or the line before or
    # after it, wherever the fonts make the lines break.
    around = " ".join(arabic_column[max(0, at[0] - 1) : at[0] + 2]).split()
    assert "ىلع" in around and "موي" in around, around  # على and يوم, reversed
    assert "على" not in around and "يوم" not in around, around
