"""Measure the candidate extractors the readers were chosen from; prints the tables of docs/READERS.md.

HTML: trafilatura vs readability-lxml on the seed built into the three page templates of
tests/pages.py. PDF: pypdf, pdfminer.six and poppler's pdftotext, as they come, on the PDFs
LibreOffice prints from the seed (one and two columns), against translate-tool's own PDF
reader (pdfminer's glyphs, reordered). Needs `pip install -e '.[measure]'` and LibreOffice.

    python benchmarks/readers.py
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from documents import seed_docx, to_pdf, two_columns  # noqa: E402
from pages import FURNITURE, TEMPLATES, page_bytes, seed_article  # noqa: E402

from translate_tool.article import BlockKind  # noqa: E402
from translate_tool.readers import read_article  # noqa: E402

BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def norm(text: str) -> str:
    return " ".join(BIDI.sub("", unicodedata.normalize("NFKC", text)).split())


SEED = seed_article()
PARAGRAPHS = [norm(b.source) for b in SEED.blocks if b.kind is BlockKind.PARAGRAPH]
HEADINGS = [norm(b.source) for b in SEED.blocks if b.kind is BlockKind.HEADING]
KNOWN = {norm(b.source) for b in SEED.blocks} | {norm(c) for c in SEED.chrome}


def in_order(text: str) -> int:
    """Seed paragraphs found whole, each after the one before."""
    text, pos, found = norm(text), 0, 0
    for paragraph in PARAGRAPHS:
        at = text.find(paragraph, pos)
        if at >= 0:
            found, pos = found + 1, at + len(paragraph)
    return found


def html_row(name: str, lines: list[str]) -> str:
    paragraphs = sum(p in lines for p in PARAGRAPHS)
    headings = sum(h in lines for h in HEADINGS)
    leaked = sum(any(norm(f) in line for line in lines) for f in FURNITURE)
    extra = [line for line in lines if line and line not in KNOWN]
    return f"| {name} | {paragraphs}/31 | {headings}/6 | {leaked}/{len(FURNITURE)} | {len(extra)} |"


def measure_html() -> None:
    import lxml.html
    import trafilatura
    from lxml import etree
    from readability import Document

    print("| page, extractor | paragraphs kept | headings kept | furniture leaked | other extra lines |")
    print("| --- | --- | --- | --- | --- |")
    for template in TEMPLATES:
        data = page_bytes(template)
        xml = trafilatura.extract(data, output_format="xml", include_comments=False, include_tables=True)
        main = etree.fromstring(xml.encode()).find("main")
        lines = [norm("".join(e.itertext())) for e in main.iter("p", "head", "item", "cell")]
        print(html_row(f"{template}, trafilatura", lines))
        summary = lxml.html.fromstring(Document(data).summary(html_partial=True))
        tags = ("p", "h1", "h2", "h3", "h4", "li", "td")
        print(
            html_row(f"{template}, readability-lxml", [norm(e.text_content()) for e in summary.iter(*tags)])
        )


def measure_pdf() -> None:
    import pypdf
    from pdfminer.high_level import extract_text

    print("| PDF | pypdf | pdfminer.six | pdftotext | translate-tool (pdfminer glyphs, reordered) |")
    print("| --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        chrome = ["دولي آخر تحديث في", "آخر تحديث في", "يقرأون الآن"]
        docx = seed_docx(SEED, folder / "seed.docx", chrome, tracked=False, title_style="Heading 1")
        pdfs = {"one column": to_pdf(docx, folder, folder / "profile")}
        pdfs["two columns"] = to_pdf(two_columns(docx, folder / "two.docx"), folder, folder / "profile")
        for name, pdf in pdfs.items():
            texts = [
                "\n".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages),
                extract_text(str(pdf)),
                subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout,
            ]
            ours = [norm(b.source) for b in read_article(pdf).paragraphs]
            cells = [f"{in_order(t)}/31" for t in texts]
            print(
                f"| {name} | {' | '.join(cells)} | {sum(a == b for a, b in zip(ours, PARAGRAPHS, strict=False))}/31 |"
            )


if __name__ == "__main__":
    measure_html()
    print()
    measure_pdf()
