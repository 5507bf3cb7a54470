"""Argos packages: find the installed ones, install from a file, download from the index.

This module reads the package layout itself instead of importing `argostranslate.package`:
that module's settings create folders in $HOME at import time and its install step
extracts zips without checking paths or sizes. The on-disk layout is the same, so packages
installed here are visible to argostranslate and the other way round.

Nothing here touches the network except `install_from_index`, which the user asks for.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packaging.version import InvalidVersion, Version

from .briefing import LABEL_MAX, clean_field
from .errors import InputError, ModelError, NetworkError, PackageError, TranslateToolError
from .safezip import UntrustedZip, open_untrusted
from .signals import deferred
from .text import ascii_number

log = logging.getLogger(__name__)

DEFAULT_INDEX = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/"
# A real ar->en package is about 100 MB packed and a little more unpacked; anything that
# unpacks to more than this is refused before a byte is written.
MAX_UNPACKED_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class Package:
    path: Path
    code: str
    version: str
    from_code: str
    to_code: str
    target_prefix: str = ""

    @property
    def label(self) -> str:
        """`code version`, as briefings show it and the memory files machine text under.

        Metadata is the package author's text: the character rule and a length cap keep a
        control code out of every document and a 5,000-character version out of every entry.
        """
        return clean_field(f"{self.code} {self.version}", LABEL_MAX)

    @property
    def model_dir(self) -> Path:
        return self.path / "model"


@dataclass(frozen=True)
class IndexEntry:
    """One package listed in the index: the same fields as metadata.json, plus where to get it."""

    code: str
    version: str
    from_code: str
    to_code: str
    links: tuple[str, ...]
    sha256: str | None = None


# --- one validation for metadata.json and index entries ----------------------------------

# Every string below ends up in a model label, the translation memory or a document, so
# each is bounded here; a real package's values are a few characters long.
_LIMITS = {
    "from_code": 16,
    "to_code": 16,
    "package_version": 64,
    "argos_version": 64,
    "code": 100,
    "type": 32,
    "target_prefix": 64,
    "from_name": 100,
    "to_name": 100,
}
MAX_METADATA_BYTES = 1024**2
MAX_LINKS = 20
MAX_LINK_CHARS = 2048
_LANG_CODE = re.compile(r"[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{1,8})?")  # ar, en, zt, pt_BR
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
# Control, format (bidi overrides), surrogate and line/paragraph separator characters: none
# belongs in a code, version or name, and each could disguise a label in a document.
_BAD_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__
    )


def _text(meta: dict, name: str, where: str, required: bool = False) -> str:
    """meta[name] as a bounded, printable string; a one-line error naming the field otherwise."""
    if name not in meta:
        if required:
            raise PackageError(f"{where}: field '{name}' is missing")
        return ""
    value = meta[name]
    if not isinstance(value, str):
        raise PackageError(f"{where}: field '{name}' must be text, not {_kind(value)}")
    limit = _LIMITS[name]
    if len(value) > limit:
        raise PackageError(f"{where}: field '{name}' is {len(value)} characters long (limit {limit})")
    if any(unicodedata.category(ch) in _BAD_CATEGORIES for ch in value):
        raise PackageError(f"{where}: field '{name}' contains control characters")
    if name in ("from_code", "to_code") and not _LANG_CODE.fullmatch(value):
        raise PackageError(f"{where}: field '{name}' is not a language code: {value!r}")
    return value


def _common_fields(meta: object, where: str) -> dict[str, str]:
    """The fields metadata.json and an index entry share, validated the same way for both."""
    if not isinstance(meta, dict):
        raise PackageError(f"{where}: must be an object, not {_kind(meta)}")
    from_code = _text(meta, "from_code", where, required=True)
    to_code = _text(meta, "to_code", where, required=True)
    for name in ("argos_version", "from_name", "to_name"):
        _text(meta, name, where)  # not used, but shown by argostranslate: same bounds
    kind = _text(meta, "type", where) or "translate"
    return {
        "code": _text(meta, "code", where) or f"{kind}-{from_code}_{to_code}",
        "version": _text(meta, "package_version", where),
        "from_code": from_code,
        "to_code": to_code,
    }


def package_from_metadata(path: Path, meta: object, where: str) -> Package:
    """Validate a parsed metadata.json; `where` names it in errors (a folder or an archive)."""
    where = f"{where}: metadata.json"
    fields = _common_fields(meta, where)
    return Package(path=path, target_prefix=_text(meta, "target_prefix", where), **fields)  # type: ignore[arg-type]


def index_entry(meta: object, where: str) -> IndexEntry:
    """Validate one entry of the package index; `where` names the index and the entry."""
    fields = _common_fields(meta, where)
    assert isinstance(meta, dict)
    links = meta.get("links", [])
    if not isinstance(links, list):
        raise PackageError(f"{where}: field 'links' must be a list, not {_kind(links)}")
    if len(links) > MAX_LINKS:
        raise PackageError(f"{where}: field 'links' has {len(links)} links (limit {MAX_LINKS})")
    for i, link in enumerate(links):
        if not isinstance(link, str):
            raise PackageError(f"{where}: field 'links' item {i + 1} must be text, not {_kind(link)}")
        if len(link) > MAX_LINK_CHARS or any(unicodedata.category(ch) in _BAD_CATEGORIES for ch in link):
            raise PackageError(f"{where}: field 'links' item {i + 1} is not a usable link")
    sha256 = meta.get("sha256")
    if sha256 is not None and not (isinstance(sha256, str) and _SHA256.fullmatch(sha256)):
        raise PackageError(f"{where}: field 'sha256' must be 64 hexadecimal digits")
    return IndexEntry(links=tuple(links), sha256=sha256.lower() if sha256 else None, **fields)


def version_key(version: str) -> tuple:
    """Sort key: PEP 440 versions by value, above any other text, which sorts as text.

    Argos versions are plain "1.9"; anything else ("1.²", a date) still installs and is
    never the reason an export fails.
    """
    try:
        return (1, Version(version))
    except (InvalidVersion, ValueError):  # ValueError: more digits than int() accepts
        return (0, version)


def packages_dir() -> Path:
    """Where argostranslate keeps installed packages; ARGOS_PACKAGES_DIR overrides it."""
    if os.environ.get("ARGOS_PACKAGES_DIR"):
        return Path(os.environ["ARGOS_PACKAGES_DIR"])
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "argos-translate" / "packages"


def _parse_metadata(data: bytes, where: str) -> object:
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise PackageError(f"{where}: metadata.json is not valid JSON ({exc})") from None


def load_package(path: Path) -> Package:
    """Read an extracted package folder's metadata; refuse folders that cannot translate."""
    meta_path = path / "metadata.json"
    try:
        with open(meta_path, "rb") as handle:
            data = handle.read(MAX_METADATA_BYTES + 1)
    except FileNotFoundError:
        raise PackageError(f"{path}: not an Argos package (no metadata.json)") from None
    except OSError as exc:
        raise PackageError(f"{path}: unreadable metadata.json ({exc.strerror or exc})") from None
    if len(data) > MAX_METADATA_BYTES:
        raise PackageError(f"{path}: metadata.json is larger than {MAX_METADATA_BYTES // 1024} KB")
    package = package_from_metadata(path, _parse_metadata(data, str(path)), str(path))
    if not (path / "model" / "model.bin").exists():
        raise PackageError(f"{path}: package has no CTranslate2 model (model/model.bin)")
    if not any((path / name).exists() for name in ("sentencepiece.model", "bpe.model")):
        raise PackageError(f"{path}: package has no tokenizer (sentencepiece.model or bpe.model)")
    return package


