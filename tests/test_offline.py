"""Export with an installed model must work with networking disabled.

Two independent guards, both real: a Python audit hook that fails the process on any socket
creation, connect or DNS lookup, and (where the kernel lets us) a fresh network namespace
with no interfaces at all via `unshare --net`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

GUARD = r"""
import sys
def guard(event, args):
    if event in ("socket.__new__", "socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "urllib.Request"):
        sys.stderr.write(f"NETWORK ACCESS: {event} {args!r}\n")
        sys.stderr.flush()
        import os
        os._exit(99)
sys.addaudithook(guard)
from translate_tool.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        ARGOS_PACKAGES_DIR=str(home / "packages"),
        TRANSLATE_TOOL_TM=str(home / "tm.sqlite3"),
    )
    return env


def _unshare_works() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "--net", "--map-root-user", "true"], capture_output=True)
    if probe.returncode != 0:
        probe = subprocess.run(["unshare", "--net", "true"], capture_output=True)
        return probe.returncode == 0
    return True


def test_guard_really_catches_network_use(tmp_path):
    """The guard must be able to fail: a download attempt trips it."""
    env = _env(tmp_path)
    env["ARGOS_PACKAGE_INDEX"] = "http://127.0.0.1:9/"
    result = subprocess.run(
        [sys.executable, "-c", GUARD, "models", "install", "--from-index"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 99 and "NETWORK ACCESS" in result.stderr


@pytest.mark.parametrize("source", ["seed.txt", "page.html"])
@pytest.mark.parametrize("isolation", ["audit-hook", "network-namespace"])
def test_export_offline(tmp_path, seed_path, synthetic_model, isolation, source):
    """The seed, and the seed as a saved web page full of external images, CSS, scripts and iframes."""
    if source == "page.html":
        from pages import EXTERNAL, page_bytes

        data = page_bytes("portal")
        assert data.count(EXTERNAL.encode()) >= 10  # resources a browser would fetch
        seed_path = tmp_path / source
        seed_path.write_bytes(data)
    env = _env(tmp_path)
    prefix: list[str] = []
    if isolation == "network-namespace":
        if not _unshare_works():
            pytest.skip("unshare --net is not permitted here; the audit-hook variant still runs")
        prefix = ["unshare", "--net"]
    install = subprocess.run(
        [*prefix, sys.executable, "-c", GUARD, "models", "install", str(synthetic_model)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr
    result = subprocess.run(
        [*prefix, sys.executable, "-c", GUARD, "export", str(seed_path), "--out-dir", str(tmp_path / "out")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "NETWORK ACCESS" not in result.stderr
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".docx", ".md"]
