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
from .safezip import UntrustedZip, open_untrusted

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


def _check_package(guard: UntrustedZip) -> str:
    """The guard's checks plus the package shape: one top folder holding metadata.json."""
    guard.check_paths()
    members = guard.members
    if not members:
        raise PackageError(f"{guard.source}: empty archive")
    tops = {PurePosixPath(m.filename).parts[0] for m in members}
    if len(tops) != 1 or not any(PurePosixPath(m.filename).parts[1:] == ("metadata.json",) for m in members):
        raise PackageError(f"{guard.source}: not an Argos package (expected one folder with metadata.json)")
    return tops.pop()


def _open_package(source: Path):
    return open_untrusted(
        source, PackageError, "package", max_total=MAX_UNPACKED_BYTES, max_part=MAX_UNPACKED_BYTES
    )


def unpack(source: Path, dest_root: Path) -> Path:
    """Extract an .argosmodel into dest_root safely and atomically; return the package folder."""
    if not source.is_file():
        raise PackageError(f"{source}: no such file")
    if not zipfile.is_zipfile(source):
        raise PackageError(f"{source}: not an Argos package (not a zip archive)")
    dest_root.mkdir(parents=True, exist_ok=True)
    with _open_package(source) as guard:
        top = _check_package(guard)
        staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=dest_root))
        try:
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
            shutil.rmtree(staging, ignore_errors=True)
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
    with _open_package(path) as guard:
        top = _check_package(guard)
        try:
            meta = json.loads(guard.read(f"{top}/metadata.json"))
        except (ValueError, KeyError) as exc:
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
