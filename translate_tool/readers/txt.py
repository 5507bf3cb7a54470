"""Plain-text articles: UTF-8 (with or without BOM), UTF-16 or UTF-32 with BOM, or Windows-1256 Arabic."""

from __future__ import annotations

import re
from pathlib import Path

from ..article import ARABIC_LETTER, Article
from ..errors import InputError
from .structure import Line, build_article

UTF8_ARABIC_PAIR = re.compile(rb"[\xd8-\xdb][\x80-\xbf]")


def decode_bytes(data: bytes, name: str = "input") -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 or UTF-32 with BOM, or Windows-1256 Arabic.

    cp1256 maps almost every byte to some character, so it is accepted only when the result
    reads as Arabic; anything else is refused rather than turned into mojibake.
    """
    # UTF-32's little-endian BOM starts with UTF-16's, so it is tested first.
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        try:
            return data.decode("utf-32")
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: damaged UTF-32 text ({exc.reason})") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: damaged UTF-16 text ({exc.reason})") from None
    if b"\x00" in data:
        raise InputError(f"{name}: looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # UTF-8 Arabic with one bad byte would read as Arabic letters in cp1256 too (every
        # letter becomes a ط/ظ pair), so look at the byte pattern before falling back.
        high = sum(1 for b in data if b >= 0x80)
        pairs = len(UTF8_ARABIC_PAIR.findall(data))
        if high and 2 * pairs / high > 0.6:
            raise InputError(
                f"{name}: damaged UTF-8 (invalid byte at offset {exc.start}); fix or re-save it"
            ) from None
    text = data.decode("cp1256")  # defines all 256 byte values, so it cannot fail
    letters = [c for c in text if c.isalpha()]
    arabic = sum(1 for c in letters if ARABIC_LETTER.match(c))
    if not letters or arabic / len(letters) < 0.5:
        raise InputError(f"{name}: not valid UTF-8, and not Arabic in Windows-1256 either; save it as UTF-8")
    return text


def parse_article(text: str, source_path: Path | None = None) -> Article:
    """Split article text, one passage a line, into title, dateline, headings and paragraphs."""
    return build_article((Line(line) for line in text.splitlines()), source_path)


def read(data: bytes, path: Path | None, name: str) -> Article:
    text = decode_bytes(data, name)
    if not text.strip():
        raise InputError(f"{name}: empty file, nothing to translate")
    return parse_article(text, path)
