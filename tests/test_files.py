"""Writing into shared folders: modes and groups, documents open in Word or LibreOffice, odd --out-dir."""

from __future__ import annotations

import getpass
import os
import signal
import socket
import stat
import subprocess
from pathlib import Path

import pytest
from fswatch import FolderWatch
from helpers import run_cli as run

from translate_tool.files import libreoffice_lock, open_elsewhere, word_owner_file, write_atomic


@pytest.fixture
def umask():
    """Set the process umask for one test and put the old one back."""
    saved = os.umask(0o022)
    os.umask(saved)
    yield lambda mask: os.umask(mask)
    os.umask(saved)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- modes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_new_file_follows_the_umask(tmp_path, umask, mask, expected):
    umask(mask)
    assert mode(write_atomic(tmp_path / "briefing.md", "text")) == expected


def test_replaced_file_keeps_its_mode_whatever_the_umask(tmp_path, umask):
    target = tmp_path / "briefing.md"
    target.write_text("last week")
    target.chmod(0o644)
    umask(0o077)
    write_atomic(target, "this week")
    assert target.read_text() == "this week" and mode(target) == 0o644


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file another group than ours needs root")
def test_replaced_file_keeps_its_group(tmp_path):
    target = tmp_path / "briefing.docx"
    target.write_bytes(b"last week")
    other_group = os.getegid() + 4242
    os.chown(target, -1, other_group)
    target.chmod(0o640)
    write_atomic(target, b"this week")
    assert target.stat().st_gid == other_group and mode(target) == 0o640


def test_export_follows_the_umask_and_keeps_a_replaced_files_mode(
    tmp_path, capsys, umask, seed_path, synthetic_model
):
    out_dir = tmp_path / "shared"
    out_dir.mkdir()
    kept = out_dir / (seed_path.stem + ".md")
    kept.write_text("last week's briefing")
    kept.chmod(0o640)
    umask(0o002)
    code, out, err = run(capsys, "export", seed_path, "--model", synthetic_model, "--out-dir", out_dir)
    assert code == 0, err
    assert mode(out_dir / (seed_path.stem + ".docx")) == 0o664  # new: 0666 less the umask
    assert mode(kept) == 0o640 and kept.read_text() != "last week's briefing"


# --- documents open elsewhere --------------------------------------------------------------------


def word_owner_bytes(user: str) -> bytes:
    """An owner file as Word writes it: 162 bytes, the name in ANSI at 1, in UTF-16 at 56."""
    ansi = user.encode("cp1252", errors="replace")[:52]
    data = (bytes([len(ansi)]) + ansi).ljust(54, b"\0")
    data += bytes([len(user), 0]) + user.encode("utf-16-le")
    return data.ljust(162, b"\0")


def libreoffice_lock_text(author: str, user: str, host: str) -> str:
    """A lock line as LibreOffice writes it (checked against `soffice` 7.4; no newline at the end)."""
    return f"{author},{user},{host},01.12.2026 09:30,file:///home/{user}/.config/libreoffice/4;"


@pytest.mark.parametrize(
    "name, owner",
    [
        ("briefing.docx", "~$iefing.docx"),  # 8 or more characters: the first two are replaced
        ("monday1.docx", "~$onday1.docx"),  # exactly 7: the first one
        ("memo.docx", "~$memo.docx"),  # shorter: put in front
        ("memo.md", "~$memo.md"),
    ],
)
def test_word_owner_file_names(tmp_path, name, owner):
    assert word_owner_file(tmp_path / name) == tmp_path / owner


def test_holders_are_named_from_the_lock_files(tmp_path):
    doc = tmp_path / "briefing.docx"
    word_owner_file(doc).write_bytes(word_owner_bytes("هالة صالح"))
    assert "open in Word by هالة صالح" in open_elsewhere(doc)
    word_owner_file(doc).unlink()
    libreoffice_lock(doc).write_text(libreoffice_lock_text("Hala Saleh", "hala", "ws-12"))
    reason = open_elsewhere(doc)
    assert "open in LibreOffice by Hala Saleh (hala) on ws-12 since 01.12.2026 09:30" in reason
    assert str(libreoffice_lock(doc)) in reason
    libreoffice_lock(doc).write_text(libreoffice_lock_text("", "hala", "ws-12"))
    assert "by hala on ws-12" in open_elsewhere(doc)
    libreoffice_lock(doc).write_text(r"Saleh\, Hala,hala,ws-12,01.12.2026 09:30,file:///p;")
    assert "by Saleh, Hala (hala)" in open_elsewhere(doc)
    libreoffice_lock(doc).write_bytes(b"")  # a lock with nothing in it still means open
    assert "by an unknown user" in open_elsewhere(doc)