def installed_packages(root: Path | None = None) -> list[Package]:
    root = root or packages_dir()
    if not root.is_dir():
        return []
    found = []
    for child in sorted(root.iterdir()):
        if child.is_dir() and not child.name.startswith(".") and (child / "metadata.json").exists():
            try:
                found.append(load_package(child))
            except PackageError as exc:
                log.warning("skipping %s", exc)
    return found


def find_installed(from_code: str = "ar", to_code: str = "en", root: Path | None = None) -> Package:
    matches = [p for p in installed_packages(root) if (p.from_code, p.to_code) == (from_code, to_code)]
    if not matches:
        where = root or packages_dir()
        raise ModelError(
            f"no {from_code}->{to_code} model installed in {where}. Install one with "
            f"`translate-tool models install --from-index` (online) or "
            f"`translate-tool models install FILE.argosmodel`, or pass --model PATH"
        )
    return max(matches, key=lambda p: version_key(p.version))


def clean_stale(root: Path, prefix: str) -> None:
    """Remove `<prefix><pid>-*` folders and files left in root by processes that are gone.

    A kill -9 or a power cut skips every `finally`; the next run sweeps up what it left.
    Folders of processes still running (another export in parallel) are left alone.
    """
    try:
        children = list(root.iterdir())
    except OSError:
        return
    for child in children:
        if not child.name.startswith(prefix):
            continue
        pid_text = child.name[len(prefix) :].split("-", 1)[0]
        pid = ascii_number(pid_text)
        if pid is None or _alive(pid):
            continue
        log.debug("removing %s, left by process %s", child, pid_text)
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                child.unlink()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process, or a pid we cannot judge: leave it
    return True


# --- unpacking ---------------------------------------------------------------------------

STAGING_PREFIX = ".installing-"


