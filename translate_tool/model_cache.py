"""The unpacked-model cache: each .argosmodel is unpacked once and reused by every later run.

Layout, in the user's cache folder (`~/.cache/translate-tool/models` on Linux, honouring
XDG_CACHE_HOME), or the folder a caller passes:

    <sha256 of the package file>/<package folder>/   one published entry per package content
    stamps/<key>                                      size+mtime fast path -> that sha256
    .tmp-<pid>-*                                      work in progress of a running process

Entries are keyed by the file's content, so a renamed or copied package finds its entry, and
a package rewritten in place (even with the same name and size) gets a new one. Hashing a
100 MB package takes a fraction of a second; the stamp (path, device, inode, size, mtime and
ctime) skips even that while the file is unchanged.

An entry is unpacked into `.tmp-<pid>-*` and published with one rename, so a reader sees a
whole entry or none, and two runs unpacking the same package at once both end up with one
entry. A run that dies before the rename (kill -9, power cut) leaves its `.tmp-<pid>-*`
folder; the next run removes it once that pid is gone. Nothing goes to TMPDIR. Entries are
never changed after publishing (only their folder's mtime, as "last used"); entries unused
for UNUSED_DAYS are removed. Deleting the whole folder between runs is always safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

from .errors import PackageError
from .packages import Package, clean_stale, file_sha256, load_package, require_file, unpack
from .signals import deferred

log = logging.getLogger(__name__)

TMP_PREFIX = ".tmp-"
# An entry is as big as its model (~100 MB); ones no run has used for this long are removed,
# so trying out package versions does not fill the disk.
UNUSED_DAYS = 30


def cache_root() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("translate-tool", appauthor=False) / "models"


def open_cached(source: Path, root: Path | None = None) -> Package:
    """The package in `source` (.argosmodel), unpacked into the cache unless already there."""
    root = root or cache_root()
    require_file(source)
    root.mkdir(parents=True, exist_ok=True)
    clean_stale(root, TMP_PREFIX)
    digest = _content_key(source, root)
    entry = root / digest
    _prune_unused(root, keep=entry)
    package = _published(entry)
    if package is not None:
        with contextlib.suppress(OSError):
            os.utime(entry)  # "last used", for pruning
        log.info("model %s from the cache (%s)", package.label, entry)
        return package
    log.info("unpacking %s into the model cache %s", source, root)
    staging: Path | None = None
    try:
        with deferred():  # a stop signal cannot fall between creating and remembering it
            staging = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-", dir=root))
        unpack(source, staging)
        try:
            staging.rename(entry)  # atomic publish
        except OSError:
            if _published(entry) is None:  # not a parallel run's entry: something is wrong
                raise
            log.debug("%s was published by another run meanwhile", entry)
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    package = _published(entry)
    if package is None:
        raise PackageError(f"{source}: the unpacked package in {entry} is not usable")
    return package


def _prune_unused(root: Path, keep: Path) -> None:
    cutoff = time.time() - UNUSED_DAYS * 86400
    for folder in (root, root / "stamps"):
        try:
            children = list(folder.iterdir())
        except OSError:
            continue
        for child in children:
            if child == keep or child.name.startswith(".") or len(child.name) not in (32, 64):
                continue
            try:
                if child.stat().st_mtime >= cutoff:
                    continue
            except OSError:
                continue
            if child.is_dir():
                _discard(child)
            else:
                with contextlib.suppress(OSError):
                    child.unlink()


def _discard(entry: Path) -> None:
    """Take an entry out of use with one rename (readers never see half of it), then delete it."""
    doomed = entry.with_name(f"{TMP_PREFIX}{os.getpid()}-discard-{entry.name}")
    with contextlib.suppress(OSError):
        entry.rename(doomed)
        shutil.rmtree(doomed, ignore_errors=True)


def _published(entry: Path) -> Package | None:
    """The package in a published entry, or None if there is none (or it was damaged)."""
    try:
        folders = [p for p in entry.iterdir() if p.is_dir() and not p.name.startswith(".")]
    except OSError:
        return None
    if len(folders) == 1:
        try:
            return load_package(folders[0])
        except PackageError as exc:
            log.warning("discarding a damaged cache entry: %s", exc)
    if entry.exists():  # damaged by hand (files deleted): make way for a fresh unpack
        _discard(entry)
    return None


def _content_key(source: Path, root: Path) -> str:
    """The package's SHA-256, from its stamp while the file is unchanged, else by reading it."""
    st = source.stat()
    fingerprint = (
        f"{source.resolve()}\0{st.st_dev}\0{st.st_ino}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}"
    )
    stamp = root / "stamps" / hashlib.sha256(fingerprint.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    with contextlib.suppress(OSError, UnicodeDecodeError):
        known = stamp.read_text(encoding="ascii").strip()
        if len(known) == 64:
            return known
    digest = file_sha256(source)
    with contextlib.suppress(OSError):  # the stamp is only a shortcut: never fail because of it
        stamp.parent.mkdir(exist_ok=True)
        tmp = None
        try:
            with deferred():
                fd, tmp = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{os.getpid()}-", dir=root)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(digest)
            os.replace(tmp, stamp)
        except BaseException:  # a failed write, or a stop signal: leave no stray file
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            raise
    return digest
