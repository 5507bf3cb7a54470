"""Exports consult the translation memory: reviewed text wins, unchanged articles load no model."""

from __future__ import annotations

import shutil

from docx import Document
from helpers import run_cli as run
from helpers import unloadable_copy

from translate_tool.memory import TranslationMemory
from translate_tool.memory_history import ReviewChange, record_reviews
from translate_tool.readers import read_article


def _english_column(path):
    """The English of each row, without the ⚑ flag lines the checks add."""
    return [row.cells[1].paragraphs[0].text for row in Document(str(path)).tables[0].rows[1:]]


def test_second_export_is_served_from_memory_without_loading_the_model(
    tmp_path, capsys, seed_path, synthetic_model
):
    out1, out2 = tmp_path / "one", tmp_path / "two"
    assert run(capsys, "export", seed_path, "--model", synthetic_model, "--out-dir", out1)[0] == 0
    broken = unloadable_copy(synthetic_model, tmp_path)
    code, _, err = run(capsys, "export", seed_path, "--model", broken, "--out-dir", out2)
    assert code == 0, err
    name = seed_path.stem + ".docx"
    assert _english_column(out2 / name) == _english_column(out1 / name)
    assert "MEM" in (out2 / (seed_path.stem + ".md")).read_text(encoding="utf-8")
    # and the broken model really is unloadable: without the memory the same export fails
    code, _, err = run(
        capsys, "export", seed_path, "--model", broken, "--out-dir", tmp_path / "three", "--no-tm"
    )
    assert code == 1 and "cannot load" in err


def test_reviewed_text_wins_and_is_marked(tmp_path, capsys, seed_path, synthetic_model):
    assert run(capsys, "export", seed_path, "--model", synthetic_model, "--out-dir", tmp_path / "a")[0] == 0
    article = read_article(seed_path)
    edited = article.paragraphs[2]
    with TranslationMemory(tmp_path / "home" / "tm.sqlite3") as memory:
        record_reviews(memory, [ReviewChange(edited.source, "A reviewer wrote this.")], "review.docx")
    assert run(capsys, "export", seed_path, "--model", synthetic_model, "--out-dir", tmp_path / "b")[0] == 0
    english = _english_column(tmp_path / "b" / (seed_path.stem + ".docx"))
    assert english.count("A reviewer wrote this.") == 1
    md = (tmp_path / "b" / (seed_path.stem + ".md")).read_text(encoding="utf-8")
    row = next(line for line in md.splitlines() if "A reviewer wrote this." in line)
    assert "REV" in row


def test_model_change_retranslates(tmp_path, capsys, seed_path, synthetic_model):
    assert run(capsys, "export", seed_path, "--model", synthetic_model, "--out-dir", tmp_path / "a")[0] == 0
    other = unloadable_copy(synthetic_model, tmp_path)
    meta = other / "metadata.json"
    meta.write_text(meta.read_text().replace('"1.9"', '"2.0"'))
    code, _, err = run(capsys, "export", seed_path, "--model", other, "--out-dir", tmp_path / "b")
    assert code == 1 and "cannot load" in err  # a different model version is not served from memory


def test_no_model_at_all_but_everything_reviewed(tmp_path, capsys, seed_path):
    article = read_article(seed_path)
    with TranslationMemory(tmp_path / "home" / "tm.sqlite3") as memory:
        record_reviews(
            memory, [ReviewChange(b.source, f"Reviewed {i}.") for i, b in enumerate(article.blocks)], "r.docx"
        )
    code, _, err = run(capsys, "export", seed_path, "--out-dir", tmp_path / "out")
    assert code == 0, err
    assert _english_column(tmp_path / "out" / (seed_path.stem + ".docx"))[0] == "Reviewed 0."


def test_tm_stats_and_tmx(tmp_path, capsys, seed_path, synthetic_model):
    assert run(capsys, "export", seed_path, "--model", synthetic_model, "--out-dir", tmp_path / "a")[0] == 0
    code, out, _ = run(capsys, "tm", "stats")
    assert code == 0 and "entries: 39" in out
    code, out, _ = run(capsys, "tm", "export", tmp_path / "tm.tmx")
    assert code == 0
    tmx = (tmp_path / "tm.tmx").read_text(encoding="utf-8")
    assert '<tmx version="1.4"' in tmx and tmx.count("<tu ") == 39
    shutil.rmtree(tmp_path / "a")


def test_read_only_commands_do_not_create_a_memory(tmp_path, capsys):
    tm = tmp_path / "nowhere" / "tm.sqlite3"
    for args in (["tm", "stats", "--tm", tm], ["tm", "export", tmp_path / "x.tmx", "--tm", tm]):
        code, out, err = run(capsys, *args)
        assert code == 1 and "no translation memory yet" in err and out == ""
    assert not (tmp_path / "nowhere").exists() and not (tmp_path / "x.tmx").exists()
