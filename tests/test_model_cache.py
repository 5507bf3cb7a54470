"""The unpacked-model cache: one unpack per package content, published atomically, swept after kills."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from test_packages import HOSTILE_METADATA, _meta, make_package

from translate_tool import model_cache
from translate_tool.errors import PackageError
from translate_tool.model_cache import TMP_PREFIX, cache_root, open_cached

ROOT = Path(__file__).resolve().parent.parent


def entries(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name != "stamps")


def test_cache_lives_in_the_user_cache_folder(isolated_home):
    assert cache_root() == isolated_home / ".cache" / "translate-tool" / "models"


def test_second_open_unpacks_nothing_and_skips_hashing(tmp_path, monkeypatch):
    archive = make_package(tmp_path / "p.argosmodel")
    root = tmp_path / "cache"
    first = open_cached(archive, root)
    assert len(entries(root)) == 1 and first.path.parent.name == entries(root)[0]
    inode = first.model_dir.joinpath("model.bin").stat().st_ino

    def no_unpack(*args):
        raise AssertionError("unpacked again")

    hashed = []
    real_hash = model_cache.file_sha256
    monkeypatch.setattr(model_cache, "unpack", no_unpack)
    monkeypatch.setattr(model_cache, "file_sha256", lambda p: hashed.append(p) or real_hash(p))
    again = open_cached(archive, root)
    assert again == first and again.model_dir.joinpath("model.bin").stat().st_ino == inode
    assert hashed == []  # the size+mtime stamp answered

    copy = tmp_path / "renamed copy.argosmodel"
    shutil.copy(archive, copy)  # another path, same content: hashed once, same entry
    assert open_cached(copy, root).path == first.path and hashed == [copy]


def test_changed_content_gets_a_new_entry(tmp_path):
    archive = make_package(tmp_path / "p.argosmodel")
    root = tmp_path / "cache"
    first = open_cached(archive, root)
    stat = archive.stat()
    make_package(archive, meta={**_meta({}), "package_version": "2.0"})
    os.utime(archive, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime: ctime and content differ
    second = open_cached(archive, root)
    assert second.version == "2.0" and second.path != first.path and len(entries(root)) == 2


def test_damaged_entry_is_replaced(tmp_path):
    archive = make_package(tmp_path / "p.argosmodel")
    root = tmp_path / "cache"
    package = open_cached(archive, root)
    (package.model_dir / "model.bin").unlink()
    assert open_cached(archive, root).model_dir.joinpath("model.bin").exists()
    assert len(entries(root)) == 1


def test_leftovers_of_dead_processes_are_swept_at_start(tmp_path):
    root = tmp_path / "cache"
    root.mkdir()
    # A real process makes its work folder and dies without cleaning up, as after kill -9.
    code = "import os, sys, tempfile; tempfile.mkdtemp(prefix=f'.tmp-{os.getpid()}-', dir=sys.argv[1])"
    subprocess.run([sys.executable, "-c", code, str(root)], check=True)
    (leftover,) = root.iterdir()
    (leftover / "translate-ar_en-1_9").mkdir()
    mine = root / f".tmp-{os.getpid()}-busy"  # a live process's work is left alone
    mine.mkdir()
    open_cached(make_package(tmp_path / "p.argosmodel"), root)
    assert not leftover.exists() and mine.exists()


@pytest.mark.parametrize("case", ["target_prefix is a number", "version of 5,000 digits"])
def test_hostile_package_leaves_no_unpacked_folder(tmp_path, case):
    bad = make_package(tmp_path / "bad.argosmodel", meta=_meta(HOSTILE_METADATA[case][0]))
    root = tmp_path / "cache"
    with pytest.raises(PackageError):
        open_cached(bad, root)
    assert entries(root) == []


def test_package_broken_after_the_metadata_check_leaves_nothing(tmp_path):
    bad = tmp_path / "bad.argosmodel"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("translate-ar_en-1_9/metadata.json", '{"from_code": "ar", "to_code": "en"}')
    with pytest.raises(PackageError, match="model.bin"):
        open_cached(bad, tmp_path / "cache")
    assert entries(tmp_path / "cache") == []


def test_second_export_writes_nothing_to_tmpdir(tmp_path, synthetic_model, seed_path, isolated_home):
    """Two real `export --model FILE` processes: TMPDIR is never written (its mtime stays)."""
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    env = {**os.environ, "TMPDIR": str(tmpdir), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "translate_tool.cli", "-v", "export", str(seed_path)]
    command += ["--model", str(synthetic_model), "--out-dir", str(tmp_path / "out"), "--no-tm"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "unpacking" in first.stderr
    before = tmpdir.stat().st_mtime_ns
    second = subprocess.run(command, env=env, capture_output=True, text=True, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "from the cache" in second.stderr and "unpacking" not in second.stderr
    assert tmpdir.stat().st_mtime_ns == before and not any(tmpdir.iterdir())
    assert len(entries(cache_root())) == 1


def test_entries_unused_for_a_month_are_removed(tmp_path):
    root = tmp_path / "cache"
    old = open_cached(make_package(tmp_path / "old.argosmodel", meta=_meta({"package_version": "1.0"})), root)
    month_ago = old.path.parent.stat().st_mtime - 31 * 86400
    os.utime(old.path.parent, (month_ago, month_ago))
    current = make_package(tmp_path / "new.argosmodel")
    assert open_cached(current, root).version == "1.9"
    assert entries(root) == [open_cached(current, root).path.parent.name]


def test_stopped_while_unpacking_leaves_no_half_entry(tmp_path, synthetic_model, seed_path):
    """SIGTERM the moment the child creates its work folder in the cache (inotify, no sleeps).

    Issue 13's signal handling unwinds the run, so the work folder goes; had the unpack already
    finished, the entry is whole. Either way no `.tmp-*` stays and TMPDIR is untouched.
    """
    import signal

    from fswatch import FolderWatch

    from translate_tool.packages import load_package

    root = cache_root()
    root.mkdir(parents=True)
    (tmp_path / "tmpdir").mkdir()
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmpdir"), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "translate_tool.cli", "export", str(seed_path), "--no-tm"]
    command += ["--model", str(synthetic_model), "--out-dir", str(tmp_path / "out")]
    with FolderWatch(root) as watch:
        child = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        watch.wait_for(lambda name: name.startswith(TMP_PREFIX))
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=120)
    assert child.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err and err.strip().splitlines()[-1].startswith("interrupted by SIGTERM")
    assert not [p for p in root.iterdir() if p.name.startswith(TMP_PREFIX)]
    for entry in entries(root):
        (folder,) = (root / entry).iterdir()
        load_package(folder)
    assert not any((tmp_path / "tmpdir").iterdir())


# Not process ids: str.isdigit() is true for "²", "①" and "١٢", and int() refuses the first two;
# a stray name like these once ended every export (and install) in a ValueError traceback.
ODD_NAMES = ["²", "①", "١٢", "12a", "", "-1"]


@pytest.mark.parametrize("odd", ODD_NAMES)
def test_a_leftover_whose_name_holds_no_process_id_is_left_alone(tmp_path, odd):
    root = tmp_path / "cache"
    root.mkdir()
    stray = root / f"{TMP_PREFIX}{odd}-x"
    stray.mkdir()
    package = open_cached(make_package(tmp_path / "p.argosmodel"), root)
    assert package.path.is_dir() and stray.is_dir()


@pytest.mark.parametrize("odd", ODD_NAMES)
def test_an_install_beside_a_staging_name_that_holds_no_process_id_works(tmp_path, odd):
    from translate_tool.packages import STAGING_PREFIX, install_file

    root = tmp_path / "packages"
    root.mkdir()
    stray = root / f"{STAGING_PREFIX}{odd}-x"
    stray.write_bytes(b"")
    assert install_file(make_package(tmp_path / "p.argosmodel"), root).path.is_dir()
    assert stray.is_file()
