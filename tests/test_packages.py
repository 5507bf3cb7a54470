"""Installing packages: from a file, from an index on a real local HTTP server, and refusing hostile zips."""

from __future__ import annotations

import http.server
import io
import json
import threading
import zipfile
from pathlib import Path

import pytest

from translate_tool.errors import ModelError, NetworkError, PackageError
from translate_tool.packages import (
    find_installed,
    install_file,
    install_from_index,
    installed_packages,
    open_model,
    unpack,
)

META = {"package_version": "1.9", "from_code": "ar", "to_code": "en", "type": "translate"}


def make_package(path: Path, top: str = "translate-ar_en-1_9", meta: dict | None = None, extra=()) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{top}/metadata.json", json.dumps(meta or META))
        z.writestr(f"{top}/model/model.bin", b"\0" * 64)
        z.writestr(f"{top}/sentencepiece.model", b"sp")
        for name, data in extra:
            z.writestr(name, data)
    return path


def test_install_and_find(tmp_path):
    root = tmp_path / "packages"
    package = install_file(make_package(tmp_path / "p.argosmodel"), root)
    assert package.path == root / "translate-ar_en-1_9"
    assert (package.from_code, package.to_code, package.version) == ("ar", "en", "1.9")
    assert find_installed("ar", "en", root) == package
    assert [p.path for p in installed_packages(root)] == [package.path]
    # no staging folders left behind
    assert sorted(p.name for p in root.iterdir()) == ["translate-ar_en-1_9"]


def test_env_var_is_honoured(tmp_path, monkeypatch):
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(tmp_path / "pk"))
    install_file(make_package(tmp_path / "p.argosmodel"))
    assert find_installed().path.parent == tmp_path / "pk"


def test_missing_model_names_the_commands(tmp_path):
    with pytest.raises(ModelError, match=r"models install --from-index.*models install FILE\.argosmodel"):
        find_installed("ar", "en", tmp_path)


def test_not_a_zip(tmp_path):
    bad = tmp_path / "bad.argosmodel"
    bad.write_bytes(b"this is not a zip file")
    with pytest.raises(PackageError, match="not a zip"):
        unpack(bad, tmp_path / "root")


@pytest.mark.parametrize(
    "evil",
    ["../evil.txt", "translate-ar_en-1_9/../../evil.txt", "/tmp/evil.txt", "C:/evil.txt"],
)
def test_zip_slip_is_refused_and_nothing_written(tmp_path, evil):
    root = tmp_path / "a" / "root"
    archive = make_package(tmp_path / "slip.argosmodel", extra=[(evil, b"pwned")])
    with pytest.raises(PackageError, match="unsafe path"):
        unpack(archive, root)
    assert not list(tmp_path.rglob("evil.txt"))
    assert not root.exists() or not any(root.iterdir())


def test_zip_bomb_is_refused_before_extracting(tmp_path, monkeypatch):
    import translate_tool.packages as packages

    monkeypatch.setattr(packages, "MAX_UNPACKED_BYTES", 10 * 1024**2)
    archive = tmp_path / "bomb.argosmodel"
    make_package(archive)
    with (
        zipfile.ZipFile(archive, "a", zipfile.ZIP_DEFLATED) as z,
        z.open("translate-ar_en-1_9/model/huge.bin", "w", force_zip64=True) as handle,
    ):
        for _ in range(20):
            handle.write(b"\0" * (1 << 20))
    assert archive.stat().st_size < 200_000
    with pytest.raises(PackageError, match="unpacks to"):
        unpack(archive, tmp_path / "root")
    assert not (tmp_path / "root" / "translate-ar_en-1_9").exists()


def test_not_a_package(tmp_path):
    archive = tmp_path / "x.argosmodel"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(PackageError, match="not an Argos package"):
        unpack(archive, tmp_path / "root")


def test_package_without_model_is_refused_and_old_install_kept(tmp_path):
    root = tmp_path / "root"
    install_file(make_package(tmp_path / "good.argosmodel"), root)
    broken = tmp_path / "broken.argosmodel"
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("translate-ar_en-1_9/metadata.json", json.dumps(META))
    with pytest.raises(PackageError, match="model.bin"):
        install_file(broken, root)
    assert (root / "translate-ar_en-1_9" / "model" / "model.bin").exists()


def test_open_model_folder_and_file(tmp_path):
    archive = make_package(tmp_path / "p.argosmodel")
    package = open_model(archive, tmp_path / "scratch")
    assert package.path.parent == tmp_path / "scratch"
    assert open_model(package.path, tmp_path / "other").path == package.path
    with pytest.raises(PackageError, match="no such"):
        open_model(tmp_path / "missing.argosmodel", tmp_path / "scratch")


class _Index:
    """A real HTTP server on 127.0.0.1 serving an index.json and a package."""

    def __init__(self, files: dict[str, bytes]):
        files = dict(files)

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the stdlib's name
                body = files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.files = files
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _package_bytes(tmp_path: Path) -> bytes:
    return make_package(tmp_path / "served.argosmodel").read_bytes()


def test_install_from_index_over_http(tmp_path, monkeypatch):
    data = _package_bytes(tmp_path)
    with _Index({}) as server:
        index = [
            {**META, "from_code": "en", "to_code": "ar", "links": [server.url + "/wrong"]},
            {**META, "links": [server.url + "/missing", server.url + "/ar_en.argosmodel"]},
        ]
        server.files["/index.json"] = json.dumps(index).encode()
        server.files["/ar_en.argosmodel"] = data
        monkeypatch.setenv("ARGOS_PACKAGE_INDEX", server.url + "/")
        seen = []
        package = install_from_index(
            "ar", "en", root=tmp_path / "root", progress=lambda d, s: seen.append((d, s))
        )
    assert package.from_code == "ar" and package.to_code == "en"
    assert seen[-1] == (len(data), len(data))
    assert sorted(p.name for p in (tmp_path / "root").iterdir()) == ["translate-ar_en-1_9"]


def test_index_without_pair(tmp_path, monkeypatch):
    with _Index({"/index.json": json.dumps([{**META, "from_code": "fr"}]).encode()}) as server:
        monkeypatch.setenv("ARGOS_PACKAGE_INDEX", server.url)
        with pytest.raises(ModelError, match="lists no ar->en"):
            install_from_index(root=tmp_path / "root")


def test_unreachable_index(tmp_path, monkeypatch):
    with _Index({}) as server:
        url = server.url
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", url)  # the server is closed now
    with pytest.raises(NetworkError, match="cannot download"):
        install_from_index(root=tmp_path / "root")


def test_served_file_that_is_not_a_package(tmp_path, monkeypatch):
    with _Index({}) as server:
        server.files["/index.json"] = json.dumps([{**META, "links": [server.url + "/p"]}]).encode()
        server.files["/p"] = io.BytesIO(b"<html>captive portal</html>").getvalue()
        monkeypatch.setenv("ARGOS_PACKAGE_INDEX", server.url)
        with pytest.raises(PackageError, match="not a zip"):
            install_from_index(root=tmp_path / "root")
    assert not any((tmp_path / "root").iterdir())
