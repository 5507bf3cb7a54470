"""The pending journal: machine translations that could not be stored because the memory was busy.

An export that has decoded everything must not lose that work, nor withhold its documents,
because another process holds the memory's write lock. The rows it could not store go, as JSON
lines, into `<memory>.pending.jsonl` beside the memory file, and the next run that opens the
memory stores them first.

Two runs may do this at once. A writer appends whole lines with one write and fsyncs. A reader
first renames the journal to a claim file of its own (atomic, so no line is read twice or
missed), then stores every claim file it finds, its own and any left by a run that died, and
deletes each once stored. Storing is an idempotent upsert, so a claim stored twice is harmless.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import uuid
from pathlib import Path

log = logging.getLogger(__name__)

SUFFIX = ".pending.jsonl"


def journal_path(memory: Path) -> Path:
    return memory.with_name(memory.name + SUFFIX)


def set_aside(memory: Path, rows: list[dict]) -> Path:
    """Append `rows` to the journal beside `memory` and flush them to disk; return its path."""
    path = journal_path(memory)
    data = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def claims(memory: Path) -> list[Path]:
    """Claim the journal (if any) and return every claim file waiting beside `memory`."""
    path = journal_path(memory)
    mine = path.with_name(f"{path.name}.{uuid.uuid4().hex}.claim")
    with contextlib.suppress(FileNotFoundError):  # no journal: nothing new to claim
        os.rename(path, mine)
    return sorted(path.parent.glob(f"{path.name}.*.claim"))


def read_claim(claim: Path) -> list[dict]:
    """The rows of one claim file; a torn last line (a crash mid-append) is skipped."""
    try:
        text = claim.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []  # another run stored it meanwhile
    rows = []
    for line in text.splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            log.warning("%s: skipping a damaged line", claim)
    return rows
