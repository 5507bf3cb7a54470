"""Argos packages: find the installed ones, install from a file, download from the index.

This module reads the package layout itself instead of importing `argostranslate.package`:
that module's settings create folders in $HOME at import time and its install step
extracts zips without checking paths or sizes. The on-disk layout is the same, so packages
installed here are visible to argostranslate and the other way round.

Nothing here touches the network except `install_from_index`, which the user asks for.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import ModelError, NetworkError, PackageError

log = logging.getLogger(__name__)

DEFAULT_INDEX = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/"
# A real ar->en package is about 100 MB packed and a little more unpacked; anything that
# unpacks to more than this is refused before a byte is written.
MAX_UNPACKED_BYTES = 2 * 1024**3
MAX_MEMBERS = 10_000
MAX_RATIO = 200  # a model compresses ~1.1x; a zip bomb compresses thousands of times


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
        return f"{self.code} {self.version}".strip()

    @property
    def model_dir(self) -> Path:
        return self.path / "model"


def packages_dir() -> Path:
    """Where argostranslate keeps installed packages; ARGOS_PACKAGES_DIR overrides it."""
    if os.environ.get("ARGOS_PACKAGES_DIR"):
        return Path(os.environ["ARGOS_PACKAGES_DIR"])
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "argos-translate" / "packages"


def load_package(path: Path) -> Package:
    """Read an extracted package folder's metadata; refuse folders that cannot translate."""
    meta_path = path / "metadata.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PackageError(f"{path}: not an Argos package (no metadata.json)") from None
    except (OSError, ValueError) as exc:
        raise PackageError(f"{path}: unreadable metadata.json ({exc})") from None
    if not isinstance(meta, dict):
        raise PackageError(f"{path}: metadata.json is not an object")
    if not (path / "model" / "model.bin").exists():
        raise PackageError(f"{path}: package has no CTranslate2 model (model/model.bin)")
    if not any((path / name).exists() for name in ("sentencepiece.model", "bpe.model")):
        raise PackageError(f"{path}: package has no tokenizer (sentencepiece.model or bpe.model)")
    return _from_metadata(path, meta)


def _from_metadata(path: Path, meta: dict) -> Package:
    from_code, to_code = meta.get("from_code", ""), meta.get("to_code", "")
    return Package(
        path=path,
        code=meta.get("code") or f"{meta.get('type', 'translate')}-{from_code}_{to_code}",
        version=str(meta.get("package_version", "")),
        from_code=from_code,
        to_code=to_code,
        target_prefix=meta.get("target_prefix", "") or "",
    )


def installed_packages(root: Path | None = None) -> list[Package]:
    root = root or packages_dir()
    if not root.is_dir():
        return []
    found = []
    for child in sorted(root.iterdir()):
        if child.is_dir() and (child / "metadata.json").exists():
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
    return max(matches, key=lambda p: _version_key(p.version))


def _version_key(version: str) -> tuple:
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


# --- unpacking ---------------------------------------------------------------------------


def _safe_members(archive: zipfile.ZipFile, source: Path) -> tuple[str, list[zipfile.ZipInfo]]:
    """Check every member before extracting anything: one top folder, no escapes, sane sizes."""
    members = archive.infolist()
    if not members:
        raise PackageError(f"{source}: empty archive")
    if len(members) > MAX_MEMBERS:
        raise PackageError(f"{source}: {len(members)} files in the archive; refusing")
    total = 0
    packed = 0
    tops = set()
    for info in members:
        name = info.filename
        parts = PurePosixPath(name).parts
        if name.startswith(("/", "\\")) or "\\" in name or ".." in parts or (parts and ":" in parts[0]):
            raise PackageError(f"{source}: unsafe path in archive: {name!r}")
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise PackageError(f"{source}: archive contains a symbolic link: {name!r}")
        tops.add(parts[0])
        total += info.file_size
        packed += info.compress_size
    if total > MAX_UNPACKED_BYTES:
        raise PackageError(
            f"{source}: unpacks to {total / 1e9:.1f} GB; refusing (limit {MAX_UNPACKED_BYTES / 1e9:.0f} GB)"
        )
    if total > 50 * 1024**2 and total > MAX_RATIO * max(packed, 1):
        raise PackageError(
            f"{source}: compression ratio {total / max(packed, 1):.0f}:1 looks like a zip bomb"
        )
    if len(tops) != 1 or not any(PurePosixPath(m.filename).parts[1:] == ("metadata.json",) for m in members):
        raise PackageError(f"{source}: not an Argos package (expected one folder with metadata.json)")
    return tops.pop(), members


