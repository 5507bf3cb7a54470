"""The write step itself: a run stopped, crashed or failing while it writes a document leaves the
last good export as it was, whole, and cleans up after itself wherever it still runs.

Every test here reaches `files.write_atomic`: the earlier robustness tests stop a run while it
translates, before anything is written.
"""

from __future__ import annotations

import errno
import fcntl
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


# --- write_atomic and read_user_file on their own -------------------------------------------------


def _recording_replace(monkeypatch, fail: BaseException | None = None) -> list[tuple[Path, Path]]:
    """Record every os.replace; then do it, or raise `fail` instead."""
    calls: list[tuple[Path, Path]] = []
    real = os.replace

    def replace(src, dst):
        calls.append((Path(src), Path(dst)))
        if fail is not None:
            raise fail
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    return calls


def test_write_atomic_writes_through_a_hidden_part_file_beside_the_target(tmp_path, monkeypatch, caplog):
    from translate_tool.files import write_atomic

    calls = _recording_replace(monkeypatch)
    target = tmp_path / "new" / "folder" / "brief.md"
    with caplog.at_level("INFO", logger="translate_tool.files"):
        assert write_atomic(target, "عربي and English\n") == target
    # the line the signal tests synchronise on
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [("INFO", f"writing {target}")]
    assert target.read_bytes() == "عربي and English\n".encode()
    assert write_atomic(target, b"\x00bytes") == target
    assert target.read_bytes() == b"\x00bytes"
    assert _outputs(target.parent) == ["brief.md"]
    for src, dst in calls:
        # the same folder (a rename, never a copy across file systems), hidden, and named for its target
        assert dst == target and src.parent == target.parent
        assert src.name.startswith(".brief.md.") and src.name.endswith(".part")


@pytest.mark.parametrize("fail", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()])
def test_write_atomic_removes_its_part_file_when_interrupted_or_failing(tmp_path, monkeypatch, fail):
    from translate_tool.files import write_atomic

    target = tmp_path / "out" / "brief.md"
    target.parent.mkdir()
    target.write_bytes(b"last good export")
    calls = _recording_replace(monkeypatch, fail)
    with pytest.raises(type(fail)):
        write_atomic(target, "new text")
    assert len(calls) == 1 and not calls[0][0].exists()
    assert _outputs(target.parent) == ["brief.md"] and target.read_bytes() == b"last good export"


def test_read_user_file_says_in_one_line_what_is_wrong(tmp_path):
    from translate_tool.errors import InputError
    from translate_tool.files import read_user_file

    (tmp_path / "a.txt").write_bytes(b"text")
    assert read_user_file(tmp_path / "a.txt") == b"text"
    cases = [
        (tmp_path / "missing.txt", {}, f"{tmp_path / 'missing.txt'}: no such text file"),
        (
            tmp_path / "missing.csv",
            {"what": "glossary file"},
            f"{tmp_path / 'missing.csv'}: no such glossary file",
        ),
        (tmp_path, {}, f"{tmp_path}: is a folder, not a text file"),
        (tmp_path, {"what": "glossary file"}, f"{tmp_path}: is a folder, not a glossary file"),
        # exists, is a file, and reading it fails (even for root): the kernel's own message
        (Path("/proc/self/mem"), {}, "/proc/self/mem: cannot read (Input/output error)"),
    ]
    for path, kwargs, message in cases:
        with pytest.raises(InputError) as caught:
            read_user_file(path, **kwargs)
        assert str(caught.value) == message


def test_an_interrupt_just_after_the_rename_is_still_an_interrupt(tmp_path, monkeypatch):
    """Ctrl-C landing between the rename and the end of the write: the new file is whole, and the
    interrupt (exit 130) is what the user gets, not an error about a temporary file already gone."""
    from translate_tool.files import write_atomic

    real = os.replace

    def replace_then_interrupt(src, dst):
        real(src, dst)
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", replace_then_interrupt)
    target = tmp_path / "out" / "brief.md"
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new text")
    assert _outputs(target.parent) == ["brief.md"] and target.read_text() == "new text"


# --- the `.part` file of a run killed outright ---------------------------------------------
# SIGKILL, a crash or a power cut leave the hidden `.part` file: nothing of the dead run can
# remove it. The next write to the same target does, but never a live writer's: the writer
# holds a lock on its `.part` file until the rename, and the kernel drops it with the process.

HELD_WRITER = """
import logging, os, sys
from pathlib import Path
from translate_tool import files

logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
real_fsync = os.fsync


def fsync_when_told(fd):
    print("held before fsync", file=sys.stderr, flush=True)  # the part file is written and locked
    sys.stdin.readline()  # the writer waits here until told
    real_fsync(fd)


os.fsync = fsync_when_told
files.write_atomic(Path(sys.argv[1]), b"the held writer's briefing\\n" * 50_000)
"""