@pytest.mark.parametrize("program", ["Word", "LibreOffice"])
def test_export_refuses_a_briefing_open_elsewhere_before_translating(tmp_path, capsys, seed_path, program):
    out_dir = tmp_path / "shared"
    out_dir.mkdir()
    docx = out_dir / (seed_path.stem + ".docx")
    docx.write_bytes(b"the reviewer is editing this")
    if program == "Word":
        lock = word_owner_file(docx)
        lock.write_bytes(word_owner_bytes("Hala Saleh"))
    else:
        lock = libreoffice_lock(docx)
        lock.write_text(libreoffice_lock_text("Hala Saleh", "hala", "ws-12"))
    # A model that does not exist: the refusal must come before anything needs it.
    missing_model = tmp_path / "missing.argosmodel"
    code, out, err = run(capsys, "export", seed_path, "--model", missing_model, "--out-dir", out_dir)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert f"open in {program} by Hala Saleh" in err and str(lock) in err and "--force" in err
    assert docx.read_bytes() == b"the reviewer is editing this"
    assert sorted(p.name for p in out_dir.iterdir()) == sorted([docx.name, lock.name])


def test_force_replaces_a_briefing_open_elsewhere_and_says_so(tmp_path, capsys, seed_path, synthetic_model):
    out_dir = tmp_path / "shared"
    out_dir.mkdir()
    docx = out_dir / (seed_path.stem + ".docx")
    docx.write_bytes(b"old export")
    word_owner_file(docx).write_bytes(word_owner_bytes("Hala Saleh"))
    code, out, err = run(
        capsys, "export", seed_path, "--model", synthetic_model, "--out-dir", out_dir, "--force"
    )
    assert code == 0, err
    assert "open in Word by Hala Saleh" in err and "replacing it anyway" in err
    assert docx.read_bytes().startswith(b"PK")


def test_briefing_open_in_real_libreoffice_is_refused(tmp_path, capsys, seed_path, synthetic_model):
    """LibreOffice itself opens the exported briefing and holds it; export refuses, naming it."""
    out_dir = tmp_path / "shared"
    args = ["export", seed_path, "--model", synthetic_model, "--out-dir", out_dir, "--format", "docx"]
    code, _, err = run(capsys, *args)
    assert code == 0, err
    docx = out_dir / (seed_path.stem + ".docx")
    exported = docx.read_bytes()
    lock = libreoffice_lock(docx)
    with FolderWatch(out_dir, written=True) as watch:
        office = subprocess.Popen(
            [
                "soffice",
                "--headless",
                "--norestore",
                f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}",
                str(docx),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so the test can stop all of it
        )
        try:
            watch.wait_for(lambda name: name == lock.name)
            code, out, err = run(capsys, *args)
        finally:
            os.killpg(office.pid, signal.SIGTERM)
            office.wait(timeout=60)
    assert code == 2 and out == "", err
    assert f"open in LibreOffice by {getpass.getuser()} on {socket.gethostname()}" in err
    assert str(lock) in err
    assert docx.read_bytes() == exported


# --- odd output folders ------------------------------------------------------------------------


def test_dangling_out_dir_symlink_is_refused_before_translating(tmp_path, capsys, seed_path, synthetic_model):
    link = tmp_path / "briefings"
    link.symlink_to(tmp_path / "gone")
    code, out, err = run(capsys, "-v", "export", seed_path, "--model", synthetic_model, "--out-dir", link)
    assert code == 2 and out == ""
    assert "symbolic link" in err and str(tmp_path / "gone") in err
    assert "loading model" not in err  # refused before any translating
    assert not (tmp_path / "gone").exists()


def test_out_dir_below_a_dangling_symlink_is_refused(tmp_path, capsys, seed_path, synthetic_model):
    link = tmp_path / "briefings"
    link.symlink_to(tmp_path / "gone")
    code, _, err = run(capsys, "export", seed_path, "--model", synthetic_model, "--out-dir", link / "monday")
    assert code == 2 and "symbolic link" in err


def test_out_dir_symlink_to_a_folder_is_used(tmp_path, capsys, seed_path, synthetic_model):
    (tmp_path / "real").mkdir()
    link = tmp_path / "briefings"
    link.symlink_to(tmp_path / "real")
    code, _, err = run(
        capsys, "export", seed_path, "--model", synthetic_model, "--out-dir", link, "--format", "md"
    )
    assert code == 0, err
    assert (tmp_path / "real" / (seed_path.stem + ".md")).exists()
