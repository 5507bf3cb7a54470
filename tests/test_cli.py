"""The command line end to end, in-process through `main`, with the synthetic model."""

from __future__ import annotations

import pytest
from docx import Document
from helpers import run_cli as run

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

BAD_INPUTS = {
    "empty.txt": b"",
    "blank.txt": b"  \n \r\n\t\n",
    "binary.txt": b"\x7fELF\x02\x01\x01\x00\x00\x00\x00",
    "english.txt": b"This is an English article.\n\nIt has no Arabic at all.",
}


def test_export_seed(tmp_path, capsys, seed_path, synthetic_model):
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "export", seed_path, "--model", synthetic_model, "--out-dir", out_dir)
    assert code == 0, err
    docx_path, md_path = out_dir / f"{seed_path.stem}.docx", out_dir / f"{seed_path.stem}.md"
    assert out.split() == [str(docx_path), str(md_path)]
    table = Document(str(docx_path)).tables[0]
    assert len(table.rows) == 1 + 39  # header + title, dateline, 6 headings, 31 paragraphs
    arabic_cells = [row.cells[2] for row in table.rows[1:]]
    for cell in arabic_cells:
        for p in cell.paragraphs:
            if p.text.strip():
                assert p._p.pPr.find(W + "bidi") is not None
                assert all(r._r.rPr.find(W + "rtl") is not None for r in p.runs)
    english = [row.cells[1].text for row in table.rows[1:]]
    assert all(text.strip() for text in english)
    md = md_path.read_text(encoding="utf-8")
    assert md.count('dir="rtl"') >= 39
    assert not list(out_dir.glob(".*.part"))


def test_export_with_installed_model_and_format(tmp_path, capsys, seed_path, synthetic_model):
    assert run(capsys, "models", "install", synthetic_model)[0] == 0
    code, out, _ = run(capsys, "models", "list")
    assert code == 0 and "ar->en" in out and "translate-ar_en" in out
    code, out, err = run(capsys, "export", seed_path, "--out-dir", tmp_path, "--format", "md")
    assert code == 0, err
    assert [p.suffix for p in tmp_path.glob(seed_path.stem + ".*")] == [".md"]


def test_translate_prints_one_passage_per_block(capsys, seed_path, synthetic_model):
    code, out, err = run(capsys, "translate", seed_path, "--model", synthetic_model)
    assert code == 0, err
    assert len(out.rstrip("\n").split("\n\n")) == 39


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, name, synthetic_model):
    bad = tmp_path / name
    bad.write_bytes(BAD_INPUTS[name])
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "export", bad, "--model", synthetic_model, "--out-dir", out_dir)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ")
    assert not out_dir.exists()


@pytest.mark.parametrize("target", ["missing.txt", "."])
def test_missing_path_or_folder_exits_2(tmp_path, capsys, target, synthetic_model):
    out_dir = tmp_path / "out"
    code, _, err = run(capsys, "export", tmp_path / target, "--model", synthetic_model, "--out-dir", out_dir)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert not out_dir.exists()


def test_one_bad_input_among_good_writes_nothing(tmp_path, capsys, seed_path, synthetic_model):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    code, _, _ = run(
        capsys, "export", seed_path, bad, "--model", synthetic_model, "--out-dir", tmp_path / "out"
    )
    assert code == 2 and not (tmp_path / "out").exists()


def test_missing_model_exits_1_and_names_install_commands(tmp_path, capsys, seed_path):
    code, _, err = run(capsys, "export", seed_path, "--out-dir", tmp_path / "out")
    assert code == 1
    assert "models install --from-index" in err and "models install FILE.argosmodel" in err
    assert not (tmp_path / "out").exists()


def test_bad_model_file_exits_2(tmp_path, capsys, seed_path):
    fake = tmp_path / "fake.argosmodel"
    fake.write_text("not a zip")
    code, _, err = run(capsys, "export", seed_path, "--model", fake, "--out-dir", tmp_path / "out")
    assert code == 2 and "not a zip" in err


def test_failed_run_keeps_last_good_export(tmp_path, capsys, seed_path, synthetic_model):
    out_dir = tmp_path / "out"
    assert run(capsys, "export", seed_path, "--model", synthetic_model, "--out-dir", out_dir)[0] == 0
    before = {p.name: p.read_bytes() for p in out_dir.iterdir()}
    broken = tmp_path / "broken.argosmodel"
    broken.write_bytes(b"PK\x03\x04 truncated")
    code, _, _ = run(capsys, "export", seed_path, "--model", broken, "--out-dir", out_dir)
    assert code == 2
    assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == before


def test_usage_errors_exit_2(tmp_path, capsys, monkeypatch, seed_path, synthetic_model):
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "export")[0] == 2
    # x.txt exists and the model works: --format pdf is the only thing wrong with this command
    (tmp_path / "x.txt").write_bytes(seed_path.read_bytes())
    code, out, err = run(capsys, "export", "x.txt", "--format", "pdf", "--model", synthetic_model)
    assert code == 2 and out == ""
    assert "--format" in err and "'pdf' is not one of" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "x.txt"]  # nothing written
    assert run(capsys, "models", "install")[0] == 2


