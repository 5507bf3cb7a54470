"""Render the Word briefing with LibreOffice: it must lay out, read right to left, and keep row keys.

These tests need `soffice` (LibreOffice) and poppler's `pdftoppm`/`pdftotext`; CI installs them.
"""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from xml.etree import ElementTree

import pytest
from docx import Document
from docx.oxml.ns import qn
from helpers import translated_seed

from translate_tool.article import Article, Flag, Origin
from translate_tool.briefing import FORMAT_NAME
from translate_tool.export import english_title
from translate_tool.export.docx import (
    COLUMN_SHARES,
    MARGIN_MM,
    PAGE_WIDTH_MM,
    render_docx,
    render_docx_combined,
)
from translate_tool.readers.txt import parse_article
from translate_tool.review.ooxml import custom_properties as read_custom_properties

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_ab347057d505572f.txt"
TIMEOUT = 180
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
ARABIC = re.compile("[\u0600-\u06ff]")

pytestmark = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not on PATH"
)


def seed_article() -> Article:
    article = translated_seed(
        lambda i: f"English for passage {i}. " + "The ministry said the operation continues. " * (i % 4)
    )
    article.blocks[0].target = "Azerbaijan launches military operation in Nagorno-Karabakh"
    article.blocks[3].flags = [Flag("numbers", "60 is missing from the English")]
    article.blocks[4].origin = Origin.REVIEWED
    return article


# The fonts the rendering tests are checked with (.ci/run and the README install them). Line and page
# breaks depend on the fonts: with only DejaVu, for one, the URL of test_bidi_mixed wraps in two.
# (The passage layout test itself does not depend on them; it passes with DejaVu alone too.)
PINNED_FONTS = {"Noto Sans Arabic": "fonts-noto-core", "Noto Serif": "fonts-noto-core"}


def need_fonts() -> None:
    if shutil.which("fc-list") is None:
        return  # no fontconfig: LibreOffice brings its own lookup, nothing to compare with
    installed = subprocess.run(
        ["fc-list", ":", "family"], capture_output=True, text=True, timeout=TIMEOUT
    ).stdout
    families = {name.strip() for line in installed.splitlines() for name in line.split(",")}
    missing = sorted({package for family, package in PINNED_FONTS.items() if family not in families})
    if missing:
        pytest.fail(f"fonts missing for the rendering tests: apt-get install {' '.join(missing)}")


def soffice(tmp_path: Path, target: str, source: Path, outdir: Path) -> Path:
    """Convert with a private LibreOffice profile, so parallel runs do not share one."""
    need_fonts()
    profile = (tmp_path / "lo-profile").as_uri()
    command = [
        "soffice",
        f"-env:UserInstallation={profile}",
        "--headless",
        "--norestore",
        "--convert-to",
        target,
        "--outdir",
        str(outdir),
        str(source),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    suffix = target.split(":", 1)[0]
    out = outdir / f"{source.stem}.{suffix}"
    assert out.exists(), f"soffice made no {suffix}: {result.stdout}\n{result.stderr}"
    return out


def need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} (poppler-utils) is missing; CI installs it alongside LibreOffice")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("render")
    article = seed_article()
    docx_path = tmp / "briefing.docx"
    docx_path.write_bytes(render_docx(article))
    pdf = soffice(tmp, "pdf", docx_path, tmp / "pdf")
    return article, docx_path, pdf, tmp


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_first_page_renders(rendered):
    need("pdftoppm")
    _, _, pdf, tmp = rendered
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp / "page")],
        check=True,
        timeout=TIMEOUT,
    )
    pages = sorted(tmp.glob("page*.png"))
    assert pages, "pdftoppm wrote no image"
    width, height = png_size(pages[0])
    assert (width, height) == pytest.approx((496, 702), abs=3)  # A4 at 60 dpi
    assert pages[0].stat().st_size > 20_000  # a blank page is a few kB


def pdf_text(pdf: Path, *args: str) -> str:
    need("pdftotext")
    result = subprocess.run(
        ["pdftotext", *args, str(pdf), "-"], check=True, capture_output=True, text=True, timeout=TIMEOUT
    )
    return result.stdout


def test_pdf_text_has_arabic_in_logical_order(rendered):
    article, _, pdf, _ = rendered
    text = BIDI_CONTROLS.sub("", pdf_text(pdf, "-f", "1", "-l", "1"))
    # pdftotext gives the Arabic back in reading order: the title's words in sequence
    assert "أذربيجان تطلق عملية عسكرية" in text
    assert "Azerbaijan launches military operation" in text
    assert "translate-ar_en 1.9" in text and "Paragraphs: 31" in text
    assert "⚑ 60 is missing from the English" in " ".join(text.split())
    # the QA summary under the metadata, on page 1
    assert "⚑ 1 of 39 passages needs attention" in text
    assert "row 4: 60 is missing from the English" in text
    assert pdf_text(pdf).count("\f") >= 2, "the seed should run onto a second page"


