"""The public API: the export job a script calls, with the translator injected or the model loaded."""

from __future__ import annotations

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
    result = export([seed_path], options, translator=again)
    assert first.calls and not again.calls  # the memory served every passage under the same label
    assert "MEM" in result.documents[0].read_text(encoding="utf-8")


def test_translate_takes_bytes_and_the_real_model(synthetic_model, seed_path):
    options = TranslateOptions(model=synthetic_model, use_memory=False)
    article = translate(seed_path.read_bytes(), options)
    assert article.model.startswith("translate-ar_en")
    assert all(block.target for block in article.blocks)
