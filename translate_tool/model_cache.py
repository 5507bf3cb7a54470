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
never changed after publishing; deleting the whole folder between runs is always safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

from .errors import PackageError
from .packages import Package, clean_stale, file_sha256, load_package, unpack

log = logging.getLogger(__name__)

TMP_PREFIX = ".tmp-"


def cache_root() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("translate-tool", appauthor=False) / "models"


def open_cached(source: Path, root: Path | None = None) -> Package:
    """The package in `source` (.argosmodel), unpacked into the cache unless already there."""
    root = root or cache_root()
    if not source.is_file():
        raise PackageError(f"{source}: no such file")
    root.mkdir(parents=True, exist_ok=True)
    clean_stale(root, TMP_PREFIX)
    digest = _content_key(source, root)
    entry = root / digest
    package = _published(entry)
    if package is not None:
        log.info("model %s from the cache (%s)", package.label, entry)
        return package
    log.info("unpacking %s into the model cache %s", source, root)
    staging = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-", dir=root))
    try:
        unpack(source, staging)
        try:
            staging.rename(entry)  # atomic publish
        except OSError:
            if _published(entry) is None:  # not a parallel run's entry: something is wrong
                raise
            log.debug("%s was published by another run meanwhile", entry)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    package = _published(entry)
    if package is None:
        raise PackageError(f"{source}: the unpacked package in {entry} is not usable")
    return package


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
    # Damaged by hand (files deleted): set it aside atomically, then remove it.
    doomed = entry.with_name(f"{TMP_PREFIX}{os.getpid()}-discard-{entry.name}")
    with contextlib.suppress(OSError):
        entry.rename(doomed)
        shutil.rmtree(doomed, ignore_errors=True)
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
        fd, tmp = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{os.getpid()}-", dir=root)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(digest)
        os.replace(tmp, stamp)
    return digest