def column_of(x0: float) -> int:
    """Which column of the passage table (0 = #, 1 = English, 2 = Arabic) text starting at x0 is in.

    From the exporter's own page geometry, not from the fonts: LibreOffice puts the first column's
    text at the page margin, so each column's text starts at its left edge and the text of the
    column before ends at least two cell margins (2 x 4.5 pt) earlier. The cut is halfway.
    """
    point = 72 / 25.4
    text_width = (PAGE_WIDTH_MM - 2 * MARGIN_MM) * point
    edge = MARGIN_MM * point
    column = 0
    for share in COLUMN_SHARES[:-1]:
        edge += share * text_width
        if x0 < edge - 4.5:
            break
        column += 1
    return column


def lines_on_page(pdf: Path, page: int) -> list[tuple[float, float, str]]:
    """(xMin, xMax, text) of every text line pdftotext finds on `page`, in page order.

    pdftotext sometimes cuts one printed line in two (at a shadda, for one); pieces that start at
    the same height in the same table column are joined back into one line. Pieces in different
    columns never are: a row's number and its English start at the same height, and whether
    pdftotext gives them the same top depends on the fonts installed.
    """
    html = pdf_text(pdf, "-f", str(page), "-l", str(page), "-bbox-layout")
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    pieces: dict[tuple[int, int], list[tuple[float, float, str]]] = {}
    for line in ElementTree.fromstring(html).iterfind(".//x:line", ns):
        words = BIDI_CONTROLS.sub("", " ".join(w.text or "" for w in line.iterfind("x:word", ns)))
        x0, x1 = float(line.get("xMin")), float(line.get("xMax"))
        key = (round(float(line.get("yMin"))), column_of(x0))
        pieces.setdefault(key, []).append((x0, x1, words))
    out = []
    for _, group in sorted(pieces.items()):
        group.sort()
        out.append((group[0][0], max(x1 for _, x1, _ in group), " ".join(t for _, _, t in group)))
    return out


