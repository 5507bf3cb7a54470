"""Reading the user's files with one-line errors, and writing ours like a careful Unix tool.

- A failure or a stop signal never leaves half a file: we write a `.part` file beside the
  target, flush it to disk and rename it into place, and remove it on any way out.
- A run killed outright (SIGKILL, a crash, a power cut) cannot remove its `.part` file, so
  the next write to the same target does: the writer holds an advisory lock on its `.part`
  file until the rename, and the kernel drops the lock with the process, so a `.part` file
  nobody holds is a dead run's (see `remove_dead_parts`).
- A new file gets the mode the umask (and a shared folder's default ACL) gives, as `open()`
  would; a file we replace keeps its mode and, where the system lets us, its group, so
  colleagues who could read last week's briefing can read this week's.
- A document open in Word or LibreOffice is not replaced behind the reviewer's back: their
  next save would overwrite the new export, or the new export their work. We find the lock
  file those programs keep beside it and refuse, naming who holds it (see `refuse_open`).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import stat
import time
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from . import signals
from .errors import InputError

log = logging.getLogger(__name__)


# An article, even a PDF or a Word file full of pictures, is well under this. Reading stops here:
# `export /dev/zero` (or a runaway pipe) used to read until the kernel killed the process.
MAX_INPUT_BYTES = 256 * 1024**2


def read_user_file(path: Path, what: str = "text file", limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a file the user named, or an InputError that says in one line what is wrong."""
    if not path.exists():
        raise InputError(f"{path}: no such {what}")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a {what}")
    try:
        with open(path, "rb") as file:
            data = file.read(limit + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if len(data) > limit:
        raise InputError(f"{path}: over {limit // 1024**2} MB, too large for a {what}")
    return data


# --- output folders ----------------------------------------------------------------------------


def check_out_dir(out_dir: Path, option: str = "--out-dir") -> None:
    """Refuse an output folder we could not write, before spending minutes translating.

    The nearest part of the path that exists must be a writable folder. A symbolic link to
    nothing is refused too: creating the folder through it fails only at the very end.
    """
    probe = out_dir
    while not probe.exists():
        if probe.is_symlink():
            raise InputError(
                f"{option} {out_dir}: {probe} is a symbolic link to {os.readlink(probe)}, which does not "
                "exist; create that folder or give another --out-dir"
            )
        probe = probe.parent
    if not probe.is_dir():
        raise InputError(f"{option} {out_dir}: {probe} is a file, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(f"{option} {out_dir}: {probe} is not writable")


# --- documents open in Word or LibreOffice -----------------------------------------------------

WORD_FORMATS = {".doc", ".docx", ".rtf", ".odt"}
WORD_OWNER_SIZE = 162  # Word's owner files are always this long


def libreoffice_lock(path: Path) -> Path:
    """LibreOffice's lock file for `path`: `.~lock.NAME#` in the same folder."""
    return path.with_name(f".~lock.{path.name}#")


def word_owner_file(path: Path) -> Path:
    """Word's owner file for `path`: `~$` replaces the first two characters of a name of 8 or
    more characters (`~$iefing.docx` for `briefing.docx`), the first of a 7-character name, and is
    put in front of a shorter one (`~$memo.docx`)."""
    stem, name = path.stem, path.name
    if path.suffix.lower() in WORD_FORMATS:
        name = name[2:] if len(stem) >= 8 else name[1:] if len(stem) == 7 else name
    return path.with_name("~$" + name)


def _libreoffice_holder(data: bytes) -> str:
    """`Hala Saleh (hala) on ws-12 since 01.12.2026 22:11` from a LibreOffice lock file.

    The file is one line `AUTHOR,USER,HOST,DD.MM.YYYY HH:MM,PROFILE-URL;`, with `,` `;` and
    `\\` escaped by a backslash; AUTHOR (the name set in LibreOffice's options) may be empty.
    """
    fields, current, escaped = [], [], False
    for char in data.decode("utf-8", errors="replace"):
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in ",;":
            fields.append("".join(current).strip())
            current = []
            if char == ";":
                break
        else:
            current.append(char)
    author, user, host, since = (fields + ["", "", "", ""])[:4]
    who = f"{author} ({user})" if author and user and author != user else author or user or "an unknown user"
    return who + (f" on {host}" if host else "") + (f" since {since}" if since else "")


def _word_holder(data: bytes) -> str:
    """The user name Word writes into its owner file (UTF-16 at byte 56, ANSI copy at byte 1)."""
    if len(data) >= WORD_OWNER_SIZE and 0 < data[54] <= 52:
        name = data[56 : 56 + 2 * data[54]].decode("utf-16-le", errors="replace")
    elif data and 0 < data[0] <= 52:
        name = data[1 : 1 + data[0]].decode("cp1252", errors="replace")
    else:
        name = ""
    return name.strip("\x00 ") or "an unknown user"


def _read_start(path: Path, size: int) -> bytes:
    """At most `size` bytes from the start of `path`, without waiting (a FIFO has no writer)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        return os.read(fd, size)
    except BlockingIOError:
        return b""
    finally:
        os.close(fd)


def open_elsewhere(path: Path) -> str | None:
    """Why `path` looks open in LibreOffice or Word right now, naming the lock and its holder; or None."""
    for program, lock, holder in (
        ("LibreOffice", libreoffice_lock(path), _libreoffice_holder),
        ("Word", word_owner_file(path), _word_holder),
    ):
        try:
            data = _read_start(lock, 4096)
        except FileNotFoundError:
            continue
        except OSError:  # a lock we cannot even read still means someone has the file open
            data = b""
        return f"{path} is open in {program} by {holder(data)} (lock file {lock})"
    return None


def refuse_open(paths: Iterable[Path], force: bool) -> None:
    """Refuse to replace documents open in Word or LibreOffice, unless `force`.

    Refusing, rather than writing a sibling file, keeps one briefing per article: the analyst
    asks the reviewer to close it (or deletes the lock a crash left behind) and runs again.
    """
    for path in paths:
        reason = open_elsewhere(path)
        if reason is None:
            continue
        if force:
            log.warning("%s; replacing it anyway (--force)", reason)
            continue
        raise InputError(
            f"{reason}; close it there and export again (a lock file left by a crash can be deleted), "
            "or pass --force to replace it anyway"
        )


# --- writing -----------------------------------------------------------------------------------


def _create_beside(path: Path) -> tuple[BinaryIO, Path]:
    """A new, empty `.NAME.RANDOM.part` file beside `path`.

    Created with mode 0666 and no chmod afterwards, so the kernel applies the umask and any
    default ACL of the folder, exactly as for a file the user's own programs create.
    """
    # No O_CLOEXEC: os.open's descriptors are non-inheritable already (PEP 446).
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        _lock(fd, blocking=True)  # a new file nobody else has opened: never waits
        return os.fdopen(fd, "wb"), tmp
    raise FileExistsError(f"{path.parent}: cannot find a free temporary name for {path.name}")


def _lock(fd: int, blocking: bool) -> bool:
    """Take the exclusive advisory lock on `fd`; False if another process holds it."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; dead parts are then left for the user
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


# An empty `.part` file younger than this may be a live writer's between creating it and
# locking it; one with data in it was locked before its first byte.
EMPTY_PART_GRACE_S = 60.0


PART_NAME = re.compile(r"\.(.+)\.[0-9a-f]{8}\.part")  # `.NAME.RANDOM.part`, as `_create_beside` names it


def remove_dead_parts(folder: Path, names: Iterable[str]) -> None:
    """Remove the `.part` files of runs that were killed while writing `folder/NAME`, for each name.

    Only files of our own naming and our own user, and only those no live process locks. One
    listing of the folder for all the names: a folder run sweeps once, not once per document
    (4,000 documents into one folder: 27 s that way, 5 s now; BENCHMARKS.md).
    """
    wanted = set(names)
    try:
        found = [
            (entry.name, match.group(1))
            for entry in os.scandir(folder)
            if (match := PART_NAME.fullmatch(entry.name)) and match.group(1) in wanted
        ]
    except OSError:
        return
    for name, target in found:
        part = folder / name
        try:
            fd = os.open(part, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue  # gone already, a symbolic link, or not ours to read
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid():
                continue
            if st.st_size == 0 and time.time() - st.st_mtime < EMPTY_PART_GRACE_S:
                continue
            if _lock(fd, blocking=False):
                part.unlink(missing_ok=True)
                log.info("removed %s, left by a run that was killed while writing %s", part, target)
        finally:
            os.close(fd)


def _keep_group_and_mode(fd: int, path: Path, old: os.stat_result) -> None:
    """Give the new file the group and mode of the file it replaces (group first: chown clears setgid)."""
    if old.st_gid != os.fstat(fd).st_gid:
        try:
            os.fchown(fd, -1, old.st_gid)
        except OSError:
            log.warning(
                "%s: could not keep its group (gid %d); the new file has your group", path, old.st_gid
            )
    os.fchmod(fd, stat.S_IMODE(old.st_mode))


def write_atomic(path: Path, data: bytes | str, *, sweep: bool = True) -> Path:
    """Write `data` to `path` whole or not at all; a replaced file keeps its mode and group.

    `sweep=False`: the caller has already called `remove_dead_parts` for this path.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        old = path.stat()
    except FileNotFoundError:
        old = None
    if sweep:
        remove_dead_parts(path.parent, [path.name])
    tmp: Path | None = None
    try:
        # A stop signal waits until the name is in `tmp`, so the clean-up below always knows it.
        with signals.deferred():
            handle, tmp = _create_beside(path)
        with handle:  # open, so locked, until renamed: a live part is never taken for a dead one
            if old is not None and stat.S_ISREG(old.st_mode):
                _keep_group_and_mode(handle.fileno(), path, old)
            # Tests that stop or break the write step synchronise on this line (visible with -v).
            log.info("writing %s", path)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            os.replace(tmp, path)
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise
    return path
