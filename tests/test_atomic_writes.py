"""The write step itself: a run stopped, crashed or failing while it writes a document leaves the
last good export as it was, whole, and cleans up after itself wherever it still runs.

Every test here reaches `files.write_atomic`: the earlier robustness tests stop a run while it
translates, before anything is written.
"""

from __future__ import annotations

import errno
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import run_cli as run

COPIES = 60  # of the seed in the large document: about 1.2 MB of Markdown, written in one go


def _outputs(out_dir: Path) -> list[str]:
    return sorted(p.name for p in out_dir.iterdir())


def _lines(data: bytes) -> list[bytes]:
    return data.rstrip(b"\n").split(b"\n")


def _is_whole(data: bytes, last_good: bytes) -> bool:
    """The last good export itself, or a complete new one: the same title and the same last
    row (the memory gives every run the same passages), only the generation time differs."""
    if data == last_good:
        return True
    return (
        bool(data) and _lines(data)[0] == _lines(last_good)[0] and _lines(data)[-1] == _lines(last_good)[-1]
    )


@pytest.fixture
def large_export(tmp_path, capsys, seed_path, synthetic_model):
    """A large article whose every passage is in the memory, exported once: (article, out dir, bytes).

    Passages from the memory need no model, so the child process reaches the write step fast and
    spends its time writing.
    """
    assert (
        run(capsys, "export", seed_path, "--model", synthetic_model, "--out-dir", tmp_path / "first")[0] == 0
    )
    article = tmp_path / "large.txt"
    article.write_text("\n\n".join([seed_path.read_text(encoding="utf-8")] * COPIES), encoding="utf-8")
    out_dir = tmp_path / "out"
    args = ("export", article, "--model", synthetic_model, "--out-dir", out_dir, "--format", "md")
    code, _, err = run(capsys, *args)
    assert code == 0, err
    last_good = (out_dir / "large.md").read_bytes()
    assert len(last_good) > 1_000_000
    return article, out_dir, last_good


def _start(args: list[str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "translate_tool.cli", "-v", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"),
        **kwargs,
    )


def _wait_for_line(proc: subprocess.Popen, needle: str) -> list[str]:
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if needle in line:
            return seen
    raise AssertionError(f"the run ended without logging {needle!r}: {''.join(seen)}")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_stopped_while_writing_a_large_document(large_export, synthetic_model, sig):
    article, out_dir, last_good = large_export
    proc = _start(["export", article, "--model", synthetic_model, "--out-dir", out_dir, "--format", "md"])
    _wait_for_line(proc, f"writing {out_dir / 'large.md'}")
    proc.send_signal(sig)  # the run is at the write step from this line on
    _, err = proc.communicate(timeout=120)
    data = (out_dir / "large.md").read_bytes()
    # the last good export, or (the signal came after the rename) the whole new one; never a part
    assert _is_whole(data, last_good), f"large.md is {len(data)} bytes of a {len(last_good)}-byte export"
    if sig == signal.SIGINT:
        # Python still runs: the temporary file is removed
        assert proc.returncode == 130, err
        assert _outputs(out_dir) == ["large.md"]
    else:
        # nothing runs after SIGKILL: the only trace may be the hidden temporary file, never the document
        assert proc.returncode == -signal.SIGKILL
        leftovers = [name for name in _outputs(out_dir) if name != "large.md"]
        assert all(name.startswith(".large.md.") and name.endswith(".part") for name in leftovers), leftovers


def test_a_write_that_fails_half_way_keeps_the_last_good_export(tmp_path, capsys, seed_path, synthetic_model):
    """The kernel refuses the write at a set byte of the document (a file size limit): always mid-write,
    as a full disk would. Python ignores SIGXFSZ, so the write fails with EFBIG instead of killing."""
    assert run(capsys, "models", "install", synthetic_model)[0] == 0  # nothing to unpack at run time
    out_dir = tmp_path / "out"
    args = ["export", seed_path, "--out-dir", out_dir, "--format", "md", "--no-tm"]
    assert run(capsys, *args)[0] == 0
    target = out_dir / f"{seed_path.stem}.md"
    last_good = target.read_bytes()
    limit = len(last_good) // 2

    def limit_file_size():  # in the child: no file it writes may grow past `limit` bytes
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = _start(args, preexec_fn=limit_file_size)
    _, err = proc.communicate(timeout=300)
    assert f"INFO: writing {target}\n" in err  # it failed at the write step, not before
    assert proc.returncode == 1
    assert err.splitlines()[-1] == f"error: {os.strerror(errno.EFBIG)}"
    assert target.read_bytes() == last_good
    assert _outputs(out_dir) == [target.name]


def test_a_failed_rename_keeps_the_last_good_export_and_leaves_no_part_file(
    tmp_path, capsys, monkeypatch, seed_path, synthetic_model
):
    out_dir = tmp_path / "out"
    args = ("export", seed_path, "--model", synthetic_model, "--out-dir", out_dir)
    assert run(capsys, *args)[0] == 0  # the second run takes every passage from the memory
    before = {name: (out_dir / name).read_bytes() for name in _outputs(out_dir)}
    assert sorted(before) == [f"{seed_path.stem}.docx", f"{seed_path.stem}.md"]
    renames = []

    def replace_fails(src, dst):
        renames.append(Path(dst).name)
        raise OSError(errno.EIO, os.strerror(errno.EIO), str(dst))

    monkeypatch.setattr(os, "replace", replace_fails)
    code, out, err = run(capsys, *args)
    assert renames == [f"{seed_path.stem}.docx"]  # the first rename failed and nothing came after it
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [f"error: {out_dir / seed_path.stem}.docx: {os.strerror(errno.EIO)}"]
    assert {name: (out_dir / name).read_bytes() for name in _outputs(out_dir)} == before
