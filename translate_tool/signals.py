"""Stop signals: SIGINT, SIGTERM and SIGHUP end a run the same way, cleaning up on the way out.

Ctrl-C sends SIGINT, a batch scheduler stops a job with SIGTERM, and a closed terminal or ssh
session sends SIGHUP. Python turns only SIGINT into an exception; the other two kill the
process on the spot, which leaves an unpacked model in TMPDIR and `.part` files beside the
outputs. While `StopSignals` is active all three raise `Interrupted` instead, which unwinds
through every `with` block and `finally` clause as KeyboardInterrupt does. So whatever a stage
holds for cleanup (a temporary folder in an ExitStack, a half-written `.part` file) is removed
whoever stopped the run, and nothing here needs to know what those resources are.

The CLI then exits 128 + the signal number (130, 143, 129), the status a shell reports for a
process killed by that signal, so scripts and schedulers read it the same way.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
import time
from collections.abc import Iterator

log = logging.getLogger(__name__)

STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class Interrupted(BaseException):
    """A stop signal arrived. A BaseException, like KeyboardInterrupt: `except Exception` lets it through."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class StopSignals:
    """While active (`with StopSignals():`), a stop signal raises `Interrupted` in the main thread.

    Only the first signal raises. Later ones are noted and ignored, so a second Ctrl-C or a
    scheduler's repeated SIGTERM cannot cut the cleanup short (SIGKILL still stops the process).
    A signal the parent set to be ignored (`nohup`, a shell's background job) stays ignored.
    Outside the main thread, where Python cannot install handlers, this does nothing.

    Python runs a signal handler between any two bytecodes of the main thread, finalisers
    included: a signal that lands in a `__del__` (distributed's `Future.__del__` runs often)
    or a weakref callback raises there, and Python prints "Exception ignored" and drops the
    exception. The run would go on to the end, ignoring every later signal. So an `Interrupted`
    dropped that way is delivered again, to the code the finaliser interrupted.
    """

    def __init__(self) -> None:
        self.received: int | None = None
        self._previous: dict[int, object] = {}
        self._previous_hook = None
        self._defer_depth = 0
        self._pending = False
        self._redeliver = False

    def __enter__(self) -> StopSignals:
        global _active
        if threading.current_thread() is not threading.main_thread():
            return self
        for signum in STOP_SIGNALS:
            previous = signal.getsignal(signum)
            if previous == signal.SIG_IGN:
                continue
            self._previous[signum] = previous
            signal.signal(signum, self._handle)
        self._previous_hook, sys.unraisablehook = sys.unraisablehook, self._unraisable
        _active = self
        return self

    def __exit__(self, *exc_info: object) -> None:
        global _active
        for signum, previous in self._previous.items():
            # None: a handler not set from Python; the default is the closest we can restore.
            signal.signal(signum, signal.SIG_DFL if previous is None else previous)
        self._previous.clear()
        if self._previous_hook is not None:
            sys.unraisablehook, self._previous_hook = self._previous_hook, None
        if _active is self:
            _active = None

    def _handle(self, signum: int, frame: object) -> None:
        if self._redeliver:
            self._redeliver = False
        elif self.received is not None:
            log.debug("%s while stopping; finishing the cleanup first", signal.Signals(signum).name)
            return
        else:
            self.received = signum
        if self._defer_depth:
            self._pending = True
            return
        raise Interrupted(self.received)

    def _unraisable(self, unraisable) -> None:
        if isinstance(unraisable.exc_value, Interrupted) and self.received is not None:
            threading.Thread(target=self._send_again, name="stop-signal-again", daemon=True).start()
            return
        (self._previous_hook or sys.__unraisablehook__)(unraisable)

    def _send_again(self) -> None:
        """Signal the main thread again once it has left `_unraisable` (a raise there is lost too).

        A real signal, not `_thread.interrupt_main`: it also ends a blocking wait (a lock, a
        socket), as the first one did. If it lands in another finaliser, this happens again.
        """
        main = threading.main_thread().ident
        hook = StopSignals._unraisable.__code__
        while _running(sys._current_frames().get(main), hook):
            time.sleep(0.001)  # the hook returns within microseconds of starting this thread
        self._redeliver = True
        with contextlib.suppress(OSError):  # the main thread ended meanwhile: nothing to stop
            signal.pthread_kill(main, self.received)

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """Hold a stop signal back until the block ends (see `deferred` below)."""
        self._defer_depth += 1
        try:
            yield
        finally:
            self._defer_depth -= 1
            if not self._defer_depth and self._pending:
                self._pending = False
                raise Interrupted(self.received)


def _running(frame, code) -> bool:
    """True if `code` is running in `frame` or in one of its callers."""
    while frame is not None:
        if frame.f_code is code:
            return True
        frame = frame.f_back
    return False


_active: StopSignals | None = None


def received() -> int | None:
    """The stop signal this run got, if any (so error paths can stay quiet and let it exit 128+n)."""
    return _active.received if _active is not None else None


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Let a short block finish before a stop signal raises, e.g. creating a file and recording its name.

    Without this, a signal arriving between `open()` returning and the name being stored
    leaves a file that no cleanup knows about. The signal raises as soon as the block ends.
    """
    if _active is None:
        yield
        return
    with _active.deferred():
        yield
