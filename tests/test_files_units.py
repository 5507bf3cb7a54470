"""files.py value for value: who holds a lock file, which output folders are refused, the `.part`
file's name and mode. In-process, so that mutation testing sees every branch (see TESTING.md)."""

from __future__ import annotations

import fcntl
import logging
import os
import stat
import tempfile
from pathlib import Path

import pytest

from translate_tool import files
from translate_tool.errors import InputError
from translate_tool.files import (
    WORD_OWNER_SIZE,
    check_out_dir,
    libreoffice_lock,
    open_elsewhere,
    refuse_open,
    word_owner_file,
)


def owner_file(ansi: bytes, utf16: str = "", count: int | None = None, size: int = WORD_OWNER_SIZE) -> bytes:
    """A Word owner file: the ANSI name's length and bytes from byte 0, the UTF-16 name's length at 54."""
    data = (bytes([len(ansi)]) + ansi).ljust(54, b"\0")
    data += bytes([len(utf16) if count is None else count, 0]) + utf16.encode("utf-16-le")
    return data.ljust(size, b"\0")[:size]


@pytest.mark.parametrize(
    "data, holder",
    [
        # Word's own layout: the UTF-16 copy is the one that can hold an Arabic name
        (owner_file(b"Hala", "هالة صالح"), "هالة صالح"),
        (owner_file(b"Hala", "ه" * 52), "ه" * 52),  # the longest name Word writes
        # a UTF-16 length out of range, or a file one byte short: the ANSI copy
        (owner_file(b"Hala", "هالة", count=0), "Hala"),
        (owner_file(b"Hala", "هالة", count=53), "Hala"),
        (owner_file(b"Hala", "هالة", size=WORD_OWNER_SIZE - 1), "Hala"),
        (owner_file(b"H" * 52, "", count=0), "H" * 52),
        # the ANSI copy is Windows-1252, padded with NULs or spaces
        (b"\x05\x80 \xe9\x00\x00", "€ é"),
        (owner_file(b"  Hala \0", count=0), "Hala"),
        # the shortest names, and the length byte read as a count, not one more
        (owner_file(b"Hala", "ه"), "ه"),
        (b"\x01H", "H"),
        (b"\x02HaX", "Ha"),
        # bytes no decoder maps: replacement characters, never an error
        (owner_file(b"Hala", count=2)[:56] + b"\x00\xd8A\x00" + bytes(102), "\ufffdA"),  # a lone surrogate
        (b"\x02\x81H", "\ufffdH"),  # 0x81 is unassigned in Windows-1252
        (owner_file(b"", "Xena X"), "Xena X"),  # only NULs and spaces are stripped
        # nothing usable: still someone
        (b"", "an unknown user"),
        (b"\x00Hala", "an unknown user"),
        (b"\x35" + b"H" * 60, "an unknown user"),  # an ANSI length of 53
        (owner_file(b"", "\0 \0"), "an unknown user"),
    ],
)
def test_word_holder(data, holder):
    assert files._word_holder(data) == holder


@pytest.mark.parametrize(
    "text, holder",
    [
        (
            "Hala Saleh,hala,ws-12,01.12.2026 09:30,file:///home/hala;",
            "Hala Saleh (hala) on ws-12 since 01.12.2026 09:30",
        ),
        ("hala,hala,ws-12,01.12.2026 09:30,file:///p;", "hala on ws-12 since 01.12.2026 09:30"),
        (",hala,ws-12,01.12.2026 09:30,file:///p;", "hala on ws-12 since 01.12.2026 09:30"),
        ("Hala Saleh,,,,;", "Hala Saleh"),
        (" Hala , hala ,ws-12 , 01.12.2026 09:30 ;", "Hala (hala) on ws-12 since 01.12.2026 09:30"),
        (r"Saleh\, Hala\; \\x,hala,,,;", r"Saleh, Hala; \x (hala)"),
        ("a,b,c,d;e,f,g,h;", "a (b) on c since d"),  # one line, up to its ;
        ("a,b;c,d;", "a (b)"),
        ("Xavier X,xx,X-host,X;", "Xavier X (xx) on X-host since X"),
        ("a,b,c", "a (b)"),  # a field is ended by , or ;
        (",,,,;", "an unknown user"),
        ("", "an unknown user"),
    ],
)
def test_libreoffice_holder(text, holder):
    assert files._libreoffice_holder(text.encode()) == holder


def test_libreoffice_holder_reads_bad_bytes_as_replacement_characters():
    assert files._libreoffice_holder(b"\xff,u,h,d;") == "\ufffd (u) on h since d"


