"""Readers: one module per input format, each turning a file's bytes into the same `Article`.

The format is chosen by what the bytes are (`sniff`), not by the file's name: a page saved
as `article.txt`, or a Word file renamed `.doc`, is still read for what it is. Every reader
yields the same block kinds (title, dateline, heading, paragraph) through
`structure.build_article`, and sets furniture aside in `Article.chrome`. The heavy parsing
libraries are imported by the reader that needs them, only when a file of that format comes.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Iterable
from pathlib import Path

from ..article import Article, has_arabic
from ..errors import InputError

log = logging.getLogger(__name__)

# format -> what users call it; the order is the order help texts list them in.
FORMATS = {
    "txt": "plain text (.txt)",
    "html": "web page (.html, .htm)",
    "docx": "Word document (.docx)",
    "pdf": "PDF with a text layer (.pdf)",
}
# Names a folder's files are picked by (a named file is sniffed whatever it is called).
SUFFIXES = {".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html", ".xhtml": "html"}
SUFFIXES |= {".docx": "docx", ".pdf": "pdf"}
SUPPORTED = "supported: " + ", ".join(FORMATS.values())

# Formats we recognise but do not read, so the refusal can say what the file is.
_OTHER_MAGIC = [
    (b"\xd0\xcf\x11\xe0", "an old Word .doc (or a password-protected Office file); save it as .docx"),
    (b"{\\rtf", "an RTF document; save it as .docx"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "a program (ELF binary)"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
]
_HTML_START = re.compile(
    rb"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title)\b", re.I | re.S
)
_HTML_ANYWHERE = re.compile(rb"<(?:html|body|head)\b[^>]*>", re.I)


def sniff(data: bytes, name: str = "input") -> str:
    """The format of a file from its first bytes: one of FORMATS, or InputError naming the file."""
    head = data[:4096]
    if b"%PDF-" in data[:1024]:  # the spec tolerates junk before the header
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "docx"  # the DOCX reader tells other zips (.odt, .xlsx, plain archives) apart
    for magic, what in _OTHER_MAGIC:
        if head.startswith(magic):
            raise InputError(f"{name}: unsupported format, {what} ({SUPPORTED})")
    probe = head
    wide = head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff"))  # UTF-16/32 BOMs
    if wide:  # UTF-16 or UTF-32: look at it as ASCII
        probe = head.replace(b"\x00", b"")
    probe = probe.removeprefix(b"\xef\xbb\xbf").removeprefix(b"\xff\xfe").removeprefix(b"\xfe\xff")
    if _HTML_START.match(probe) or (probe.lstrip().startswith(b"<") and _HTML_ANYWHERE.search(probe)):
        return "html"
    if b"\x00" in head and not wide:
        raise InputError(f"{name}: unsupported format, a binary file ({SUPPORTED})")
    return "txt"


def article_from_bytes(
    data: bytes, path: Path | None, *, require_arabic: bool = True, name: str | None = None
) -> Article:
    """Read one article from a file's bytes, refusing input that cannot be a usable article."""
    name = name or (str(path) if path else "<stdin>")
    fmt = sniff(data, name)
    if fmt not in FORMATS:
        raise InputError(f"{name}: unsupported format, a {fmt} file ({SUPPORTED})")
    if path is not None and SUFFIXES.get(path.suffix.lower(), fmt) != fmt:
        log.info("%s: reading it as %s, which is what its content is", name, FORMATS[fmt])
    reader = importlib.import_module(f".{fmt}", __name__)
    try:
        article: Article = reader.read(data, path, name)
    except InputError:
        claimed = SUFFIXES.get(path.suffix.lower()) if path is not None else None
        if fmt == "txt" and claimed not in (None, "txt"):
            # Named like a document but not one: say that, not what the text decoder thinks.
            what = FORMATS.get(claimed, claimed)
            raise InputError(f"{name}: not a {what}: its content is not one ({SUPPORTED})") from None
        raise
    text = [b.source for b in article.blocks] + article.chrome
    if require_arabic and not any(has_arabic(t) for t in text):
        raise InputError(f"{name}: contains no Arabic text (use --force to translate it anyway)")
    if not article.blocks:
        raise InputError(f"{name}: only page furniture, no article text")
    return article


def read_article(path: Path, *, require_arabic: bool = True) -> Article:
    """Read and parse one article file, whatever its format."""
    from ..files import read_user_file

    return article_from_bytes(read_user_file(path, "file"), path, require_arabic=require_arabic)


def expand_inputs(inputs: Iterable[Path]) -> list[Path]:
    """Files as named; a folder stands for every supported file directly in it, in name order."""
    paths: list[Path] = []
    for path in inputs:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file())
            if not found:
                raise InputError(f"{path}: folder has no articles ({SUPPORTED})")
            paths.extend(found)
        else:
            paths.append(path)
    # The same file named twice (or also found in a named folder) is one article.
    unique = {p.resolve(): p for p in reversed(paths)}
    return [p for p in paths if unique.get(p.resolve()) is p]
