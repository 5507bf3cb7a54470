"""The DOCX review reader: a briefing edited in Word or LibreOffice, turned into a `ReviewDocument`.

Where things are in the file (the format contract is `briefing.py`):

- the row's keys come from the `tt_<key>` bookmarks in the row, those in the `#` cell first
  (a repeated passage's bookmark has a `_2`, `_3` suffix, which is ignored);
- a combined briefing has one passage table per article: the rows of all of them are read in
  document order, as the exported keys are listed;
- the English as exported is fingerprinted per row in the custom document properties;
- the "⚑ reason" flag paragraphs (paragraph style `FLAG_STYLE`) are not English. Paragraphs
  are joined with a space and whitespace is collapsed, as in `normalise_english`.

The file is untrusted: it is checked as a zip (`safezip`) before any part is read, and XML with
a DOCTYPE or entity declarations is refused before it is parsed (`review/ooxml.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ..briefing import (
    BOOKMARK_PREFIX,
    ENGLISH_PROPERTY,
    FLAG_STYLE,
    FORMAT_NAME,
    FORMAT_PROPERTY,
    FORMAT_VERSION,
    FORMAT_VERSION_PROPERTY,
    KEYS_PROPERTY,
    normalise_english,
)
from ..errors import InputError
from ..ooxml_ns import STRICT_W_NS, w
from ..safezip import UntrustedZip, open_untrusted
from . import ooxml
from .core import ExportedRow, ReadRow, ReviewDocument

# A long briefing's document.xml is a few MB; Word documents with pictures stay far below the total.
MAX_PART_BYTES = 50 * 1024 * 1024  # any one part we read (document.xml, styles.xml, ...)
MAX_TOTAL_BYTES = 200 * 1024 * 1024  # all members together, as declared

KEY = re.compile(r"^[0-9a-f]{16}$")
FINGERPRINT = re.compile(r"^[0-9a-f]{6,40}$")
ROW_BOOKMARK = re.compile(re.escape(BOOKMARK_PREFIX) + r"([0-9a-f]{16})")
HEADER_TEXTS = ["#", "English", "العربية"]


@dataclass
class _Parts:
    """The parts of the package a review needs, raw."""

    document: bytes
    custom: bytes | None = None
    styles: bytes | None = None


def read_docx(path: Path) -> ReviewDocument:
    """Read a reviewed DOCX briefing; InputError, naming `path`, for anything we cannot trust."""
    parts = _read_parts(path)
    exported = _exported_rows(path, ooxml.custom_properties(parts.custom, str(path)) if parts.custom else {})
    flag_styles = {FLAG_STYLE.replace(" ", "")}
    if parts.styles is not None:
        flag_styles |= ooxml.style_ids(ooxml.parse(str(path), "word/styles.xml", parts.styles), FLAG_STYLE)
    return ReviewDocument(path, exported, _table_rows(path, parts.document, flag_styles))


# --- the package -------------------------------------------------------------------------------


def _check_file(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a DOCX (not a regular file)")
    try:
        with path.open("rb") as handle:
            magic = handle.read(8)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(
            f"{path}: not a DOCX (an old .doc, or a password-protected document); "
            "save it in Word as Word Document (.docx) without a password"
        )
    if not magic.startswith(b"PK"):
        raise InputError(f"{path}: not a DOCX (not a zip archive)")


def _read_parts(path: Path) -> _Parts:
    """The raw bytes of the main document and, if present, its custom properties and styles."""
    _check_file(path)
    try:
        with open_untrusted(
            path, InputError, "DOCX", max_total=MAX_TOTAL_BYTES, max_part=MAX_PART_BYTES
        ) as zip_:
            package = _relationships(zip_, "_rels/.rels", "")
            document = package.get("officeDocument", "word/document.xml")
            if document not in zip_.names:
                raise InputError(f"{path}: not a Word document (no {document} in the package)")
            parts = _Parts(zip_.read(document))
            parts.custom = _optional(zip_, package.get("custom-properties", "docProps/custom.xml"))
            folder = document.rpartition("/")[0]
            styles = _relationships(zip_, ooxml.rels_name(document), folder).get(
                "styles", f"{folder}/styles.xml"
            )
            parts.styles = _optional(zip_, styles)
            return parts
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _optional(zip_: UntrustedZip, name: str) -> bytes | None:
    return zip_.read(name) if name in zip_.names else None


def _relationships(zip_: UntrustedZip, rels: str, folder: str) -> dict[str, str]:
    if rels not in zip_.names:
        return {}
    return ooxml.relationships(ooxml.parse(str(zip_.source), rels, zip_.read(rels)), folder)


# --- document properties -------------------------------------------------------------------------


def _numbered(properties: dict[str, str], prefix: str) -> list[str] | None:
    """The space-separated values of properties `prefix1`, `prefix2`, ... joined in number order."""
    chunks = sorted(
        (int(name[len(prefix) :]), value)
        for name, value in properties.items()
        if name.startswith(prefix) and name[len(prefix) :].isdigit()
    )
    if not chunks:
        return None
    return " ".join(value for _, value in chunks).split()


def _check_format(path: Path, properties: dict[str, str]) -> list[str]:
    """The exported row keys, once the properties say this is a briefing of our format."""
    keys = _numbered(properties, KEYS_PROPERTY)
    if properties.get(FORMAT_PROPERTY) != FORMAT_NAME or keys is None:
        raise InputError(f"{path}: is not a translate-tool briefing (no row keys)")
    version = properties.get(FORMAT_VERSION_PROPERTY, "")
    try:
        known = float(version) == FORMAT_VERSION  # LibreOffice rewrites the integer as 1.0
    except ValueError:
        known = False
    if not known:
        raise InputError(
            f"{path}: is a translate-tool briefing of format version {version or '?'}, which this "
            f"translate-tool (format {FORMAT_VERSION}) cannot read; upgrade translate-tool"
        )
    return keys


def _exported_rows(path: Path, properties: dict[str, str]) -> list[ExportedRow]:
    """(row key, English fingerprint) of every row as exported, in row order."""
    keys = _check_format(path, properties)
    fingerprints = _numbered(properties, ENGLISH_PROPERTY)
    if fingerprints is None:
        raise InputError(
            f"{path}: this briefing was exported by an older translate-tool that did not record its "
            "English, so changed rows cannot be told from unchanged ones; export the article again "
            "and copy the corrections into the new document"
        )
    if (
        len(fingerprints) != len(keys)
        or not all(KEY.match(k) for k in keys)
        or not all(FINGERPRINT.match(f) for f in fingerprints)
    ):
        raise InputError(f"{path}: damaged translate-tool properties (row keys and English do not match up)")
    return [ExportedRow(key, shown) for key, shown in zip(keys, fingerprints, strict=True)]


# --- the passage table ---------------------------------------------------------------------------


def _cell_text(cell: etree._Element | None, flag_styles: set[str]) -> str:
    if cell is None:
        return ""
    texts = []
    for paragraph in ooxml.paragraphs(cell):
        text = normalise_english("".join(ooxml.text(paragraph)))
        if ooxml.paragraph_style(paragraph) in flag_styles or text.startswith("⚑"):
            continue  # a flag line, not English
        texts.append(text)
    return normalise_english(" ".join(texts))


def _is_header(tr: etree._Element, texts: list[str], bookmarks: list[str]) -> bool:
    if bookmarks:
        return False
    return tr.find(f"{w('trPr')}/{w('tblHeader')}") is not None or texts == HEADER_TEXTS


def _row_keys(tr: etree._Element, first_cell: etree._Element | None) -> list[str]:
    """Row keys named by tt_ bookmarks: those in the # cell first, then anywhere else in the row."""
    keys: list[str] = []
    for scope in (first_cell, tr):
        if scope is None:
            continue
        for start in scope.iter(w("bookmarkStart")):
            match = ROW_BOOKMARK.match(start.get(w("name")) or "")
            if match and match.group(1) not in keys:
                keys.append(match.group(1))
    return keys