def test_open_elsewhere_names_program_holder_and_lock(tmp_path):
    doc = tmp_path / "briefing.docx"
    assert open_elsewhere(doc) is None
    word_owner_file(doc).write_bytes(owner_file(b"Hala", "Hala Saleh"))
    assert (
        open_elsewhere(doc) == f"{doc} is open in Word by Hala Saleh (lock file {tmp_path / '~$iefing.docx'})"
    )
    libreoffice_lock(doc).write_text("Bob,bob,ws-3,02.12.2026 10:00,file:///p;")
    # both: LibreOffice's lock is the one named (it is checked first)
    assert open_elsewhere(doc) == (
        f"{doc} is open in LibreOffice by Bob (bob) on ws-3 since 02.12.2026 10:00 "
        f"(lock file {tmp_path / '.~lock.briefing.docx#'})"
    )
    libreoffice_lock(doc).unlink()
    word_owner_file(doc).unlink()
    word_owner_file(doc).mkdir()  # a lock we cannot read: still open, by nobody we can name
    assert (
        open_elsewhere(doc) == f"{doc} is open in Word by an unknown user (lock file {word_owner_file(doc)})"
    )


def test_open_elsewhere_reads_only_the_start_of_a_lock(tmp_path):
    doc = tmp_path / "memo.md"
    libreoffice_lock(doc).write_text("x" * 4096 + ",late,host,date;")
    assert (
        open_elsewhere(doc)
        == f"{doc} is open in LibreOffice by an unknown user (lock file {libreoffice_lock(doc)})"
    )


def test_refuse_open(tmp_path, caplog):
    free, held = tmp_path / "free.docx", tmp_path / "held.docx"
    libreoffice_lock(held).write_text("Hala,hala,ws-12,01.12.2026 09:30,file:///p;")
    reason = f"{held} is open in LibreOffice by Hala (hala) on ws-12 since 01.12.2026 09:30 (lock file {libreoffice_lock(held)})"
    refuse_open([free], force=False)
    with pytest.raises(InputError) as caught:
        refuse_open([free, held], force=False)
    assert str(caught.value) == (
        f"{reason}; close it there and export again (a lock file left by a crash can be deleted), "
        "or pass --force to replace it anyway"
    )
    with caplog.at_level(logging.WARNING, logger="translate_tool.files"):
        refuse_open([held, free, held], force=True)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", f"{reason}; replacing it anyway (--force)")
    ] * 2


def test_check_out_dir(tmp_path):
    def refusal(out_dir: Path, **kwargs) -> str:
        with pytest.raises(InputError) as caught:
            check_out_dir(out_dir, **kwargs)
        return str(caught.value)

    check_out_dir(tmp_path)  # exists
    check_out_dir(tmp_path / "new" / "deeper")  # created later, below a writable folder
    (tmp_path / "a-file").write_text("x")
    assert (
        refusal(tmp_path / "a-file")
        == f"--out-dir {tmp_path / 'a-file'}: {tmp_path / 'a-file'} is a file, not a folder"
    )
    assert refusal(tmp_path / "a-file" / "below", option="--folder") == (
        f"--folder {tmp_path / 'a-file' / 'below'}: {tmp_path / 'a-file'} is a file, not a folder"
    )
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "gone")
    assert refusal(link / "sub") == (
        f"--out-dir {link / 'sub'}: {link} is a symbolic link to {tmp_path / 'gone'}, which does not exist; "
        "create that folder or give another --out-dir"
    )
    (tmp_path / "gone").mkdir()
    check_out_dir(link / "sub")  # the link now leads somewhere
    if not os.access("/proc/1", os.W_OK):  # not writable even for root
        assert refusal(Path("/proc/1/briefings")) == "--out-dir /proc/1/briefings: /proc/1 is not writable"


def test_part_file_is_new_hidden_beside_its_target_and_follows_the_umask(tmp_path):
    target = tmp_path / "brief.md"
    saved = os.umask(0o027)
    try:
        handle, part = files._create_beside(target)
    finally:
        os.umask(saved)
    with handle:
        assert part.parent == tmp_path and part.name.startswith(".brief.md.") and part.name.endswith(".part")
        assert len(part.name) == len(".brief.md.") + 8 + len(".part")
        assert stat.S_IMODE(part.stat().st_mode) == 0o640 and part.stat().st_size == 0
        assert not handle.closed and handle.mode == "wb"


def test_part_file_names_run_out_after_a_hundred_tries(tmp_path, monkeypatch):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    target = tmp_path / "brief.md"
    monkeypatch.setattr(files.secrets, "token_hex", lambda n: "0" * (2 * n))
    taken = tmp_path / ".brief.md.00000000.part"
    taken.write_text("taken")
    fcntl.flock(holder := os.open(taken, os.O_RDONLY), fcntl.LOCK_EX)  # a live writer's: not removed
    try:
        with pytest.raises(FileExistsError) as caught:
            files._create_beside(target)
        assert str(caught.value) == f"{tmp_path}: cannot find a free temporary name for brief.md"
        with pytest.raises(FileExistsError) as caught:  # write_atomic lets that error through as it is
            files.write_atomic(target, "text")
        assert str(caught.value) == f"{tmp_path}: cannot find a free temporary name for brief.md"
    finally:
        os.close(holder)
    assert sorted(p.name for p in tmp_path.iterdir()) == [taken.name]


