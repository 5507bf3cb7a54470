"""Wait for a file to appear in a folder, as an event (Linux inotify), not by polling or sleeping.

Tests use it to synchronise with another process: LibreOffice creating its lock file, a child
translate-tool creating its `.part` file.
"""

from __future__ import annotations

import ctypes
import os
import select
import struct
import time
from collections.abc import Callable
from pathlib import Path

IN_CLOSE_WRITE = 0x8
IN_CREATE = 0x100
IN_MOVED_TO = 0x80
IN_CLOEXEC = 0o2000000
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, len; then len bytes of name


class FolderWatch:
    """Names created in (or moved into) `folder` from the moment the watch starts.

    With `written=True`, a name counts once a writer has closed it, so its content is there.
    """

    def __init__(self, folder: Path, written: bool = False) -> None:
        self.folder = folder
        libc = ctypes.CDLL(None, use_errno=True)
        self.fd = libc.inotify_init1(IN_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        mask = (IN_CLOSE_WRITE if written else IN_CREATE) | IN_MOVED_TO
        if libc.inotify_add_watch(self.fd, os.fsencode(folder), mask) < 0:
            raise OSError(ctypes.get_errno(), f"inotify_add_watch {folder}")

    def __enter__(self) -> FolderWatch:
        return self

    def __exit__(self, *exc_info: object) -> None:
        os.close(self.fd)

    def wait_for(self, wanted: Callable[[str], bool], timeout: float = 120) -> str:
        """The first name `wanted` accepts, already there or created later; AssertionError after `timeout`."""
        for existing in sorted(os.listdir(self.folder)):
            if wanted(existing):
                return existing
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                break
            data = os.read(self.fd, 65536)
            offset = 0
            while offset < len(data):
                _, _, _, size = _EVENT.unpack_from(data, offset)
                start = offset + _EVENT.size
                name = data[start : start + size].rstrip(b"\0").decode()
                offset = start + size
                if wanted(name):
                    return name
        raise AssertionError(f"nothing matching appeared in {self.folder} within {timeout:.0f} s")