def _check_package(guard: UntrustedZip) -> str:
    """The guard's checks plus the package shape: one top folder holding metadata.json."""
    guard.check_paths()
    members = guard.members
    if not members:
        raise PackageError(f"{guard.source}: empty archive")
    tops = {PurePosixPath(m.filename).parts[0] for m in members}
    top = next(iter(tops))
    if (
        len(tops) != 1
        or top.startswith(".")  # would hide among our own staging folders
        or not any(PurePosixPath(m.filename).parts[1:] == ("metadata.json",) for m in members)
    ):
        raise PackageError(f"{guard.source}: not an Argos package (expected one folder with metadata.json)")
    return top


def _open_package(source: Path):
    return open_untrusted(
        source, PackageError, "package", max_total=MAX_UNPACKED_BYTES, max_part=MAX_UNPACKED_BYTES
    )


def _archive_metadata(guard: UntrustedZip, top: str) -> Package:
    """The package's metadata.json, validated, read straight from the archive."""
    name = f"{top}/metadata.json"
    if guard.archive.getinfo(name).file_size > MAX_METADATA_BYTES:
        raise PackageError(f"{guard.source}: metadata.json is larger than {MAX_METADATA_BYTES // 1024} KB")
    where = str(guard.source)
    return package_from_metadata(guard.source, _parse_metadata(guard.read(name), where), where)


def require_file(source: Path) -> None:
    """Refuse a package path that is missing, or is no regular file (/dev/zero, a folder, a FIFO)."""
    if not source.is_file():
        what = "not a package file (not a regular file)" if source.exists() else "no such file"
        raise PackageError(f"{source}: {what}")


def unpack(source: Path, dest_root: Path) -> Path:
    """Extract an .argosmodel into dest_root safely and atomically; return the package folder."""
    require_file(source)
    if not zipfile.is_zipfile(source):
        raise PackageError(f"{source}: not an Argos package (not a zip archive)")
    dest_root.mkdir(parents=True, exist_ok=True)
    clean_stale(dest_root, STAGING_PREFIX)
    with _open_package(source) as guard:
        top = _check_package(guard)
        _archive_metadata(guard, top)  # refuse bad metadata before writing a byte
        staging: Path | None = None
        try:
            with deferred():  # a stop signal cannot fall between creating and remembering it
                staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=dest_root))
            budget = [MAX_UNPACKED_BYTES]  # real bytes, shared by all members: the sizes can lie
            for info in guard.members:
                target = staging / info.filename
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                guard.copy_to(info, target, budget)
            load_package(staging / top)  # refuse a broken package before it replaces anything
            final = dest_root / top
            previous = staging / ".previous"
            if final.exists():  # set the old install aside, so a failed swap can put it back
                final.rename(previous)
            try:
                (staging / top).rename(final)
            except OSError:
                if previous.exists():
                    previous.rename(final)
                raise
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
    return load_package(final)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def verify_sha256(path: Path, expected: str | None, what: str) -> None:
    """Refuse a file whose SHA-256 is not the one the index or the user gave."""
    if expected is None:
        return
    actual = file_sha256(path)
    if actual != expected.lower():
        raise PackageError(f"{what}: SHA-256 is {actual}, expected {expected.lower()}; not installed")


def install_file(source: Path, root: Path | None = None, sha256: str | None = None) -> Package:
    if sha256 is not None and source.is_file():
        verify_sha256(source, sha256, str(source))
    package = unpack(source, root or packages_dir())
    log.info("installed %s into %s", package.label, package.path)
    return package


def peek(path: Path) -> Package:
    """Read a package's metadata without unpacking or loading it (for memory lookups).

    The returned `Package.path` is where it would be; only `code`, `version` and the
    language codes are meant to be used.
    """
    if path.is_dir():
        return load_package(path)
    if not zipfile.is_zipfile(path):
        raise PackageError(
            f"{path}: not an Argos package (not a zip archive)"
            if path.exists()
            else f"{path}: no such model file or folder"
        )
    with _open_package(path) as guard:
        top = _check_package(guard)
        return _archive_metadata(guard, top)


def open_model(path: Path, cache: Path | None = None) -> Package:
    """`--model PATH`: an extracted package folder as it is, or an .argosmodel through the cache.

    A package file is unpacked once into the unpacked-model cache (`model_cache.py`, in the
    user's cache folder unless `cache` says otherwise) and reused from there by every later
    run, so nothing is unpacked into TMPDIR and nothing is left there by a killed run.
    """
    if path.is_dir():
        return load_package(path)
    if not path.exists():
        raise PackageError(f"{path}: no such model file or folder")
    from .model_cache import open_cached

    return open_cached(path, cache)


# --- the package index (online, only on request) -----------------------------------------