def test_write_atomic_creates_folders_and_encodes_text_as_utf8(tmp_path):
    target = tmp_path / "a" / "b" / "brief.md"
    assert files.write_atomic(target, "عربي\n") == target
    assert target.read_bytes() == "عربي\n".encode()
    os.chmod(target, 0o600)
    files.write_atomic(target, b"\x00")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and target.read_bytes() == b"\x00"


def test_replaced_file_keeps_its_owner_too(tmp_path):
    target = tmp_path / "brief.md"
    target.write_bytes(b"last week")
    if os.getuid() == 0:
        os.chown(target, -1, os.getegid() + 4242)  # a group the new file must take over too
    files.write_atomic(target, b"this week")
    assert target.stat().st_uid == os.getuid()


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to act as another user for a moment")
def test_a_group_we_cannot_keep_is_a_warning_not_a_failure(caplog):
    """Someone not in the old file's group replaces it: the new file has their group, and they are told."""
    with tempfile.TemporaryDirectory(dir="/tmp") as scratch:  # pytest's tmp_path is root's alone
        os.chmod(scratch, 0o755)
        _replace_as_nobody(Path(scratch) / "shared", caplog)


def _replace_as_nobody(folder: Path, caplog) -> None:
    folder.mkdir()
    folder.chmod(0o777)  # anyone may replace files here (no sticky bit)
    target = folder / "brief.md"
    target.write_bytes(b"last week")
    os.chown(target, 0, 0)
    nobody = 65534
    groups = os.getgroups()
    os.setgroups([])
    os.setegid(nobody)
    os.seteuid(nobody)
    try:
        with caplog.at_level(logging.WARNING, logger="translate_tool.files"):
            files.write_atomic(target, b"this week")
    finally:
        os.seteuid(0)
        os.setegid(0)
        os.setgroups(groups)
    assert target.read_bytes() == b"this week"
    assert (target.stat().st_uid, target.stat().st_gid) == (nobody, nobody)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", f"{target}: could not keep its group (gid 0); the new file has your group")
    ]


def test_a_part_name_already_taken_is_tried_again_with_another(tmp_path, monkeypatch):
    names = iter(["0" * 8, "1" * 8])
    monkeypatch.setattr(files.secrets, "token_hex", lambda n: next(names))
    (tmp_path / ".brief.md.00000000.part").write_text("taken")
    handle, part = files._create_beside(tmp_path / "brief.md")
    handle.close()
    assert part == tmp_path / ".brief.md.11111111.part"


def test_a_dead_part_removed_by_another_run_between_our_lock_and_our_unlink_is_no_error(
    tmp_path, monkeypatch
):
    """Two runs sweeping one folder: the other takes the dead file's lock first and removes it."""
    out = tmp_path / "out"
    out.mkdir()
    target = out / "brief.md"
    dead = out / ".brief.md.0123abcd.part"
    dead.write_bytes(b"half a briefing")
    real_lock = files._lock

    def lock_then_lose_the_race(fd, blocking):
        taken = real_lock(fd, blocking)
        if taken and os.path.exists(dead):
            os.unlink(dead)  # the other run's unlink, after our lock
        return taken

    monkeypatch.setattr(files, "_lock", lock_then_lose_the_race)
    files.write_atomic(target, "new export")
    assert target.read_text(encoding="utf-8") == "new export"
    assert sorted(p.name for p in out.iterdir()) == ["brief.md"]


def test_a_lock_that_is_a_fifo_is_read_without_waiting_for_a_writer(tmp_path):
    """Opening a FIFO to read waits for a writer: reading a lock file that way hung the export."""
    import threading

    doc = tmp_path / "memo.docx"
    lock = libreoffice_lock(doc)
    os.mkfifo(lock)
    found = []
    reader = threading.Thread(target=lambda: found.append(open_elsewhere(doc)), daemon=True)
    reader.start()
    reader.join(timeout=10)  # a deadline for a hang, not a wait for a result: it returns at once
    if reader.is_alive():
        os.close(os.open(lock, os.O_WRONLY))  # be the writer it waits for, so the thread ends
        reader.join()
        pytest.fail("reading a FIFO lock file waited for a writer")
    assert found == [f"{doc} is open in LibreOffice by an unknown user (lock file {lock})"]


def test_read_user_file_reads_up_to_its_limit_and_refuses_a_byte_more(tmp_path):
    from translate_tool.files import read_user_file

    path = tmp_path / "article.txt"
    path.write_bytes(b"x" * 4 * 1024**2)
    assert read_user_file(path, limit=4 * 1024**2) == b"x" * 4 * 1024**2
    with pytest.raises(InputError) as caught:
        read_user_file(path, "glossary file", limit=4 * 1024**2 - 1)
    assert str(caught.value) == f"{path}: over 3 MB, too large for a glossary file"
    with pytest.raises(InputError) as caught:
        read_user_file(path, limit=3 * 1024**2)
    assert str(caught.value) == f"{path}: over 3 MB, too large for a text file"