@pytest.mark.parametrize(
    "args", [[], ["export"], ["translate"], ["models"], ["models", "install"], ["models", "list"]]
)
def test_help_everywhere(capsys, args):
    code, out, _ = run(capsys, *args, "--help")
    assert code == 0 and "Usage:" in out


def test_version(capsys):
    from translate_tool import __version__

    code, out, _ = run(capsys, "--version")
    assert code == 0 and __version__ in out


def test_force_translates_a_file_without_arabic(tmp_path, capsys, synthetic_model):
    english = tmp_path / "english.txt"
    english.write_bytes(BAD_INPUTS["english.txt"])
    code, out, err = run(capsys, "translate", english, "--model", synthetic_model, "--force", "--no-tm")
    assert code == 0, err
    assert len(out.rstrip("\n").split("\n\n")) == 2


def test_quiet_and_verbose(tmp_path, capsys, seed_path, synthetic_model):
    code, out, err = run(capsys, "-q", "export", seed_path, "--model", synthetic_model, "--out-dir", tmp_path)
    assert code == 0 and err == ""  # not even the QA summary
    assert out.split() == [str(tmp_path / f"{seed_path.stem}.docx"), str(tmp_path / f"{seed_path.stem}.md")]
    code, out2, err = run(
        capsys, "-v", "export", seed_path, "--model", synthetic_model, "--out-dir", tmp_path
    )
    assert code == 0 and "INFO" in err and out2 == out  # diagnostics never reach stdout


def test_unwritable_out_dir_is_refused_before_translating(tmp_path, capsys, seed_path, synthetic_model):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, out, err = run(
        capsys, "export", seed_path, "--model", synthetic_model, "--out-dir", blocker / "sub"
    )
    assert code == 2 and out == "" and "is a file, not a folder" in err
    assert len(err.strip().splitlines()) == 1


def test_debug_keeps_exit_codes_and_adds_the_traceback(tmp_path, capsys, synthetic_model):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    code, _, err = run(capsys, "--debug", "export", empty, "--model", synthetic_model, "--out-dir", tmp_path)
    assert code == 2 and "Traceback" in err and err.rstrip().endswith("nothing to translate")


def test_the_same_file_twice_is_one_article(tmp_path, capsys, seed_path, synthetic_model):
    code, out, err = run(
        capsys,
        "export",
        seed_path,
        str(seed_path),
        "--model",
        synthetic_model,
        "--out-dir",
        tmp_path,
        "--format",
        "md",
    )
    assert code == 0, err
    assert out.split() == [str(tmp_path / f"{seed_path.stem}.md")]


def test_names_that_differ_only_in_case_collide(tmp_path, capsys, seed_path, synthetic_model):
    (tmp_path / "in").mkdir()
    for name in ("Brief.txt", "brief.txt"):
        (tmp_path / "in" / name).write_bytes(seed_path.read_bytes())
    code, _, err = run(
        capsys, "export", tmp_path / "in", "--model", synthetic_model, "--out-dir", tmp_path / "o"
    )
    assert code == 2 and "would both write" in err and not (tmp_path / "o").exists()


def test_empty_combine_name_is_refused(tmp_path, capsys, seed_path, synthetic_model):
    code, _, err = run(
        capsys, "export", seed_path, "--combine", "", "--model", synthetic_model, "--out-dir", tmp_path
    )
    assert code == 2 and "--combine" in err


def test_corrupt_tokenizer_is_one_line_exit_1(tmp_path, capsys, seed_path, synthetic_model):
    import zipfile

    with zipfile.ZipFile(synthetic_model) as archive:
        archive.extractall(tmp_path / "pkg")
    folder = next((tmp_path / "pkg").iterdir())
    (folder / "sentencepiece.model").write_bytes(b"garbage")
    code, _, err = run(capsys, "translate", seed_path, "--model", folder, "--no-tm")
    assert (
        code == 1
        and err.startswith("error: cannot load the tokenizer")
        and len(err.strip().splitlines()) == 1
    )


def test_a_log_message_during_the_progress_bar_gets_the_bars_line_and_the_bar_comes_back(monkeypatch):
    """A warning mid-run (the memory busy, say) is not glued onto the bar's line."""
    import io
    import logging
    import sys

    from translate_tool import cli as cli_module

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    handler = logging.StreamHandler(terminal)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [handler])
    with cli_module._progress(10, "Translating", quiet=False) as step:
        step(3)
        logging.getLogger("translate_tool.pipeline").warning("translation memory busy")
        step(3)
    out = terminal.getvalue()
    before, after = out.split("WARNING: translation memory busy\n")
    assert before.endswith("\r\x1b[K") and "3/10" in before  # the bar was drawn, then its line cleared
    assert "6/10" in after  # drawn again below the message
    assert handler.filters == []  # the hook goes with the bar