def _held_writer(target: Path) -> subprocess.Popen:
    """A real process writing `target` through write_atomic, held after writing, before its fsync and rename."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HELD_WRITER, str(target)],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for_line(proc, f"writing {target}")
    _wait_for_line(proc, "held before fsync")
    return proc


def _parts(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.endswith(".part"))


def test_the_part_file_of_a_killed_writer_is_removed_by_the_next_write(tmp_path, caplog):
    from translate_tool.files import write_atomic

    target = tmp_path / "out" / "brief.md"
    target.parent.mkdir()
    target.write_bytes(b"last good export")
    writer = _held_writer(target)
    writer.kill()
    assert writer.wait(timeout=60) == -signal.SIGKILL
    [dead] = _parts(target.parent)
    assert dead.name.startswith(".brief.md.") and dead.stat().st_size > 0
    assert target.read_bytes() == b"last good export"  # the killed run never reached the rename

    with caplog.at_level("INFO", logger="translate_tool.files"):
        write_atomic(target, "next export")
    assert _outputs(target.parent) == ["brief.md"] and target.read_text() == "next export"
    assert f"removed {dead}, left by a run that was killed while writing brief.md" in caplog.messages


def test_a_live_writers_part_file_is_left_alone(tmp_path):
    from translate_tool.files import write_atomic

    target = tmp_path / "out" / "brief.md"
    target.parent.mkdir()
    writer = _held_writer(target)
    try:
        [live] = _parts(target.parent)
        write_atomic(target, "written meanwhile")  # another run writes the same target meanwhile
        assert _parts(target.parent) == [live] and target.read_text() == "written meanwhile"
    finally:
        writer.stdin.write("\n")  # now let the held writer fsync and rename
        writer.stdin.flush()
        assert writer.wait(timeout=60) == 0, writer.stderr.read()
    assert _outputs(target.parent) == ["brief.md"]
    assert target.read_bytes() == b"the held writer's briefing\n" * 50_000


def test_only_dead_part_files_of_our_own_are_removed(tmp_path, caplog):
    from translate_tool.files import EMPTY_PART_GRACE_S, write_atomic

    target = tmp_path / "brief.md"
    dead = tmp_path / ".brief.md.0123abcd.part"  # unlocked, with data: a dead run's
    dead.write_bytes(b"half a briefing")
    old_empty = tmp_path / ".brief.md.00000001.part"  # unlocked and empty, long ago: a dead run's
    old_empty.touch()
    past = os.stat(old_empty).st_mtime - EMPTY_PART_GRACE_S - 1
    os.utime(old_empty, (past, past))
    kept = {
        # empty and just made: maybe a live writer between creating and locking it
        tmp_path / ".brief.md.00000002.part": b"",
        # not our naming, or another target's
        tmp_path / ".brief.md.notours.part": b"x",
        tmp_path / ".other.md.0123abcd.part": b"x",
        tmp_path / "brief.md.0123abcd.part": b"x",
        tmp_path / ".brief.md.0123abcd.part.bak": b"x",
    }
    for path, data in kept.items():
        path.write_bytes(data)
    someone_elses = tmp_path / ".brief.md.fedcba98.part"
    someone_elses.write_bytes(b"x")
    if os.getuid() == 0:
        os.chown(someone_elses, 54321, 54321)  # another user's (only root can make one here)
        kept[someone_elses] = b"x"
    else:
        someone_elses.unlink()
    live = tmp_path / ".brief.md.11111111.part"  # with data, but locked: a live writer's (here, ours)
    live.write_bytes(b"being written")
    kept[live] = b"being written"
    holder = os.open(live, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)  # another open file description than write_atomic's: it conflicts
    link = tmp_path / ".brief.md.aaaaaaaa.part"
    link.symlink_to(tmp_path / "elsewhere")
    (tmp_path / "elsewhere").write_bytes(b"not to be touched")

    try:
        with caplog.at_level("INFO", logger="translate_tool.files"):
            write_atomic(target, "new export")
    finally:
        os.close(holder)
    removed = sorted(m for m in caplog.messages if m.startswith("removed "))
    assert removed == [
        f"removed {path}, left by a run that was killed while writing brief.md"
        for path in sorted([old_empty, dead])
    ]
    assert not dead.exists() and not old_empty.exists()
    assert {path: path.read_bytes() for path in kept} == kept
    assert link.is_symlink() and (tmp_path / "elsewhere").read_bytes() == b"not to be touched"
    assert target.read_text() == "new export"
