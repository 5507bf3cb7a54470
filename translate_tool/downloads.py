"""Downloads the user asked for: http(s) only, bounded in size and time, verified, never half-kept.

Policy, in one place:
- Package links must be https. Plain http is accepted only to a loopback host (127.0.0.0/8,
  ::1, localhost: the bytes never leave the machine, so nobody can change them on the way)
  or with `--allow-http` (`allow_http=True`), which logs a warning when there is no checksum.
  Every redirect hop is held to the same rule, so https cannot be redirected to http, ftp or
  file://.
- `file://` (or a plain path) is read only for the index location the user gave themselves
  (`user_given=True`); an index can never make us read a local file.
- Sizes: the declared Content-Length if there is one, never more than the caller's limit
  (2 GB for a package, 20 MB for the index); a body longer than either is cut off and refused.
- Every read has a timeout, so a server that stops sending cannot hang the command.
- The body is streamed to a temporary file beside the destination and renamed into place
  only when it is whole and its SHA-256 matches (when one is known).
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import logging
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from .errors import InputError, NetworkError, PackageError
from .signals import deferred

log = logging.getLogger(__name__)

MAX_PACKAGE_BYTES = 2 * 1024**3
MAX_INDEX_BYTES = 20 * 1024**2
READ_TIMEOUT = 60.0  # seconds without a byte before a download is given up
CHUNK = 1 << 16


class UnsupportedLink(InputError):
    """A link we do not follow (ipfs://, file:// in an index, plain http to another host)."""


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_link(url: str, allow_http: bool = False) -> str:
    """The URL if we may fetch it from the network, else UnsupportedLink saying why."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise UnsupportedLink(f"{_short(url)}: not a valid link") from None
    scheme = parts.scheme.lower()
    if scheme == "https":
        return url
    if scheme == "http":
        if _is_loopback(host) or allow_http:
            return url
        raise UnsupportedLink(f"{url}: plain http is refused (use https, or pass --allow-http)")
    raise UnsupportedLink(f"{_short(url)}: only http(s) links are supported")


def _short(url: str, limit: int = 120) -> str:
    return url if len(url) <= limit else url[:limit] + "…"


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to a link `check_link` accepts; urllib still stops loops."""

    def __init__(self, allow_http: bool):
        self.allow_http = allow_http

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        try:
            check_link(newurl, self.allow_http)
        except UnsupportedLink as exc:
            raise NetworkError(f"{req.full_url} redirects to {exc}") from None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _open(url: str, allow_http: bool):
    check_link(url, allow_http)
    opener = urllib.request.build_opener(_CheckedRedirects(allow_http))
    request = urllib.request.Request(url, headers={"User-Agent": "translate-tool"})
    return opener.open(request, timeout=READ_TIMEOUT)


def _network_error(url: str, exc: BaseException) -> NetworkError:
    if isinstance(exc, urllib.error.HTTPError):
        reason = f"HTTP {exc.code} {exc.reason}"
        if "infinite loop" in str(exc.reason):
            reason = f"HTTP {exc.code}: redirect loop (infinite loop)"
    elif isinstance(exc, TimeoutError):
        reason = f"no data for {READ_TIMEOUT:g} s (timed out)"
    else:
        reason = getattr(exc, "reason", None) or exc
    # Reasons can come from the server: keep them to one short line.
    return NetworkError(f"cannot download {_short(url)}: {_short(' '.join(str(reason).split()), 200)}")


def _declared_size(response, url: str, limit: int) -> int | None:
    value = response.headers.get("Content-Length")
    if value is None:
        return None
    try:
        size = int(value.strip())
    except ValueError:
        raise NetworkError(f"cannot download {_short(url)}: invalid Content-Length {value[:40]!r}") from None
    if size < 0 or size > limit:
        raise NetworkError(
            f"cannot download {_short(url)}: the server announces {size} bytes, over the {_mb(limit)} limit"
        )
    return size


def _mb(n: int) -> str:
    return f"{n / 1024**3:g} GB" if n >= 1024**3 else f"{n / 1024**2:g} MB"


def _stream(response, url: str, limit: int, out, progress: Callable[[int, int], None] | None) -> str:
    """Copy the body into `out`, bounded; return its SHA-256."""
    declared = _declared_size(response, url, limit)
    cap = limit if declared is None else declared
    digest = hashlib.sha256()
    done = 0
    while chunk := response.read(CHUNK):
        done += len(chunk)
        if done > cap:
            raise NetworkError(f"cannot download {_short(url)}: the body is over the {_mb(limit)} limit")
        digest.update(chunk)
        out.write(chunk)
        if progress:
            progress(done, declared or 0)
    if declared is not None and done < declared:
        raise NetworkError(
            f"cannot download {_short(url)}: the connection ended after {done} of {declared} bytes"
        )
    return digest.hexdigest()


def download(
    url: str,
    dest: Path,
    limit: int = MAX_PACKAGE_BYTES,
    *,
    sha256: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    allow_http: bool = False,
) -> None:
    """Fetch url into dest; dest appears only whole and verified, and nothing else stays behind."""
    check_link(url, allow_http)
    tmp: str | None = None
    try:
        with deferred():  # a stop signal cannot fall between creating the file and remembering it
            fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        with os.fdopen(fd, "wb") as out:
            try:
                with _open(url, allow_http) as response:
                    actual = _stream(response, url, limit, out, progress)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                raise _network_error(url, exc) from None
        if sha256 is not None and actual != sha256.lower():
            raise PackageError(f"{_short(url)}: SHA-256 is {actual}, expected {sha256.lower()}")
        if sha256 is None and urllib.parse.urlsplit(url).scheme == "http" and allow_http:
            log.warning("downloaded %s over plain http without a checksum", _short(url))
        os.replace(tmp, dest)
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise


def fetch_bytes(url: str, limit: int, *, allow_http: bool = False, user_given: bool = False) -> bytes:
    """A small document (the index) in memory, never more than `limit` bytes.

    `user_given`: the location came from the user (option or environment), so a local path
    or file:// URL is read too.
    """
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        raise InputError(f"{_short(url)}: not a valid link or path") from None
    if user_given and (parts.scheme in ("", "file") or len(parts.scheme) == 1):  # C:\ is a path
        path = Path(urllib.request.url2pathname(parts.path) if parts.scheme == "file" else url)
        try:
            with open(path, "rb") as handle:
                data = handle.read(limit + 1)
        except OSError as exc:
            raise InputError(f"{path}: cannot read the package index ({exc.strerror or exc})") from None
        if len(data) > limit:
            raise InputError(f"{path}: the package index is over the {_mb(limit)} limit")
        return data

    class _Buffer:
        def __init__(self) -> None:
            self.parts: list[bytes] = []

        def write(self, chunk: bytes) -> None:
            self.parts.append(chunk)

    buffer = _Buffer()
    try:
        with _open(url, allow_http) as response:
            _stream(response, url, limit, buffer, None)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise _network_error(url, exc) from None
    return b"".join(buffer.parts)
