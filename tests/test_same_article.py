"""One article, every format: the seed as text, as each saved web page, as Word and as PDF.

Every reader must give the same 39 rows (title, dateline, 6 headings, 31 paragraphs), and
the same chrome wherever the format carries the seed's furniture.
"""

from __future__ import annotations

import shutil

import pytest
from documents import FOOTER, HEADER, seed_docx, to_pdf, two_columns
from docx import Document
from helpers import run_cli as run
from pages import FURNITURE, TEMPLATES, page_bytes, seed_article

from translate_tool.article import BlockKind
from translate_tool.readers import read_article

SEED_CHROME = ["دولي آخر تحديث في", "آخر تحديث في", "يقرأون الآن"]
HAS_SOFFICE = bool(shutil.which("soffice"))


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("same")
    seed = seed_article()
    out = {"txt": (seed.source_path, SEED_CHROME)}
    for name in TEMPLATES:
        path = folder / f"{name}.html"
        path.write_bytes(page_bytes(name))
        out[f"html-{name}"] = (path, None)  # a page's chrome depends on its template
    out["docx"] = (seed_docx(seed, folder / "seed.docx", SEED_CHROME), [HEADER, FOOTER, *SEED_CHROME])
    if HAS_SOFFICE:
        plain = seed_docx(seed, folder / "plain.docx", SEED_CHROME, tracked=False, title_style="Heading 1")
        profile = folder / "profile"
        out["pdf"] = (to_pdf(plain, folder, profile), [HEADER, FOOTER, *SEED_CHROME])
        out["pdf-two-columns"] = (
            to_pdf(two_columns(plain, folder / "columns.docx"), folder, profile),
            [HEADER, FOOTER, *SEED_CHROME],
        )
    return out


FORMATS = ["txt", *(f"html-{n}" for n in TEMPLATES), "docx", "pdf", "pdf-two-columns"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_39_rows_and_same_chrome(inputs, fmt):
    if fmt not in inputs:
        pytest.skip("needs LibreOffice to print the PDF")
    path, chrome = inputs[fmt]
    article = read_article(path)
    seed = seed_article()
    assert [(b.kind, b.source) for b in article.blocks] == [(b.kind, b.source) for b in seed.blocks]
    kinds = [b.kind for b in article.blocks]
    assert (kinds.count(BlockKind.TITLE), kinds.count(BlockKind.DATELINE)) == (1, 1)
    assert (kinds.count(BlockKind.HEADING), kinds.count(BlockKind.PARAGRAPH)) == (6, 31)
    if chrome is not None:
        assert article.chrome == chrome


def test_exported_web_page_has_no_furniture_rows(tmp_path, capsys, synthetic_model):
    page = tmp_path / "portal.html"
    page.write_bytes(page_bytes("portal"))
    code, out, err = run(
        capsys, "export", page, "--model", synthetic_model, "--out-dir", tmp_path / "out", "--no-tm"
    )
    assert code == 0, err
    table = Document(str(tmp_path / "out" / "portal.docx")).tables[0]
    arabic = [row.cells[2].text for row in table.rows[1:]]
    assert len(arabic) == 39
    assert not [f for f in FURNITURE if any(f in cell for cell in arabic)]
    md = (tmp_path / "out" / "portal.md").read_text(encoding="utf-8")
    assert not [f for f in FURNITURE if f in md]


def test_a_folder_of_mixed_formats_exports_each(inputs, tmp_path, capsys, synthetic_model):
    folder = tmp_path / "inbox"
    folder.mkdir()
    for fmt in ("txt", "html-newspaper", "docx"):
        source = inputs[fmt][0]
        shutil.copy(source, folder / f"{fmt}{source.suffix}")
    (folder / "notes.odt").write_bytes(b"ignored: not a format we read")
    code, out, err = run(
        capsys,
        "export",
        folder,
        "--model",
        synthetic_model,
        "--out-dir",
        tmp_path / "out",
        "--format",
        "md",
        "--no-tm",
    )
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["docx.md", "html-newspaper.md", "txt.md"]
