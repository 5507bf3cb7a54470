"""The public API: the export job a script calls, with the translator injected or the model loaded."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from helpers import FakeTranslator

from translate_tool.api import ExportOptions, TranslateOptions, export, translate


def test_export_with_an_injected_translator_writes_documents_and_reports(tmp_path, seed_path):
    fake = FakeTranslator()
    options = ExportOptions(out_dir=tmp_path / "out", use_memory=False)
    result = export([seed_path], options, translator=fake)
    stem = seed_path.stem
    assert result.documents == [tmp_path / "out" / f"{stem}.docx", tmp_path / "out" / f"{stem}.md"]
    assert all(p.is_file() for p in result.documents)
    assert len(fake.calls) == 1  # every sentence of the run in one call
    assert result.articles[0].model == fake.label
    assert all(b.target.startswith("EN(") for b in result.articles[0].blocks)
    assert result.flagged == sum(1 for b in result.articles[0].blocks if b.flags)
    assert "passage" in result.summary


def test_injected_translator_output_is_recorded_and_reused(tmp_path, seed_path):
    options = ExportOptions(out_dir=tmp_path / "out", tm_path=tmp_path / "tm.sqlite3", formats=("md",))
    first = FakeTranslator()
    export([seed_path], options, translator=first)
    again = FakeTranslator()
    elsewhere = dataclasses.replace(options, out_dir=tmp_path / "elsewhere")
    result = export([seed_path], elsewhere, translator=again)
    assert first.calls and not again.calls  # the memory served every passage under the same label
    assert "MEM" in result.documents[0].read_text(encoding="utf-8")


def test_translate_takes_bytes_and_the_real_model(synthetic_model, seed_path):
    options = TranslateOptions(model=synthetic_model, use_memory=False)
    article = translate(seed_path.read_bytes(), options)
    assert article.model.startswith("translate-ar_en")
    assert all(block.target for block in article.blocks)


# --- incremental folder runs ------------------------------------------------------------------


def _inbox(tmp_path, seed_path, names=("a", "b", "c")):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    text = seed_path.read_text(encoding="utf-8")
    for i, name in enumerate(names):
        # each article its own: a different last paragraph
        (inbox / f"{name}.txt").write_text(
            text + f"\n\nفقرة إضافية رقم {'٠١٢٣٤٥٦٧٨٩'[i]}.\n", encoding="utf-8"
        )
    return inbox


def _mtimes(folder):
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


def test_a_rerun_over_an_unchanged_folder_loads_no_model_and_rewrites_no_file(
    tmp_path, capsys, seed_path, synthetic_model
):
    from helpers import run_cli, unloadable_copy

    inbox, out = _inbox(tmp_path, seed_path), tmp_path / "out"
    code, first, err = run_cli(capsys, "export", inbox, "--model", synthetic_model, "--out-dir", out)
    assert code == 0, err
    assert len(first.split()) == 6
    before = _mtimes(out)
    # The same package metadata with a model.bin that cannot load: opening it would fail the run.
    broken = unloadable_copy(synthetic_model, tmp_path)
    code, out_text, err = run_cli(capsys, "-v", "export", inbox, "--model", broken, "--out-dir", out)
    assert code == 0, err
    assert "loading model" not in err and out_text == ""
    assert "3 up to date, 0 exported" in err
    assert _mtimes(out) == before
    # --rebuild writes every document again; the memory still serves every passage
    code, out_text, err = run_cli(capsys, "export", inbox, "--model", broken, "--out-dir", out, "--rebuild")
    assert code == 0, err
    assert len(out_text.split()) == 6
    assert all(after != before[name] for name, after in _mtimes(out).items())


def test_xliff_briefings_carry_the_stamp_so_an_unchanged_rerun_skips_them(tmp_path, seed_path):
    """Every format is stamped: an XLIFF-only rerun skips up-to-date articles too (it used to
    export everything again, because only DOCX and Markdown carried the stamp)."""
    from translate_tool import stamps

    inbox, out = _inbox(tmp_path, seed_path), tmp_path / "out"
    options = ExportOptions(out_dir=out, tm_path=tmp_path / "tm.sqlite3", formats=("xliff", "xliff-omegat"))
    first = export([inbox], options, translator=FakeTranslator())
    assert len(first.documents) == 6 and all(stamps.recorded_stamp(p) for p in first.documents)
    before = _mtimes(out)
    fake = FakeTranslator()
    again = export([inbox], options, translator=fake)
    assert sorted(p.name for p in again.up_to_date) == ["a.txt", "b.txt", "c.txt"]
    assert again.documents == [] and fake.calls == [] and _mtimes(out) == before
    # a damaged file is "not up to date", never an error
    (out / "a.xlf").write_text("<xliff><file><header><reference>", encoding="utf-8")
    assert stamps.recorded_stamp(out / "a.xlf") is None
    assert [p.name for p in export([inbox], options, translator=FakeTranslator()).documents] == [
        "a.xlf",
        "a.omegat.xlf",
    ]


def test_only_changed_articles_are_exported_again(tmp_path, seed_path):
    inbox, out = _inbox(tmp_path, seed_path), tmp_path / "out"
    options = ExportOptions(out_dir=out, tm_path=tmp_path / "tm.sqlite3")
    export([inbox], options, translator=FakeTranslator())
    before = _mtimes(out)

    (inbox / "b.txt").write_text(
        (inbox / "b.txt").read_text(encoding="utf-8") + "\nسطر جديد.\n", encoding="utf-8"
    )
    (out / "c.md").unlink()  # a missing document: its article is exported again, both formats
    fake = FakeTranslator()
    result = export([inbox], options, translator=fake)
    assert result.up_to_date == [inbox / "a.txt"]
    assert sorted(p.name for p in result.documents) == ["b.docx", "b.md", "c.docx", "c.md"]
    assert [len(call) for call in fake.calls] == [1]  # only b's new sentence needed the model
    after = _mtimes(out)
    assert after["a.docx"] == before["a.docx"] and after["a.md"] == before["a.md"]
    assert after["b.docx"] != before["b.docx"]
    assert len(result.articles) == 3 and all(a.blocks[0].target for a in result.articles)


def test_a_review_another_glossary_or_model_makes_an_article_outdated(tmp_path, seed_path):
    from translate_tool.memory import TranslationMemory
    from translate_tool.memory_history import ReviewChange, record_reviews
    from translate_tool.readers import read_article

    inbox, out = _inbox(tmp_path, seed_path, names=("a",)), tmp_path / "out"
    options = ExportOptions(out_dir=out, tm_path=tmp_path / "tm.sqlite3")
    export([inbox], options, translator=FakeTranslator())
    assert export([inbox], options, translator=FakeTranslator()).up_to_date == [inbox / "a.txt"]

    passage = read_article(inbox / "a.txt").paragraphs[1].source
    with TranslationMemory(tmp_path / "tm.sqlite3") as memory:
        record_reviews(memory, [ReviewChange(passage, "A reviewer wrote this.")], "r.docx")
    result = export([inbox], options, translator=FakeTranslator())
    assert result.up_to_date == [] and "A reviewer wrote this." in (out / "a.md").read_text(encoding="utf-8")
    assert export([inbox], options, translator=FakeTranslator()).up_to_date == [inbox / "a.txt"]

    glossary = tmp_path / "g.csv"
    glossary.write_text("باكو,Baku\n", encoding="utf-8")
    with_glossary = dataclasses.replace(options, glossary_files=[glossary])
    assert export([inbox], with_glossary, translator=FakeTranslator()).up_to_date == []

    other = FakeTranslator()
    other.label = "fake-ar_en 0.1"
    assert export([inbox], options, translator=other).up_to_date == []
    assert export([inbox], dataclasses.replace(options, rebuild=True), translator=other).up_to_date == []


def test_a_folder_export_lists_the_output_folder_once_and_still_removes_every_dead_part(
    tmp_path, seed_path, monkeypatch, caplog
):
    """The dead-part sweep runs once per run, not once per document (quadratic over a big folder)."""
    import os

    from translate_tool import files

    inbox, out = _inbox(tmp_path, seed_path), tmp_path / "out"
    out.mkdir()
    dead = [out / ".a.md.0123abcd.part", out / ".c.docx.89abcdef.part"]  # two runs killed mid-write
    for part in dead:
        part.write_bytes(b"half a briefing")
    other = out / ".notes.md.0123abcd.part"  # not a target of this run: left for its own run
    other.write_bytes(b"x")
    listed = []
    real_scandir = os.scandir

    def scandir(path="."):
        listed.append(Path(path))
        return real_scandir(path)

    monkeypatch.setattr(files.os, "scandir", scandir)
    with caplog.at_level("INFO", logger="translate_tool.files"):
        result = export([inbox], ExportOptions(out_dir=out, use_memory=False), translator=FakeTranslator())
    assert len(result.documents) == 6
    assert listed.count(out) == 1
    assert not any(p.exists() for p in dead) and other.exists()
    assert sorted(m for m in caplog.messages if m.startswith("removed")) == [
        f"removed {dead[0]}, left by a run that was killed while writing a.md",
        f"removed {dead[1]}, left by a run that was killed while writing c.docx",
    ]
