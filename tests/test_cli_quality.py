"""The issue-4 acceptance: glossary terms in the English, flags visible, header summary, --strict."""

from __future__ import annotations

import re

from docx import Document
from helpers import run_cli as run

ROOT_GLOSSARY = "seeds/glossary.csv"


def test_seed_with_starter_glossary(tmp_path, capsys, seed_path, synthetic_model):
    glossary = seed_path.parent / "glossary.csv"
    code, _, err = run(
        capsys, "export", seed_path, "--model", synthetic_model, "--out-dir", tmp_path, "--glossary", glossary
    )
    assert code == 0, err
    table = Document(str(tmp_path / (seed_path.stem + ".docx"))).tables[0]
    rows = [(row.cells[1].paragraphs[0].text, row.cells[2].text) for row in table.rows[1:]]
    with_term = [english for english, arabic in rows if "ناغورني كاراباخ" in arabic]
    assert len(with_term) >= 10
    assert all("Nagorno-Karabakh" in english for english in with_term)
    # flags are visible on rows, and summarised in the header
    body = "\n".join(p.text for p in Document(str(tmp_path / (seed_path.stem + ".docx"))).paragraphs)
    match = re.search(r"(\d+) of 39 passages need attention", body)
    assert match and int(match.group(1)) > 0
    flagged_cells = [row.cells[1].text for row in table.rows[1:] if "⚑" in row.cells[1].text]
    assert len(flagged_cells) == int(match.group(1))
    md = (tmp_path / (seed_path.stem + ".md")).read_text(encoding="utf-8")
    assert f"{match.group(1)} of 39 passages need attention" in md
    assert "QA:" in err and "need attention" in err


def test_strict_exits_3_but_writes_the_documents(tmp_path, capsys, seed_path, synthetic_model):
    code, out, err = run(
        capsys, "export", seed_path, "--model", synthetic_model, "--out-dir", tmp_path, "--strict"
    )
    assert code == 3  # the gibberish model's output is always flagged somewhere
    assert "--strict" in err
    assert sorted(p.suffix for p in tmp_path.glob(seed_path.stem + ".*")) == [".docx", ".md"]


def test_strict_passes_when_nothing_is_flagged(tmp_path, capsys):
    from translate_tool.memory import TranslationMemory
    from translate_tool.memory_history import ReviewChange, record_reviews
    from translate_tool.readers import read_article

    article = tmp_path / "clean.txt"
    article.write_text("خبر قصير\n\nقال المتحدث إن الاجتماع انتهى بسلام.\n", encoding="utf-8")
    blocks = read_article(article).blocks
    english = ["Short news", "The spokesman said the meeting ended peacefully."]
    with TranslationMemory(tmp_path / "home" / "tm.sqlite3") as memory:
        record_reviews(
            memory, [ReviewChange(b.source, e) for b, e in zip(blocks, english, strict=True)], "r.docx"
        )
    code, _, err = run(capsys, "export", article, "--out-dir", tmp_path / "out", "--strict")
    assert code == 0, err


def test_bad_glossary_exits_2_and_writes_nothing(tmp_path, capsys, seed_path, synthetic_model):
    bad = tmp_path / "g.csv"
    bad.write_text("ناغورني كاراباخ\n", encoding="utf-8")
    code, _, err = run(
        capsys,
        "export",
        seed_path,
        "--model",
        synthetic_model,
        "--out-dir",
        tmp_path / "out",
        "--glossary",
        bad,
    )
    assert code == 2 and "g.csv" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_machine_text_from_memory_is_not_reused_under_a_new_glossary(
    tmp_path, capsys, seed_path, synthetic_model
):
    assert (
        run(capsys, "export", seed_path, "--model", synthetic_model, "--out-dir", tmp_path / "plain")[0] == 0
    )
    glossary = seed_path.parent / "glossary.csv"
    code, _, err = run(
        capsys,
        "export",
        seed_path,
        "--model",
        synthetic_model,
        "--out-dir",
        tmp_path / "g",
        "--glossary",
        glossary,
    )
    assert code == 0, err
    table = Document(str(tmp_path / "g" / (seed_path.stem + ".docx"))).tables[0]
    rows = [(row.cells[1].paragraphs[0].text, row.cells[2].text) for row in table.rows[1:]]
    assert all("Nagorno-Karabakh" in english for english, arabic in rows if "ناغورني كاراباخ" in arabic)
    md = (tmp_path / "g" / (seed_path.stem + ".md")).read_text(encoding="utf-8")
    assert "+ glossary" in md  # the briefing names what made its English


def test_translate_takes_a_glossary(capsys, seed_path, synthetic_model):
    glossary = seed_path.parent / "glossary.csv"
    code, out, _ = run(
        capsys, "translate", seed_path, "--model", synthetic_model, "--glossary", glossary, "--no-tm"
    )
    assert code == 0 and "Nagorno-Karabakh" in out
