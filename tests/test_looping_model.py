"""The main CLI flows with a model that loops, the commonest way a real NMT model fails.

Every sentence of the looping synthetic model decodes to `max_decoding_length` tokens of
repeated gibberish, so the English title alone is far over Word's 255-character property limit.
The export must still write both documents, flag the passages, and re-import cleanly.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docx import Document
from helpers import run_cli as run
from lxml import etree
from markdown_it import MarkdownIt

from translate_tool.briefing import PROPERTY_MAX

SEED = next((Path(__file__).resolve().parent.parent / "seeds").glob("[0-9]*.txt"))
ARTICLE = (
    "أذربيجان تطلق عملية عسكرية في إقليم ناغورني كاراباخ\n"
    "أعلنت أذربيجان، اليوم الثلاثاء، عن إطلاق عمليات تستهدف القوات الأرمينية في الإقليم.\n"
)


@pytest.fixture(scope="module")
def looping_model(tmp_path_factory) -> Path:
    from translate_tool.testing.synthetic import build_package

    out = tmp_path_factory.mktemp("looping") / "translate-ar_en-1_9.argosmodel"
    return build_package(out, SEED.read_text(encoding="utf-8"), looping=True)


@pytest.fixture
def article(tmp_path) -> Path:
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def strict_docx(path: Path) -> Document:
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(archive.read(name), etree.XMLParser(recover=False))
    return Document(io.BytesIO(path.read_bytes()))


def test_looping_model_export_review_and_reexport(tmp_path, capsys, looping_model, article):
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "export", article, "--model", looping_model, "--out-dir", out)
    assert code == 0, err
    assert stdout.splitlines() == [str(out / "article.docx"), str(out / "article.md")]
    assert "passages need attention" in err  # the loops are flagged

    document = strict_docx(out / "article.docx")
    english = [row.cells[1].text for row in document.tables[0].rows[1:]]
    # It really loops (the engine bounds decoding by the source length, so loops end there).
    assert len(english) == 2 and all("⚑ repeats" in text for text in english)
    assert len(document.core_properties.title) <= PROPERTY_MAX

    markdown = (out / "article.md").read_text(encoding="utf-8")
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown[markdown.index("\n---\n", 4) + 5 :])
    assert sum(1 for t in tokens if t.type == "tr_open") == 3

    code, stdout, _ = run(capsys, "review", "import", out / "article.docx")
    assert (code, stdout) == (
        0,
        "0 changed (0 new to the memory, 0 updated, 0 already recorded), 2 unchanged, 0 unmatched\n",
    )

    document = Document(str(out / "article.docx"))
    paragraph = document.tables[0].rows[1].cells[1].paragraphs[0]
    for extra in paragraph.runs[1:]:
        extra._r.getparent().remove(extra._r)
    paragraph.runs[0].text = "Azerbaijan launches a military operation in Nagorno-Karabakh"
    document.save(str(out / "article.docx"))
    code, stdout, _ = run(capsys, "review", "import", out / "article.docx")
    assert code == 0 and stdout.startswith("1 changed") and stdout.endswith("1 unchanged, 0 unmatched\n")

    code, _, err = run(capsys, "export", article, "--model", looping_model, "--out-dir", out)
    assert code == 0, err
    document = strict_docx(out / "article.docx")
    assert document.core_properties.title == "Azerbaijan launches a military operation in Nagorno-Karabakh"
    assert "REV" in document.tables[0].rows[1].cells[0].text


def test_looping_model_translate_strict_and_combine(tmp_path, capsys, looping_model, article):
    code, stdout, err = run(capsys, "translate", article, "--model", looping_model)
    assert code == 0, err
    assert len(stdout.split("\n\n")) == 2

    out = tmp_path / "out"
    code, stdout, err = run(capsys, "export", article, "--model", looping_model, "--out-dir", out, "--strict")
    assert code == 3 and err.splitlines()[-1].startswith("error: --strict:")
    assert sorted(p.name for p in out.iterdir()) == ["article.docx", "article.md"]

    second = tmp_path / "second.txt"
    second.write_text(ARTICLE.replace("الثلاثاء", "الأربعاء"), encoding="utf-8")
    code, stdout, err = run(
        capsys, "export", article, second, "--model", looping_model, "--out-dir", out, "--combine", "both"
    )
    assert code == 0, err
    strict_docx(out / "both.docx")
    code, stdout, _ = run(capsys, "review", "import", out / "both.docx")
    assert code == 0 and stdout.startswith("0 changed") and stdout.endswith(", 0 unmatched\n")
