"""The one guard for zip files we did not make: model packages, reviewed DOCX files, DOCX input.

Every check happens before a byte is decompressed: the member count, the declared total, the
compression ratio, and, for archives that get extracted, paths that would escape the target
folder or links. Each member read is capped twice, by its declared size and by what really
comes out, because a zip's size fields can lie.

Callers pass their own error class and limits (a 2 GB model and a 200 MB Word file are both
normal), and get one-line errors naming the file.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from .errors import InputError

# A Word file with many pictures has a few hundred parts, a model package a few dozen files.
MAX_MEMBERS = 10_000
BOMB_RATIO = 200  # models and Word XML compress ~1.1x to ~10x; a zip bomb thousands of times
BOMB_FLOOR = 50 * 1024**2  # small archives may compress as well as they like

# What a damaged or truncated zip raises while it is read.
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError)


class UntrustedZip:
    """An open zip whose members were checked against the limits; read members with `read`."""

    def __init__(
        self,
        archive: zipfile.ZipFile,
        source: Path | str,
        error: type[InputError],
        what: str,
        max_total: int,
        max_part: int,
    ) -> None:
        self.archive = archive
        self.source = source
        self.error = error
        self.what = what
        self.max_part = max_part
        self.members = archive.infolist()
        self.names = {info.filename for info in self.members}
        self._check_sizes(max_total)

    def _check_sizes(self, max_total: int) -> None:
        if len(self.members) > MAX_MEMBERS:
            raise self.error(
                f"{self.source}: refusing a {self.what} with {len(self.members)} files in the archive "
                f"(at most {MAX_MEMBERS})"
            )
        total = sum(info.file_size for info in self.members)
        packed = sum(info.compress_size for info in self.members)
        if total > max_total:
            raise self.error(
                f"{self.source}: refusing a {self.what} that unpacks to {_size(total)} (at most {_size(max_total)})"
            )
        if total > BOMB_FLOOR and total > BOMB_RATIO * max(packed, 1):
            raise self.error(
                f"{self.source}: refusing a {self.what} with a compression ratio of "
                f"{total / max(packed, 1):.0f}:1 (it looks like a zip bomb)"
            )

    def check_paths(self) -> None:
        """Refuse members that would land outside the folder they are extracted into, and links."""
        for info in self.members:
            name = info.filename
            parts = PurePosixPath(name).parts
            if name.startswith(("/", "\\")) or "\\" in name or ".." in parts or (parts and ":" in parts[0]):
                raise self.error(f"{self.source}: unsafe path in archive: {name!r}")
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise self.error(f"{self.source}: archive contains a symbolic link: {name!r}")

    def read(self, name: str) -> bytes:
        """A member's bytes, refused by its declared size and again by what really comes out."""
        info = self.archive.getinfo(name)
        if info.file_size > self.max_part:
            raise self.error(
                f"{self.source}: refusing a {self.what} whose {name} unpacks to {_size(info.file_size)} "
                f"(at most {_size(self.max_part)})"
            )
        with self.archive.open(info) as member:
            data = member.read(self.max_part + 1)
        if len(data) > self.max_part or len(data) != info.file_size:  # the size fields lied
            raise self.error(
                f"{self.source}: refusing a {self.what} whose {name} unpacks to more than it declares"
            )
        return data

    def copy_to(self, info: zipfile.ZipInfo, target: Path, budget: list[int]) -> None:
        """Extract one member to `target`, counting real bytes against `budget[0]` (shared)."""
        with self.archive.open(info) as src, open(target, "wb") as out:
            while chunk := src.read(1 << 20):
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    raise self.error(f"{self.source}: unpacks to more than declared; refusing")
                out.write(chunk)


@contextmanager
def open_untrusted(
    source: Path | BinaryIO,
    error: type[InputError],
    what: str,
    *,
    max_total: int,
    max_part: int,
    name: str | None = None,
) -> Iterator[UntrustedZip]:
    """Open `source` (a path, or bytes in memory called `name`) as an untrusted zip.

    Damage becomes `error("...: damaged <what> ...")`.
    """
    label = name or source
    try:
        with zipfile.ZipFile(source) as archive:
            yield UntrustedZip(archive, label, error, what, max_total, max_part)
    except ZIP_ERRORS as exc:
        raise error(f"{label}: damaged {what} (the zip archive cannot be read: {exc})") from None


def _size(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 2**20:.0f} MB"
