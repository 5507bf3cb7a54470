"""Hostile and broken input, interrupts and crashes, and a fast start."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import run_cli as run

LONG_WORDS = [
    "أعلنت",
    "الحكومة",
    "عن",
    "خطة",
    "جديدة",
    "لدعم",
    "المزارعين",
    "في",
    "المناطق",
    "الريفية",
    "وتحسين",
    "الطرق",
    "والمدارس",
    "والمستشفيات",
]


def test_long_paragraph_without_punctuation_is_translated_whole(tmp_path, capsys, synthetic_model):
    words = (LONG_WORDS * 200)[:1000]
    text = " ".join(words)
    assert len(text) >= 6000 and not any(c in text for c in ".!?؟؛…")
    source = tmp_path / "long.txt"
    source.write_text("عنوان\n\n" + text + "\n", encoding="utf-8")
    code, out, err = run(capsys, "-v", "translate", source, "--model", synthetic_model, "--no-tm")
    assert code == 0, err
    pieces = [line for line in err.splitlines() if "pieces" in line]
    assert len(pieces) == 1 and "translated in" in pieces[0]
    count = int(pieces[0].rsplit("in ", 1)[1].split()[0])
    assert count >= 2
    title, body = out.rstrip("\n").split("\n\n")
    assert len(body.split()) >= count  # every piece contributed English


def test_long_paragraph_is_flagged_as_split(tmp_path, capsys, synthetic_model):
    source = tmp_path / "long.txt"
    source.write_text("عنوان\n\n" + " ".join((LONG_WORDS * 200)[:1000]) + "\n", encoding="utf-8")
    code, _, err = run(
        capsys, "export", source, "--model", synthetic_model, "--out-dir", tmp_path, "--format", "md"
    )
    assert code == 0, err
    md = (tmp_path / "long.md").read_text(encoding="utf-8")
    assert "pieces" in md


def test_help_and_models_list_import_no_heavy_modules():
    probe = (
        "import sys\n"
        "from translate_tool.cli import main\n"
        "for args in (['--help'], ['export', '--help'], ['models', 'list']):\n"
        "    main(args)\n"
        "heavy = sorted(m for m in ('ctranslate2', 'docx', 'sentencepiece', 'argostranslate', 'numpy', 'lxml', "
        "'translate', 'trafilatura', 'pdfminer') if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=os.environ.copy()
    )
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stderr


def _start_export(tmp_path: Path, seed_path: Path, model: Path) -> subprocess.Popen:
    # Ten copies of the seed: after the model loads there are tens of seconds of decoding
    # left, against the milliseconds a signal takes to arrive.
    article = tmp_path / "big.txt"
    article.write_text("\n\n".join([seed_path.read_text(encoding="utf-8")] * 10), encoding="utf-8")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "translate_tool.cli",
            "-v",
            "export",
            str(article),
            "--model",
            str(model),
            "--out-dir",
            str(tmp_path / "out"),
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )


def _wait_for_model_load(proc: subprocess.Popen) -> None:
    """Block until the export logs that it is loading the model: it is mid-run from then on."""
    for line in proc.stderr:
        if "loading model" in line:
            return
    raise AssertionError("the export finished without loading a model")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_interrupt_or_crash_mid_run_leaves_nothing_half_written(tmp_path, seed_path, synthetic_model, sig):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "keep.docx").write_bytes(b"last good export")
    proc = _start_export(tmp_path, seed_path, synthetic_model)
    _wait_for_model_load(proc)
    proc.send_signal(sig)
    proc.communicate(timeout=120)
    if sig == signal.SIGINT:
        assert proc.returncode == 130
    assert sorted(p.name for p in out_dir.iterdir()) == ["keep.docx"]  # no partial, no .part files
    assert (out_dir / "keep.docx").read_bytes() == b"last good export"
    tm = Path(os.environ["TRANSLATE_TOOL_TM"])
    if tm.exists():
        with sqlite3.connect(tm) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert db.execute("SELECT count(*) FROM entries").fetchone()[0] == 0


# --- endless and special files, every command that reads one ----------------------------------
# `export /dev/zero` read until the kernel's out-of-memory killer ended it (23 GB resident on a
# 24 GB machine), taking whatever else ran there with it. Each command runs in a child capped at
# 3 GB of address space, so a reader that is not bounded fails here instead of on the machine.

SPECIAL = [
    pytest.param(
        ["translate", "{zero}", "--model", "{model}", "--no-tm"], "over 256 MB, too large", id="translate"
    ),
    pytest.param(
        ["export", "{zero}", "--model", "{model}", "--no-tm", "--out-dir", "{out}"],
        "over 256 MB",
        id="export",
    ),
    pytest.param(
        ["export", "{seed}", "--glossary", "{zero}", "--model", "{model}", "--no-tm", "--out-dir", "{out}"],
        "too large for a glossary file",
        id="glossary",
    ),
    pytest.param(["review", "import", "{zero}"], "not a DOCX (not a regular file)", id="review-import"),
    pytest.param(
        ["models", "install", "{zero}"], "not a package file (not a regular file)", id="models-install"
    ),
    pytest.param(
        ["export", "{seed}", "--model", "{zero}", "--no-tm", "--out-dir", "{out}"],
        "not a package file",
        id="model",
    ),
    pytest.param(
        ["export", "{seed}", "--model", "{seed_folder}", "--no-tm", "--out-dir", "{out}"],
        None,
        id="empty-model-folder",
    ),
]


def _capped(limit_bytes: int):
    def cap():
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    return cap


@pytest.mark.parametrize(
    ("args", "message"), SPECIAL, ids=lambda v: " ".join(v[:2]) if isinstance(v, list) else ""
)
def test_endless_and_special_files_are_refused_in_one_line_in_bounded_memory(
    tmp_path, seed_path, synthetic_model, args, message
):
    zero = tmp_path / "article.txt"  # a name that passes every suffix check, and no end
    zero.symlink_to("/dev/zero")
    folder = tmp_path / "folder"
    folder.mkdir()
    values = {
        "zero": zero,
        "model": synthetic_model,
        "out": tmp_path / "out",
        "seed": seed_path,
        "seed_folder": folder,
    }
    argv = [a.format(**values) for a in args]
    if argv[:2] == ["review", "import"]:
        argv[2] = str(tmp_path / "article.docx")
        (tmp_path / "article.docx").symlink_to("/dev/zero")
    run_ = subprocess.run(
        [sys.executable, "-m", "translate_tool.cli", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_capped(3 * 1024**3),
    )
    assert run_.returncode == 2, run_.stderr
    assert "Traceback" not in run_.stderr and len(run_.stderr.strip().splitlines()) == 1, run_.stderr
    if message:
        assert message in run_.stderr
    assert not (tmp_path / "out").exists()