def _passage_tables(path: Path, body: etree._Element) -> list[etree._Element]:
    """The tables of passages in document order: those holding row bookmarks or our header row.

    A briefing has one per article (a combined briefing several); other tables are left alone.
    """
    found = [table for table in ooxml.children(body, w("tbl")) if _is_passage_table(table)]
    if not found:
        raise InputError(f"{path}: the table of passages is missing; nothing to import")
    return found


def _is_passage_table(table: etree._Element) -> bool:
    if any(ROW_BOOKMARK.match(start.get(w("name")) or "") for start in table.iter(w("bookmarkStart"))):
        return True
    first = next(ooxml.children(table, w("tr")), None)
    return (
        first is not None and [_cell_text(tc, set()) for tc in ooxml.children(first, w("tc"))] == HEADER_TEXTS
    )


def _body(path: Path, document: bytes) -> etree._Element:
    root = ooxml.parse(str(path), "word/document.xml", document)
    if root.tag == f"{{{STRICT_W_NS}}}document":
        raise InputError(
            f"{path}: saved as Strict Open XML; save it as Word Document (.docx) and import that"
        )
    body = root.find(w("body"))
    if root.tag != w("document") or body is None:
        raise InputError(f"{path}: not a Word document (no document body)")
    return body


def _table_rows(path: Path, document: bytes, flag_styles: set[str]) -> list[ReadRow]:
    rows: list[ReadRow] = []
    position = 0
    body = _body(path, document)
    trs = (tr for table in _passage_tables(path, body) for tr in ooxml.children(table, w("tr")))
    for tr in trs:
        if tr.find(f"{w('trPr')}/{w('del')}") is not None:
            continue  # a row deleted with change tracking on is a removed row
        cells = list(ooxml.children(tr, w("tc")))
        texts = [_cell_text(tc, flag_styles) for tc in cells]
        bookmarks = _row_keys(tr, cells[0] if cells else None)
        if _is_header(tr, texts, bookmarks):
            continue
        position += 1
        english = texts[1] if len(cells) > 1 else ""
        arabic = texts[2] if len(cells) > 2 else ""
        if not bookmarks and not english and not arabic:
            continue  # an empty row someone added: nothing to lose
        shown = texts[0].split()[:1] if texts else []
        number = int(shown[0]) if shown and shown[0].isdigit() else position
        rows.append(ReadRow(position, number, bookmarks, english, arabic))
    return rows
