"""SIGTERM, SIGHUP and SIGINT stop an export cleanly: no unpacked model in TMPDIR, no `.part` file.

Real signals to a real child `translate-tool`, synchronised on its log lines and on file
events, never on sleeps:

- during translation: the child logs "translating N sentences" once the model is unpacked and
  loaded, and has seconds of decoding left;
- during writing: the child must be stopped while its `.part` file exists. The test holds the
  translation memory's write lock, so the child, once it has translated, waits to record its
  machine English; meanwhile the test fills the child's stderr pipe to the brim and only then
  lets go of the lock. The child records, renders, creates its `.part` file and blocks writing
  the "writing <path>" log line into the full pipe. The test sees the `.part` file appear
  (inotify) and sends the signal while the child is held exactly there.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from fswatch import FolderWatch

from translate_tool.memory import TranslationMemory

SIGNALS = [signal.SIGTERM, signal.SIGHUP, signal.SIGINT]


def _translate_tool() -> str:
    beside = Path(sys.executable).with_name("translate-tool")
    return str(beside) if beside.exists() else shutil.which("translate-tool")


class Lines:
    """Lines read from a file descriptor as they come."""

    def __init__(self, fd: int) -> None:
        self.fd, self.buffer, self.seen = fd, b"", []

    def until(self, needle: str) -> str:
        while True:
            while b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                self.seen.append(line.decode("utf-8", errors="replace"))
                if needle in self.seen[-1]:
                    return self.seen[-1]
            chunk = os.read(self.fd, 65536)
            if not chunk:
                raise AssertionError(f"the child ended without logging {needle!r}:\n" + "\n".join(self.seen))
            self.buffer += chunk

    def rest(self) -> list[str]:
        while chunk := os.read(self.fd, 65536):
            self.buffer += chunk
        return self.seen + self.buffer.decode("utf-8", errors="replace").splitlines()


def _start(tmp_path: Path, article: Path, model: Path, out_dir: Path, stderr: int) -> subprocess.Popen:
    env = dict(os.environ, TMPDIR=str(tmp_path / "tmpdir"), TRANSLATE_TOOL_TM=str(tmp_path / "tm.sqlite3"))
    (tmp_path / "tmpdir").mkdir()
    return subprocess.Popen(
        [_translate_tool(), "-v", "export", str(article), "--model", str(model), "--out-dir", str(out_dir)],
        stdout=subprocess.PIPE,
        stderr=stderr,
        env=env,
    )


def _check_stopped_cleanly(proc, lines: list[str], sig, tmp_path: Path, out_dir: Path) -> None:
    proc.stdout.close()
    assert proc.wait(timeout=120) == 128 + sig, "\n".join(lines)
    messages = [line for line in lines if line.strip()]
    assert messages[-1].startswith(f"interrupted by {signal.Signals(sig).name};"), messages[-1]
    assert not any("Traceback" in line for line in messages), "\n".join(messages)
    assert list((tmp_path / "tmpdir").iterdir()) == []  # the unpacked model is gone
    assert sorted(p.name for p in out_dir.iterdir()) == ["big.docx"]  # no .part, nothing new
    assert (out_dir / "big.docx").read_bytes() == b"last good export"


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_stopped_while_translating(tmp_path, seed_path, synthetic_model, sig):
    article = tmp_path / "big.txt"  # ten seeds: seconds of decoding left after the first log line
    article.write_text("\n\n".join([seed_path.read_text(encoding="utf-8")] * 10), encoding="utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "big.docx").write_bytes(b"last good export")
    read_end, write_end = os.pipe()
    proc = _start(tmp_path, article, synthetic_model, out_dir, write_end)
    os.close(write_end)
    lines = Lines(read_end)
    # From this line on the model is loaded: unpacked into TMPDIR, or into a model cache, which
    # must then be left whole; either way nothing may stay behind in TMPDIR.
    lines.until("translating")
    proc.send_signal(sig)
    _check_stopped_cleanly(proc, lines.rest(), sig, tmp_path, out_dir)
    os.close(read_end)


def _fill(fd: int) -> None:
    """Write blank lines into a pipe until it holds no more: the next write to it blocks."""
    for size in (65536, 1):
        while True:
            try:
                os.write(fd, b"\n" * size)
            except BlockingIOError:
                break


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_stopped_while_writing(tmp_path, seed_path, synthetic_model, sig):
    article = tmp_path / "big.txt"
    shutil.copy(seed_path, article)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "big.docx").write_bytes(b"last good export")
    tm = tmp_path / "tm.sqlite3"
    TranslationMemory(tm).close()
    holder = sqlite3.connect(tm, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the child will wait here to record what it translated

    # The child's stderr is a FIFO, so the test can hold a second, non-blocking write end to fill it.
    fifo = tmp_path / "stderr.fifo"
    os.mkfifo(fifo)
    read_end = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    os.set_blocking(read_end, True)
    child_end = os.open(fifo, os.O_WRONLY)
    filler = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    proc = _start(tmp_path, article, synthetic_model, out_dir, child_end)
    os.close(child_end)
    lines = Lines(read_end)
    lines.until("decoding")  # the last line before "writing": nothing more on stderr until then
    _fill(filler)
    with FolderWatch(out_dir) as watch:
        holder.rollback()
        part = watch.wait_for(lambda name: name.endswith(".part"))
        proc.send_signal(sig)
    holder.close()
    os.close(filler)
    assert part.startswith(".big.docx.")
    _check_stopped_cleanly(proc, lines.rest(), sig, tmp_path, out_dir)
    os.close(read_end)


def test_nohup_keeps_running_after_sighup(tmp_path, seed_path, synthetic_model):
    """A SIGHUP the parent chose to ignore (`nohup translate-tool ...`) stays ignored."""
    article = tmp_path / "big.txt"
    shutil.copy(seed_path, article)
    out_dir = tmp_path / "out"
    read_end, write_end = os.pipe()
    env = dict(os.environ, TMPDIR=str(tmp_path))
    proc = subprocess.Popen(
        [
            _translate_tool(),
            "-v",
            "export",
            str(article),
            "--model",
            str(synthetic_model),
            "--out-dir",
            str(out_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=write_end,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN),  # what nohup does
    )
    os.close(write_end)
    lines = Lines(read_end)
    lines.until("translating")
    proc.send_signal(signal.SIGHUP)
    rest = lines.rest()
    os.close(read_end)
    assert proc.wait(timeout=120) == 0, "\n".join(rest)
    proc.stdout.close()
    assert sorted(p.name for p in out_dir.iterdir()) == ["big.docx", "big.md"]


# --- a signal that lands in a finaliser (in-process) --------------------------------------------
# Python runs the handler between any two bytecodes, a `__del__` or a weakref callback included,
# where a raised exception is printed as "Exception ignored" and dropped. distributed's
# Future.__del__ runs all through a cluster run: a Ctrl-C that landed there was lost, the run went
# on to write every document, and then exited 130 with a traceback on stderr.


class _SignalledWhileFinalised:
    def __del__(self):
        signal.raise_signal(signal.SIGINT)  # delivered before __del__ returns


def _finalise_in_del():
    _SignalledWhileFinalised()  # dropped at once: its __del__ runs here


def _finalise_in_weakref_callback():
    import weakref

    class Target:
        pass

    target = Target()
    ref = weakref.ref(target, lambda _: signal.raise_signal(signal.SIGINT))
    del target
    return ref


@pytest.mark.parametrize(
    "finalise", [_finalise_in_del, _finalise_in_weakref_callback], ids=["del", "weakref"]
)
def test_a_signal_that_lands_in_a_finaliser_still_stops_the_run(finalise):
    from translate_tool.signals import Interrupted, StopSignals

    dropped = []
    before = sys.unraisablehook
    sys.unraisablehook = dropped.append
    try:
        with pytest.raises(Interrupted) as caught, StopSignals() as stop:
            finalise()
            # Blocked as a cluster run is, on a lock: the signal sent again must end the wait.
            threading.Event().wait(timeout=20)
            pytest.fail("the signal was dropped in the finaliser")
        assert caught.value.signum == signal.SIGINT and stop.received == signal.SIGINT
        assert dropped == []  # nothing printed as "Exception ignored"
        assert sys.unraisablehook == dropped.append  # given back on the way out
    finally:
        sys.unraisablehook = before


def test_other_exceptions_in_finalisers_go_to_the_previous_hook():
    from translate_tool.signals import StopSignals

    class Broken:
        def __del__(self):
            raise ValueError("broken finaliser")

    dropped = []
    before = sys.unraisablehook
    sys.unraisablehook = dropped.append
    try:
        with StopSignals() as stop:
            Broken()
        assert [type(u.exc_value) for u in dropped] == [ValueError] and stop.received is None
    finally:
        sys.unraisablehook = before
