"""Reading the user's files with one-line errors, and writing ours so a failure never leaves half a file."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from .errors import InputError

log = logging.getLogger(__name__)


def read_user_file(path: Path, what: str = "text file") -> bytes:
    """The bytes of a file the user named, or an InputError that says in one line what is wrong."""
    if not path.exists():
        raise InputError(f"{path}: no such {what}")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a {what}")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None


def write_atomic(path: Path, data: bytes | str) -> Path:
    """Write to a temporary file beside `path`, flush it to disk, then rename it into place."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    # Tests that interrupt or break the write step synchronise on this line (visible with -v).
    log.info("writing %s", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