def index_location(index: str | None = None) -> str:
    """The index the user named (--index or ARGOS_PACKAGE_INDEX), else Argos's own.

    A URL ending in / or a local folder stands for the index.json in it.
    """
    base = index or os.environ.get("ARGOS_PACKAGE_INDEX") or DEFAULT_INDEX
    if "://" not in base or base.startswith("file:"):  # a local path the user gave
        if base.startswith("file:"):
            from urllib.parse import urlsplit
            from urllib.request import url2pathname

            base = url2pathname(urlsplit(base).path)
        path = Path(base).expanduser()
        return str(path / "index.json" if path.is_dir() else path)
    return base if base.endswith(".json") else base.rstrip("/") + "/index.json"


def read_index(location: str, allow_http: bool = False) -> list[IndexEntry]:
    """Fetch (at most MAX_INDEX_BYTES) and validate the whole index."""
    from . import downloads

    data = downloads.fetch_bytes(location, downloads.MAX_INDEX_BYTES, allow_http=allow_http, user_given=True)
    try:
        index = json.loads(data)
    except (ValueError, RecursionError):
        raise PackageError(f"the package index at {location} is not valid JSON") from None
    if not isinstance(index, list):
        raise PackageError(f"the package index at {location} must be a list of packages, not {_kind(index)}")
    return [index_entry(e, f"the package index at {location}: entry {i + 1}") for i, e in enumerate(index)]


def install_from_index(
    from_code: str = "ar",
    to_code: str = "en",
    root: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    index: str | None = None,
    sha256: str | None = None,
    allow_http: bool = False,
) -> Package:
    """Download the newest from->to package the index lists, verify it, and install it.

    Links are tried in order; a link that is not http(s) (the real index lists ipfs:// ones)
    is skipped with a note. The download goes to a temporary folder beside the installed
    packages and is removed whatever happens; a failure leaves any installed package alone.
    """
    entry = _newest_entry(index_location(index), from_code, to_code, allow_http)
    expected = sha256 or entry.sha256
    if sha256 and entry.sha256 and sha256.lower() != entry.sha256:
        raise PackageError(f"--sha256 {sha256} differs from the index's checksum {entry.sha256}")
    root = root or packages_dir()
    root.mkdir(parents=True, exist_ok=True)
    clean_stale(root, DOWNLOAD_PREFIX)
    staging: Path | None = None
    try:
        with deferred():  # a stop signal cannot fall between creating and remembering it
            staging = Path(tempfile.mkdtemp(prefix=f"{DOWNLOAD_PREFIX}{os.getpid()}-", dir=root))
        dest = staging / "package.argosmodel"
        link = _download_first_working(entry, dest, expected, progress, allow_http)
        try:
            package = install_file(dest, root)
        except PackageError as exc:  # name the link, not our temporary file
            raise PackageError(str(exc).replace(str(dest), link)) from None
        if expected is None:
            log.warning("the index gives no checksum for %s; installed without verifying it", entry.code)
        return package
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def _newest_entry(location: str, from_code: str, to_code: str, allow_http: bool) -> IndexEntry:
    """The index's newest from->to entry that has a download link."""
    entries = [
        e for e in read_index(location, allow_http) if (e.from_code, e.to_code) == (from_code, to_code)
    ]
    if not entries:
        raise ModelError(f"the package index at {location} lists no {from_code}->{to_code} package")
    entry = max(entries, key=lambda e: version_key(e.version))
    if not entry.links:
        raise PackageError(f"the index entry for {from_code}->{to_code} has no download link")
    return entry


def _download_first_working(
    entry: IndexEntry,
    dest: Path,
    expected: str | None,
    progress: Callable[[int, int], None] | None,
    allow_http: bool,
) -> str:
    """Download `entry` to `dest` from the first of its links that works; that link."""
    from . import downloads

    failures: list[TranslateToolError] = []
    for link in entry.links:
        try:
            downloads.download(
                link, dest, downloads.MAX_PACKAGE_BYTES, sha256=expected, progress=progress, allow_http=allow_http
            )
            break
        except TranslateToolError as exc:
            log.info("%s", exc)
            failures.append(exc)
    else:
        raise _worst(failures)(
            f"no link of the {entry.from_code}->{entry.to_code} package worked: " + "; ".join(map(str, failures))
        )
    for skipped in failures:
        log.warning("%s (used the next link)", skipped)
    return link


DOWNLOAD_PREFIX = ".download-"


def _worst(failures: list[TranslateToolError]) -> type[TranslateToolError]:
    """The exit code of a failed install: damaged data (2) over network trouble (1) over links
    we do not follow (2, the index offers nothing usable)."""
    for kind in (PackageError, NetworkError):
        if any(isinstance(f, kind) for f in failures):
            return kind
    return InputError