def unpack(source: Path, dest_root: Path) -> Path:
    """Extract an .argosmodel into dest_root safely and atomically; return the package folder."""
    if not source.is_file():
        raise PackageError(f"{source}: no such file")
    if not zipfile.is_zipfile(source):
        raise PackageError(f"{source}: not an Argos package (not a zip archive)")
    dest_root.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(source) as archive:
            top, members = _safe_members(archive, source)
            staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=dest_root))
            try:
                written = 0
                for info in members:
                    target = staging / info.filename
                    if info.is_dir():
                        target.mkdir(parents=True, exist_ok=True)
                        continue
                    target.parent.mkdir(parents=True, exist_ok=True)
                    # Count real bytes too: the sizes in the directory can lie.
                    with archive.open(info) as src, open(target, "wb") as out:
                        while chunk := src.read(1 << 20):
                            written += len(chunk)
                            if written > MAX_UNPACKED_BYTES:
                                raise PackageError(f"{source}: unpacks to more than declared; refusing")
                            out.write(chunk)
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
                shutil.rmtree(staging, ignore_errors=True)
    except zipfile.BadZipFile as exc:
        raise PackageError(f"{source}: damaged archive ({exc})") from None
    return load_package(final)


def install_file(source: Path, root: Path | None = None) -> Package:
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
    try:
        with zipfile.ZipFile(path) as archive:
            top, _ = _safe_members(archive, path)
            meta = json.loads(archive.read(f"{top}/metadata.json"))
    except (zipfile.BadZipFile, ValueError, KeyError) as exc:
        raise PackageError(f"{path}: damaged package ({exc})") from None
    if not isinstance(meta, dict):
        raise PackageError(f"{path}: metadata.json is not an object")
    return _from_metadata(path, meta)


def open_model(path: Path, scratch: Path) -> Package:
    """`--model PATH`: an extracted package folder, or an .argosmodel unpacked into scratch."""
    if path.is_dir():
        return load_package(path)
    if not path.exists():
        raise PackageError(f"{path}: no such model file or folder")
    return unpack(path, scratch)


# --- the package index (online, only on request) -----------------------------------------


def index_url() -> str:
    base = os.environ.get("ARGOS_PACKAGE_INDEX", DEFAULT_INDEX)
    return base if base.endswith(".json") else base.rstrip("/") + "/index.json"


def _fetch(url: str, timeout: float = 60) -> bytes:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read()
    except (OSError, ValueError) as exc:  # ValueError: a URL urllib cannot use
        raise NetworkError(f"cannot download {url}: {getattr(exc, 'reason', exc)}") from None


def _download(url: str, dest: Path, progress: Callable[[int, int], None] | None) -> None:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(dest, "wb") as out:
            size = int(response.headers.get("Content-Length") or 0)
            done = 0
            while chunk := response.read(1 << 20):
                out.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done, size)
    except (OSError, ValueError) as exc:
        raise NetworkError(f"cannot download {url}: {getattr(exc, 'reason', exc)}") from None


def install_from_index(
    from_code: str = "ar",
    to_code: str = "en",
    root: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Package:
    """Download the from->to package listed in the Argos index and install it."""
    url = index_url()
    try:
        index = json.loads(_fetch(url))
    except ValueError:
        raise NetworkError(f"{url}: the package index is not valid JSON") from None
    entries = [
        e
        for e in index
        if isinstance(e, dict) and e.get("from_code") == from_code and e.get("to_code") == to_code
    ]
    if not entries:
        raise ModelError(f"the package index at {url} lists no {from_code}->{to_code} package")
    entry = max(entries, key=lambda e: _version_key(str(e.get("package_version", ""))))
    links = entry.get("links") or []
    if not links:
        raise ModelError(f"the index entry for {from_code}->{to_code} has no download link")
    root = root or packages_dir()
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix=".download-") as tmp:
        dest = Path(tmp) / "package.argosmodel"
        errors = []
        for link in links:
            try:
                _download(link, dest, progress)
                break
            except NetworkError as exc:
                errors.append(str(exc))
        else:
            raise NetworkError("; ".join(errors))
        return install_file(dest, root)
