"""`models install --from-index` against real HTTP(S) servers on 127.0.0.1, honest and hostile.

The index entries have the real Argos index's shape (from_code, to_code, package_version,
argos_version, code, links with an https link and an ipfs:// one). The https server uses a
certificate made for the test and trusted through SSL_CERT_FILE, so TLS is real too.
Plain http to 127.0.0.1 is allowed (loopback never leaves the machine); see downloads.py.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import ssl
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import run_cli
from test_packages import META, make_package

from translate_tool import downloads
from translate_tool.downloads import UnsupportedLink, check_link
from translate_tool.errors import ModelError, NetworkError, PackageError
from translate_tool.packages import install_file, install_from_index

Route = Callable[[http.server.BaseHTTPRequestHandler], None]


def body(data: bytes, length: int | None = None) -> Route:
    def send(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(data) if length is None else length))
        handler.end_headers()
        handler.wfile.write(data)

    return send


def endless(handler) -> None:
    """No Content-Length, and zeros until the client hangs up."""
    handler.send_response(200)
    handler.end_headers()
    zeros = b"\0" * 65536
    try:
        while True:
            handler.wfile.write(zeros)
    except OSError:
        pass


def redirect(to: str) -> Route:
    def send(handler):
        handler.send_response(302)
        handler.send_header("Location", to)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return send


class Server:
    """A threaded HTTP (or HTTPS) server on 127.0.0.1; `routes` maps a path to bytes or a Route."""

    def __init__(self, context: ssl.SSLContext | None = None):
        self.routes: dict[str, bytes | Route] = {}
        self.hits: list[str] = []
        self.release = threading.Event()  # lets a stalling route go at teardown
        routes, hits = self.routes, self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the stdlib's name
                hits.append(self.path)
                route = routes.get(self.path)
                if route is None:
                    self.send_error(404)
                elif isinstance(route, bytes):
                    body(route)(self)
                else:
                    route(self)

            def log_message(self, *args):
                pass

        class Quiet(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # the client hanging up on an endless body is the point of some tests

        self.server = Quiet(("127.0.0.1", 0), Handler)
        if context is not None:
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        scheme = "https" if context else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server():
    with Server() as s:
        yield s


@pytest.fixture(scope="session")
def certificate(tmp_path_factory) -> Path:
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make the test certificate")
    where = tmp_path_factory.mktemp("tls")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(where / "key.pem")]
        + ["-out", str(where / "cert.pem")],
        check=True,
        capture_output=True,
    )
    return where


@pytest.fixture
def tls_server(certificate, monkeypatch):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate / "cert.pem", certificate / "key.pem")
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate / "cert.pem"))  # the client trusts it
    with Server(context) as s:
        yield s


def argos_entry(links: list[str], **changes) -> dict:
    """An index entry exactly as the real Argos index writes one."""
    entry = {
        "package_version": "1.9",
        "argos_version": "1.9",
        "from_code": "ar",
        "from_name": "Arabic",
        "to_code": "en",
        "to_name": "English",
        "code": "translate-ar_en",
        "type": "translate",
        "links": links,
    }
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not ...}


@pytest.fixture
def package_bytes(tmp_path) -> bytes:
    return make_package(tmp_path / "served.argosmodel", meta={**META, "package_version": "2.0"}).read_bytes()


@pytest.fixture
def good_install(tmp_path) -> Path:
    """A package already installed, which every failure must leave exactly as it is."""
    root = tmp_path / "home" / "packages"
    install_file(make_package(tmp_path / "good.argosmodel"), root)
    return root


def assert_untouched(root: Path) -> None:
    assert sorted(p.name for p in root.iterdir()) == ["translate-ar_en-1_9"]  # no .download-, no .part
    meta = json.loads((root / "translate-ar_en-1_9" / "metadata.json").read_text())
    assert meta["package_version"] == "1.9"


def install(capsys, index_url: str, *args) -> tuple[int, str, str]:
    """`models install --from-index` with the index named the way argostranslate users do."""
    os.environ["ARGOS_PACKAGE_INDEX"] = str(index_url)  # conftest clears it before every test
    return run_cli(capsys, "models", "install", "--from-index", *args)


def test_real_index_shape_over_https_with_ipfs_link(tls_server, capsys, package_bytes, good_install):
    s = tls_server
    s.routes["/index.json"] = json.dumps(
        [
            argos_entry([s.url + "/en_ar.argosmodel"], from_code="en", to_code="ar"),
            argos_entry(
                [s.url + "/translate-ar_en-2_0.argosmodel", "ipfs://QmSomeContentHash"],
                package_version="2.0",
                sha256=hashlib.sha256(package_bytes).hexdigest(),
            ),
            argos_entry([s.url + "/old.argosmodel"], package_version="1.10"),
        ]
    ).encode()
    s.routes["/translate-ar_en-2_0.argosmodel"] = package_bytes
    code, out, err = install(capsys, s.url + "/index.json")
    assert code == 0, err
    assert "installed translate-ar_en 2.0" in out and err == ""
    assert s.hits == ["/index.json", "/translate-ar_en-2_0.argosmodel"]  # newest, first link only
    assert sorted(p.name for p in good_install.iterdir()) == ["translate-ar_en-1_9"]
    meta = json.loads((good_install / "translate-ar_en-1_9" / "metadata.json").read_text())
    assert meta["package_version"] == "2.0"


def test_ipfs_and_file_links_are_skipped_with_a_note(tls_server, capsys, package_bytes, good_install):
    s = tls_server
    local = good_install.parent / "local.argosmodel"
    local.write_bytes(package_bytes)
    s.routes["/index.json"] = json.dumps(
        [argos_entry(["ipfs://QmX", local.as_uri(), "file:///dev/zero", s.url + "/p.argosmodel"])]
    ).encode()
    s.routes["/p.argosmodel"] = package_bytes
    code, out, err = install(capsys, s.url + "/index.json")
    assert code == 0, err
    assert err.count("only http(s) links are supported") == 3 and "ipfs://QmX" in err


def test_progress_is_reported(server, tmp_path, package_bytes):
    server.routes["/index.json"] = json.dumps([argos_entry([server.url + "/p"])]).encode()
    server.routes["/p"] = package_bytes
    seen = []
    install_from_index(root=tmp_path / "root", progress=lambda d, s: seen.append((d, s)), index=server.url)
    assert seen[-1] == (len(package_bytes), len(package_bytes))


def test_index_without_pair(server, tmp_path):
    server.routes["/index.json"] = json.dumps([argos_entry([], from_code="fr")]).encode()
    with pytest.raises(ModelError, match="lists no ar->en"):
        install_from_index(root=tmp_path / "root", index=server.url)


def test_unreachable_index(tmp_path, capsys, good_install):
    with Server() as s:
        url = s.url
    code, _, err = install(capsys, url)  # the server is closed now
    assert code == 1 and err.count("\n") == 1 and "cannot download" in err
    assert_untouched(good_install)


def test_served_file_that_is_not_a_package(server, capsys, good_install):
    server.routes["/index.json"] = json.dumps([argos_entry([server.url + "/p"])]).encode()
    server.routes["/p"] = b"<html>captive portal</html>"
    code, _, err = install(capsys, server.url + "/index.json")
    assert code == 2 and err.count("\n") == 1 and "not a zip" in err
    assert_untouched(good_install)


HOSTILE_INDEXES = {
    "top level is a number": (42, "must be a list of packages, not a number"),
    "top level is null": (None, "must be a list of packages, not null"),
    "top level is an object": ({"ar": "en"}, "must be a list of packages, not an object"),
    "entry is a string": (["translate-ar_en"], "entry 1: must be an object, not str"),
    "links is a number": ([argos_entry(7)], "entry 1: field 'links' must be a list, not a number"),
    "links holds a number": ([argos_entry([3])], "'links' item 1 must be text, not a number"),
    "links holds null": ([argos_entry([None])], "'links' item 1 must be text, not null"),
    "links holds an object": ([argos_entry([{"url": "x"}])], "'links' item 1 must be text, not an object"),
    "from_code is a number": ([argos_entry([], from_code=1)], "'from_code' must be text, not a number"),
    "version of 5,000 digits": (
        [argos_entry([], package_version="9" * 5000)],
        "'package_version' is 5000 characters",
    ),
    "version is a list": ([argos_entry([], package_version=[1, 9])], "'package_version' must be text"),
    "sha256 is not hex": ([argos_entry([], sha256="abc")], "'sha256' must be 64 hexadecimal digits"),
    "not JSON": (..., "is not valid JSON"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_INDEXES))
def test_hostile_index_shapes_exit_2_in_one_line(server, capsys, good_install, case):
    index, message = HOSTILE_INDEXES[case]
    server.routes["/index.json"] = b"[{" if index is ... else json.dumps(index).encode()
    code, out, err = install(capsys, server.url + "/index.json")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and message in err, err
    assert_untouched(good_install)


def test_odd_version_strings_in_the_index_compare_as_text(server, capsys, package_bytes, good_install):
    server.routes["/index.json"] = json.dumps(
        [
            argos_entry([server.url + "/odd"], package_version="1.²"),
            argos_entry([server.url + "/p"], package_version="2.0"),
        ]
    ).encode()
    server.routes["/p"] = package_bytes
    code, out, err = install(capsys, server.url + "/index.json")
    assert code == 0 and "2.0" in out, err


HOSTILE_DOWNLOADS = {
    # name: (routes to add, links, exit code, message)
    "endless body": ({"/p": endless}, ["/p"], 1, "over the 4 MB limit"),
    "announces 3 GB": ({"/p": body(b"PK", length=3 * 1024**3)}, ["/p"], 1, "announces 3221225472 bytes"),
    "Content-Length longer than the body": (
        {"/p": body(b"PK\3\4", length=1000)},
        ["/p"],
        1,
        "after 4 of 1000",
    ),
    "Content-Length shorter than the body": ({"/p": "short"}, ["/p"], 2, "not a zip"),
    "wrong checksum": ({"/p": "package"}, ["/p"], 2, "SHA-256 is"),
    "redirect loop": ({"/a": redirect("/b"), "/b": redirect("/a")}, ["/a"], 1, "infinite loop"),
    "redirect to file://": (
        {"/p": redirect("file:///etc/passwd")},
        ["/p"],
        1,
        "'file:///etc/passwd' is not allowed",
    ),
    "redirect to ftp": ({"/p": redirect("ftp://127.0.0.1/p")}, ["/p"], 1, "only http(s) links"),
    "only an ipfs link": ({}, ["ipfs://QmX"], 2, "ipfs://QmX: only http(s) links are supported"),
    "only file:// links": ({}, ["file:///dev/zero"], 2, "file:///dev/zero: only http(s) links"),
    "plain http to another host": ({}, ["http://192.0.2.1/p"], 2, "plain http is refused"),
    "404": ({}, ["/missing"], 1, "HTTP 404"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_DOWNLOADS))
def test_hostile_downloads_fail_in_one_line_and_leave_nothing(
    server, capsys, monkeypatch, package_bytes, good_install, case
):
    monkeypatch.setattr(downloads, "MAX_PACKAGE_BYTES", 4 * 1024**2)  # 2 GB of zeros is too slow a test
    routes, links, exit_code, message = HOSTILE_DOWNLOADS[case]
    for path, route in routes.items():
        if route == "short":
            route = body(package_bytes, length=len(package_bytes) // 2)
        elif route == "package":
            route = package_bytes
        server.routes[path] = route
    entry = argos_entry([server.url + link if link.startswith("/") else link for link in links])
    if case == "wrong checksum":
        entry["sha256"] = "ab" * 32
    server.routes["/index.json"] = json.dumps([entry]).encode()
    code, out, err = install(capsys, server.url + "/index.json")
    assert (code, out) == (exit_code, "")
    assert err.count("\n") == 1 and message in err, err
    assert_untouched(good_install)


def test_a_failing_link_falls_back_to_the_next(server, capsys, package_bytes, good_install):
    server.routes["/index.json"] = json.dumps(
        [
            argos_entry(
                [server.url + "/gone", server.url + "/p"], sha256=hashlib.sha256(package_bytes).hexdigest()
            )
        ]
    ).encode()
    server.routes["/p"] = package_bytes
    code, out, err = install(capsys, server.url + "/index.json")
    assert code == 0 and "2.0" in out
    assert "HTTP 404" in err and "used the next link" in err


def test_endless_index_is_cut_at_20_mb(server, capsys, good_install):
    server.routes["/index.json"] = endless
    code, _, err = install(capsys, server.url + "/index.json")
    assert code == 1 and err.count("\n") == 1 and "over the 20 MB limit" in err
    assert_untouched(good_install)


def test_stalled_server_times_out(server, capsys, monkeypatch, good_install):
    monkeypatch.setattr(downloads, "READ_TIMEOUT", 0.5)

    def stall(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", "100")
        handler.end_headers()
        handler.wfile.write(b"PK")
        handler.wfile.flush()
        server.release.wait()

    server.routes["/index.json"] = json.dumps([argos_entry([server.url + "/p"])]).encode()
    server.routes["/p"] = stall
    code, _, err = install(capsys, server.url + "/index.json")
    assert code == 1 and err.count("\n") == 1 and "timed out" in err
    assert_untouched(good_install)


def test_sha256_option_and_the_index_checksum(server, capsys, package_bytes, good_install):
    digest = hashlib.sha256(package_bytes).hexdigest()
    server.routes["/index.json"] = json.dumps([argos_entry([server.url + "/p"])]).encode()
    server.routes["/p"] = package_bytes
    code, _, err = install(capsys, server.url + "/index.json", "--sha256", "0" * 64)
    assert code == 2 and err.count("\n") == 1 and "SHA-256 is" in err
    assert_untouched(good_install)
    code, out, err = install(capsys, server.url + "/index.json", "--sha256", digest)
    assert code == 0 and "2.0" in out and "without verifying" not in err


def test_no_checksum_is_said(server, capsys, package_bytes):
    server.routes["/index.json"] = json.dumps([argos_entry([server.url + "/p"])]).encode()
    server.routes["/p"] = package_bytes
    code, _, err = install(capsys, server.url + "/index.json")
    assert code == 0 and "gives no checksum" in err


def test_index_from_a_local_path_the_user_gave(tmp_path, capsys, server, package_bytes):
    server.routes["/p"] = package_bytes
    index = tmp_path / "mirror" / "index.json"
    index.parent.mkdir()
    index.write_text(json.dumps([argos_entry([server.url + "/p"])]))
    for location in (index, index.parent, index.as_uri()):
        code, out, err = run_cli(capsys, "models", "install", "--index", location)
        assert code == 0 and "2.0" in out, err
    code, _, err = install(capsys, "file:///dev/zero")
    assert code == 2 and "over the 20 MB limit" in err


def test_the_link_policy():
    assert check_link("https://example.org/p") == "https://example.org/p"
    assert (
        check_link("http://127.0.0.1:8080/p")
        and check_link("http://[::1]/p")
        and check_link("http://localhost/p")
    )
    assert check_link("http://mirror.lan/p", allow_http=True)
    for bad in (
        "http://mirror.lan/p",
        "ipfs://Qm",
        "file:///etc/passwd",
        "ftp://x/p",
        "data:,x",
        "https://[::1",
    ):
        with pytest.raises(UnsupportedLink):
            check_link(bad)


def test_download_leaves_no_partial_file(server, tmp_path):
    server.routes["/p"] = body(b"abc", length=10)
    dest = tmp_path / "d" / "file.bin"
    dest.parent.mkdir()
    with pytest.raises(NetworkError):
        downloads.download(server.url + "/p", dest)
    server.routes["/q"] = b"abc"
    with pytest.raises(PackageError):
        downloads.download(server.url + "/q", dest, sha256="0" * 64)
    assert not any(dest.parent.iterdir())
    downloads.download(server.url + "/q", dest, sha256=hashlib.sha256(b"abc").hexdigest())
    assert [p.name for p in dest.parent.iterdir()] == ["file.bin"] and dest.read_bytes() == b"abc"


# --- the download line on a terminal -----------------------------------------------------------


def unsized(data: bytes) -> Route:
    """The body with no Content-Length: its end is the connection closing (HTTP/1.0)."""

    def send(handler):
        handler.send_response(200)
        handler.end_headers()
        handler.wfile.write(data)

    return send


def on_a_terminal(*args: str) -> tuple[int, str]:
    """Run the CLI with stderr on a pseudo-terminal, as a user at a shell sees it: (exit code, stderr)."""
    import pty
    import sys

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "translate_tool.cli", *args], stdout=subprocess.DEVNULL, stderr=slave
    )
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    return proc.wait(timeout=60), seen.decode()


def frames(err: str) -> list[list[str]]:
    """Each line of the terminal output as the texts it showed in turn (each `\\r` rewrites it)."""
    return [[f.replace("\x1b[K", "") for f in line.split("\r") if f] for line in err.split("\r\n") if line]


@pytest.fixture
def big_package(tmp_path) -> bytes:
    padding = ("translate-ar_en-1_9/padding.bin", os.urandom(3 * 1024 * 1024))  # random: deflate keeps it
    return make_package(
        tmp_path / "big.argosmodel", meta={**META, "package_version": "2.0"}, extra=[padding]
    ).read_bytes()


def test_a_download_without_a_size_shows_what_arrived_and_no_percentage(server, big_package, good_install):
    server.routes["/index.json"] = json.dumps([argos_entry([server.url + "/p"])]).encode()
    server.routes["/p"] = unsized(big_package)
    os.environ["ARGOS_PACKAGE_INDEX"] = server.url + "/index.json"
    code, err = on_a_terminal("models", "install", "--from-index")
    assert code == 0, err
    download, warning = frames(err)  # the warning on a line of its own, after the download's
    assert warning == [
        "WARNING: the index gives no checksum for translate-ar_en; installed without verifying it"
    ]
    assert len(download) > 10 and not any("%" in text or " of " in text for text in download)
    assert download[-1] == f"Downloading {len(big_package) / 1024**2:.1f} MB"
    assert download == sorted(download, key=lambda t: float(t.split()[1]))  # only ever grows


def test_a_download_that_falls_back_to_the_next_link_starts_a_new_line(server, big_package, good_install):
    server.routes["/index.json"] = json.dumps(
        [argos_entry([server.url + "/cut", server.url + "/p"])]
    ).encode()
    server.routes["/cut"] = body(big_package[: 2 * 1024 * 1024], length=len(big_package))  # ends part-way
    server.routes["/p"] = big_package
    os.environ["ARGOS_PACKAGE_INDEX"] = server.url + "/index.json"
    code, err = on_a_terminal("models", "install", "--from-index")
    assert code == 0, err
    first, second, (cut,), (unchecked,) = frames(err)  # each message on a line of its own
    assert cut.startswith("WARNING: cannot download") and cut.endswith("(used the next link)")
    assert unchecked.startswith("WARNING: the index gives no checksum")
    size = f"{len(big_package) / 1024**2:.1f} MB"
    assert first[-1] == f"Downloading 2.0 of {size} ({2 * 1024 * 1024 * 100 // len(big_package)}%)"
    assert second[0].startswith("Downloading 0.") and second[-1] == f"Downloading {len(big_package) / 1024**2:.1f} of {size} (100%)"
    assert all(int(t.rsplit("(", 1)[1].rstrip("%)")) <= 100 for t in first + second)
