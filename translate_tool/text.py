"""Small text helpers shared by messages, documents and the memory: plurals, UTC stamps, short hashes."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime, timezone

UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # ISO 8601 in UTC, to the second: what every stamp of ours uses


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """`plural(1, "passage")` is "1 passage", `plural(2, "passage")` is "2 passages"."""
    return f"{count} {noun if count == 1 else plural_form or noun + 's'}"


def as_utc(moment: datetime) -> datetime:
    """`moment` in UTC; a naive datetime is taken to be UTC already."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def utc_stamp(moment: datetime | None = None) -> str:
    """`moment` (default: now) as "2026-12-02T14:15:52Z"."""
    return as_utc(moment or datetime.now(timezone.utc)).strftime(UTC_FORMAT)


def ascii_number(text: str) -> int | None:
    """`text` as a whole number if it is ASCII digits only, else None.

    `str.isdigit()` is no guard for `int()`: it is true for "²" and "①", which `int()` refuses.
    File names, XML attributes and what a reviewer types can hold either.
    """
    return int(text) if text.isascii() and text.isdigit() else None


def number_repeats(names: Iterable[str], mark: Callable[[str, int], str]) -> list[str]:
    """`names` with the n-th repeat of a name (n ≥ 2) written `mark(name, n)`, so all differ."""
    seen: Counter[str] = Counter()
    out = []
    for name in names:
        seen[name] += 1
        out.append(name if seen[name] == 1 else mark(name, seen[name]))
    return out


def short_sha1(data: str | bytes, hex_digits: int) -> str:
    """The first `hex_digits` hex digits of the SHA-1 of `data` (text is hashed as UTF-8).

    For names and fingerprints, not for security: a collision costs a mismatched row key or
    name, which the callers check for.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha1(raw).hexdigest()[:hex_digits]