def test_arabic_column_is_right_aligned_and_header_repeats(rendered):
    _, _, pdf, _ = rendered
    for page in (1, 2):
        lines = lines_on_page(pdf, page)
        arabic = [(x0, x1) for x0, x1, text in lines if column_of(x0) == 2 and ARABIC.search(text)]
        english = [
            (x0, x1)
            for x0, x1, text in lines
            if column_of(x0) == 1 and text.startswith("English for passage")
        ]
        assert len(arabic) > 10 and english
        # right to left: every Arabic line ends flush at the column's right edge...
        right_edges = sorted(x1 for _, x1 in arabic)
        assert right_edges[-1] - right_edges[len(right_edges) // 10] < 6, right_edges
        # ...and starts wherever its text runs out, unlike the flush-left English column
        assert max(x0 for x0, _ in arabic) - min(x0 for x0, _ in arabic) > 50
        assert max(x0 for x0, _ in english) - min(x0 for x0, _ in english) < 2
        # the header row is at the top of the table on every page (bbox text is in visual order)
        headers = [
            text for x0, _, text in lines if column_of(x0) == 2 and text in ("العربية", "العربية"[::-1])
        ]
        assert headers, f"no header on page {page}"


def test_arabic_glyphs_run_right_to_left(rendered):
    article, _, pdf, _ = rendered
    # -bbox-layout lists glyphs in page order, left to right; for right-to-left text that is the
    # logical text reversed, word order included. A left-to-right layout would list it unreversed.
    title = article.title.source
    texts = [text for _, _, text in lines_on_page(pdf, 1)]
    assert title[::-1] in texts
    assert title not in texts


def test_row_keys_survive_a_libreoffice_resave(rendered):
    article, docx_path, _, tmp = rendered
    resaved = soffice(tmp, "docx:MS Word 2007 XML", docx_path, tmp / "resaved")
    data = resaved.read_bytes()
    assert data != docx_path.read_bytes()  # really rewritten by LibreOffice
    table = Document(io.BytesIO(data)).tables[0]
    assert len(table.rows) == len(article.blocks) + 1
    for number, (row, block) in enumerate(zip(table.rows[1:], article.blocks, strict=True), start=1):
        names = [b.get(qn("w:name")) for b in row.cells[0]._tc.iter(qn("w:bookmarkStart"))]
        assert names == [f"tt_{block.key}"], f"row {number}"
        assert row.cells[0].text.split()[0] == str(number)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        custom = read_custom_properties(z.read("docProps/custom.xml"))
    assert custom["translate-tool-format"] == FORMAT_NAME
    assert float(custom["translate-tool-format-version"]) == 1  # LibreOffice rewrites i4 as r8
    keys = " ".join(v for k, v in sorted(custom.items()) if k.startswith("translate-tool-keys-")).split()
    assert keys == [b.key for b in article.blocks]


# --- a combined briefing ---------------------------------------------------------------------------

CAIRO = """بيان وزارة الخارجية المصرية
(القاهرة)
قالت الوزارة إن الاجتماع سيعقد يوم ٢٥ مايو بمشاركة ١٢ دولة.
ردود الفعل
وأضاف المتحدث أن المحادثات ستستمر حتى نهاية الأسبوع.
قالت الوزارة إن الاجتماع سيعقد يوم ٢٥ مايو بمشاركة ١٢ دولة.
"""
CAIRO_EN = [
    "Egyptian Foreign Ministry statement",
    "(Cairo)",
    "The ministry said the meeting will be held on 25 May with 12 countries taking part.",
    "Reactions",
    "The spokesman added that the talks will continue until the end of the week.",
    "The ministry said the meeting will be held on May 25 with twelve countries.",
]


def combined_articles() -> list[Article]:
    cairo = parse_article(CAIRO, Path("cairo.txt"))
    for block, english in zip(cairo.blocks, CAIRO_EN, strict=True):
        block.target = english
    cairo.blocks[5].flags = [Flag("numbers", "number 12 missing from the English")]
    cairo.model, cairo.generated_at = "translate-ar_en 1.9", datetime(2024, 5, 1, 9, 30, tzinfo=timezone.utc)
    return [seed_article(), cairo]


@pytest.fixture(scope="module")
def rendered_combined(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("render-combined")
    articles = combined_articles()
    docx_path = tmp / "monday-briefing.docx"
    docx_path.write_bytes(render_docx_combined(articles, "monday-briefing"))
    pdf = soffice(tmp, "pdf", docx_path, tmp / "pdf")
    return articles, docx_path, pdf, tmp


def test_combined_briefing_cover_then_each_article_on_its_own_pages(rendered_combined):
    articles, _, pdf, tmp = rendered_combined
    pages = [BIDI_CONTROLS.sub("", page) for page in pdf_text(pdf).split("\f")[:-1]]
    cover = " ".join(pages[0].split())
    assert cover.startswith("Monday briefing")
    assert "⚑ 2 of 45 passages need attention" in cover and "Contents" in cover
    assert not ARABIC.search(pages[0])  # no table (nor anything Arabic) on the cover
    for number, article in enumerate(articles, start=1):
        assert f"{number}. {english_title(article)}" in cover
    # every article's heading is the first line of a page, in order, after the cover
    firsts = [page.strip().splitlines()[0] if page.strip() else "" for page in pages]
    starts = [firsts.index(f"{n}. {english_title(a)}") for n, a in enumerate(articles, start=1)]
    assert starts[0] == 1 and starts[0] < starts[1] < len(pages)
    second = " ".join(pages[starts[1]].split())
    assert "Source file: cairo.txt" in second and "Rows: 40–45" in second
    assert "row 45: number 12 missing from the English" in second
    assert "⚑ number 12 missing from the English" in second

    need("pdftoppm")
    for page in (1, starts[1] + 1):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                str(page),
                "-l",
                str(page),
                str(pdf),
                str(tmp / f"p{page}"),
            ],
            check=True,
            timeout=TIMEOUT,
        )
        (image,) = tmp.glob(f"p{page}-*.png")
        assert png_size(image) == pytest.approx((496, 702), abs=3)
        assert image.stat().st_size > 10_000


def test_combined_briefing_keeps_row_keys_through_a_libreoffice_resave(rendered_combined):
    from translate_tool.review import read_review

    articles, docx_path, _, tmp = rendered_combined
    resaved = soffice(tmp, "docx:MS Word 2007 XML", docx_path, tmp / "resaved")
    document = Document(io.BytesIO(resaved.read_bytes()))
    names = [b.get(qn("w:name")) for b in document.element.body.iter(qn("w:bookmarkStart"))]
    repeated = articles[1].blocks[2].key
    assert f"tt_{repeated}" in names and f"tt_{repeated}_2" in names
    assert len([n for n in names if n.startswith("tt_")]) == 45
    result = read_review(resaved)
    assert (result.changes, result.unchanged, result.unmatched) == ([], 45, [])
