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

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from lxml import etree

from ..briefing import (
    BOOKMARK_PREFIX,
    ENGLISH_PROPERTY,
    FLAG_COUNT_PROPERTY,
    FLAG_STYLE,
    FLAGS_PROPERTY,
    FORMAT_NAME,
    FORMAT_PROPERTY,
    FORMAT_VERSION,
    FORMAT_VERSION_PROPERTY,
    KEYS_PROPERTY,
    english_fingerprint,
    normalise_english,
)
from ..errors import InputError
from ..ooxml_ns import STRICT_W_NS, w
from ..safezip import UntrustedZip, open_untrusted
from ..text import ascii_number, utc_stamp
from . import ooxml
from .core import ExportedRow, Provenance, ReadRow, ReviewDocument

EXPORTER = "translate-tool"  # the exporter's lastModifiedBy: nobody has saved the file since

# A long briefing's document.xml is a few MB; Word documents with pictures stay far below the total.
MAX_PART_BYTES = 50 * 1024 * 1024  # any one part we read (document.xml, styles.xml, ...)
MAX_TOTAL_BYTES = 200 * 1024 * 1024  # all members together, as declared

KEY = re.compile(r"^[0-9a-f]{16}$")
FINGERPRINT = re.compile(r"^[0-9a-f]{6,40}$")
ROW_BOOKMARK = re.compile(re.escape(BOOKMARK_PREFIX) + r"([0-9a-f]{16})")
HEADER_TEXTS = ["#", "English", "العربية"]
NUMBER, ENGLISH, ARABIC = HEADER_TEXTS
MERGED = "cells merged across rows"


@dataclass
class _Parts:
    """The parts of the package a review needs, raw."""

    document: bytes
    custom: bytes | None = None
    styles: bytes | None = None
    core: bytes | None = None


def read_docx(path: Path) -> ReviewDocument:
    """Read a reviewed DOCX briefing; InputError, naming `path`, for anything we cannot trust."""
    parts = _read_parts(path)
    properties = ooxml.custom_properties(parts.custom, str(path)) if parts.custom else {}
    exported = _exported_rows(path, properties)
    flags = _FlagLines({FLAG_STYLE.replace(" ", "")}, _flag_fingerprints(properties))
    if parts.styles is not None:
        flags.styles |= ooxml.style_ids(ooxml.parse(str(path), "word/styles.xml", parts.styles), FLAG_STYLE)
    rows = _table_rows(path, parts.document, flags)
    return ReviewDocument(
        path, exported, rows, _file_provenance(path, ooxml.core_properties(parts.core, str(path)))
    )


def _file_provenance(path: Path, core: ooxml.CoreProperties) -> Provenance:
    """Who saved the file last and when; a file still saying "translate-tool" names nobody.

    python-docx and some editors keep the exporter's core properties, so then the file's own
    modification time is the best "when" there is.
    """
    author = "" if core.last_modified_by in ("", EXPORTER) else core.last_modified_by
    when = utc(core.modified) if author and core.modified != core.created else ""
    if not when:
        when = utc_stamp(datetime.fromtimestamp(path.stat().st_mtime, timezone.utc))
    return Provenance(author, when, str(path.resolve()), hashlib.sha256(path.read_bytes()).hexdigest())


def utc(stamp: str) -> str:
    """An OOXML date (W3CDTF, with or without a zone; a zoneless one is taken as UTC) in our form."""
    try:
        moment = datetime.fromisoformat(stamp.strip())
    except ValueError:
        return ""
    return utc_stamp(moment)


def _tracked_provenance(cell: etree._Element | None) -> Provenance:
    """The latest tracked change in a cell: the most precise who and when a file can give."""
    changes = (
        [(utc(date), author) for author, date in ooxml.tracked_changes(cell)] if cell is not None else []
    )
    changes = [(when, author) for when, author in changes if when or author]
    if not changes:
        return Provenance()
    when, author = max(changes)
    return Provenance(author, when)


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
            parts.core = _optional(zip_, package.get("core-properties", "docProps/core.xml"))
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
        (number, value)
        for name, value in properties.items()
        if name.startswith(prefix) and (number := ascii_number(name[len(prefix) :])) is not None
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


def _flag_fingerprints(properties: dict[str, str]) -> set[str] | None:
    """Fingerprints of the flag lines the export wrote; None for an export that did not list them."""
    if FLAG_COUNT_PROPERTY not in properties:
        return None
    return set(_numbered(properties, FLAGS_PROPERTY) or [])


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


@dataclass
class _FlagLines:
    """How to tell the tool's own "⚑ reason" lines from English a reviewer typed.

    A paragraph is a candidate by its style (`FLAG_STYLE`, or its id after a re-save) or by a
    ⚑ in it. With the export's list of flag-line fingerprints, only a candidate whose text is
    exactly one of them (⚑ or not) is dropped; a candidate holding more keeps what was added.
    """

    styles: set[str]
    known: set[str] | None  # None: an older export; every candidate is a flag line

    def english_in(self, paragraph: etree._Element, text: str) -> str:
        styled = ooxml.paragraph_style(paragraph) in self.styles
        if not styled and "⚑" not in text:
            return text
        # A ⚑ further in: a flag line joined to the English above it (the paragraph mark between
        # them deleted), in the style of either paragraph.
        if self.known is None:  # an older export: what follows a ⚑, or a styled line, is all flag
            return "" if styled and "⚑" not in text else text.split("⚑", 1)[0].strip()
        return self._beyond_flag(text.removeprefix("⚑").split())

    def _beyond_flag(self, words: list[str]) -> str:
        """The words left after taking known flag lines off the start and the end, longest first.

        Flag lines joined into one paragraph (the paragraph mark between them deleted) all go.
        """
        while (rest := self._one_flag_off(words)) is not None:
            words = rest.split()
        return " ".join(words)

    def _one_flag_off(self, words: list[str]) -> str | None:
        """The words left after taking the longest known flag line off the start or the end."""
        for size in range(len(words), 0, -1):
            if english_fingerprint(" ".join(words[:size])) in self.known:
                return " ".join(words[size:]).lstrip("⚑ ")
            if english_fingerprint(" ".join(words[-size:])) in self.known:
                return " ".join(words[:-size]).rstrip("⚑ ")
        return None


def _cell_text(cell: etree._Element, flags: _FlagLines | None) -> str:
    texts = []
    for paragraph in ooxml.paragraphs(cell):
        text = normalise_english("".join(ooxml.text(paragraph)))
        texts.append(flags.english_in(paragraph, text) if flags else text)
    return normalise_english(" ".join(texts))


@dataclass
class _Cell:
    element: etree._Element
    column: int  # the grid column it starts in, so a merged or inserted cell shifts nothing
    text: str


def _cells(tr: etree._Element, flags: _FlagLines | None) -> list[_Cell]:
    before = tr.find(f"{w('trPr')}/{w('gridBefore')}")
    column = (ascii_number(before.get(w("val"), "")) if before is not None else None) or 0
    cells = []
    for tc in ooxml.children(tr, w("tc")):
        cells.append(_Cell(tc, column, _cell_text(tc, flags)))
        column += ooxml.grid_span(tc)
    return cells


def _header_columns(cells: list[_Cell]) -> dict[str, int] | None:
    """Grid column of each of our headers when this row is our header row (columns may be added)."""
    found = {cell.text: cell.column for cell in cells if cell.text in HEADER_TEXTS}
    return found if len(found) == len(HEADER_TEXTS) else None


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


def _has_row_bookmark(element: etree._Element) -> bool:
    return any(ROW_BOOKMARK.match(start.get(w("name")) or "") for start in element.iter(w("bookmarkStart")))


def _passage_tables(path: Path, body: etree._Element) -> list[etree._Element]:
    """The tables of passages in document order: those holding row bookmarks or our header row.

    A briefing has one per article (a combined briefing several); other tables are left alone.
    """
    found = [table for table in ooxml.children(body, w("tbl")) if _is_passage_table(table)]
    if not found:
        raise InputError(f"{path}: the table of passages is missing; nothing to import")
    return found


def _is_passage_table(table: etree._Element) -> bool:
    if _has_row_bookmark(table):
        return True
    first = next(ooxml.children(table, w("tr")), None)
    return first is not None and _header_columns(_cells(first, None)) is not None


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


def _table_rows(path: Path, document: bytes, flags: _FlagLines) -> list[ReadRow]:
    rows: list[ReadRow] = []
    for table in _passage_tables(path, _body(path, document)):
        rows.extend(_TableReader(flags, len(rows)).rows(table))
    return rows


class _TableReader:
    """The passage rows of one table, its columns found from its header row or each row's bookmark."""

    def __init__(self, flags: _FlagLines, before: int) -> None:
        self.flags = flags
        self.position = before  # rows are numbered through all passage tables
        self.columns: dict[str, int] | None = None

    def rows(self, table: etree._Element) -> list[ReadRow]:
        out = []
        for tr in ooxml.children(table, w("tr")):
            if tr.find(f"{w('trPr')}/{w('del')}") is not None:
                continue  # a row deleted with change tracking on is a removed row
            row = self._row(tr, _cells(tr, self.flags))
            if row is not None:
                out.append(row)
        return out

    def _row(self, tr: etree._Element, cells: list[_Cell]) -> ReadRow | None:
        header = _header_columns(cells)
        if header is not None and not _has_row_bookmark(tr):
            self.columns = header
            return None
        if not _has_row_bookmark(tr) and tr.find(f"{w('trPr')}/{w('tblHeader')}") is not None:
            return None
        self.position += 1
        number, english, arabic = self._place(cells)
        keys = _row_keys(tr, number.element if number else None)
        if not keys and not _text(english) and not _text(arabic):
            return None  # an empty row someone added: nothing to lose
        shown = _text(number).split()
        problem = MERGED if any(c and ooxml.in_vertical_merge(c.element) for c in (english, arabic)) else ""
        row_number = (ascii_number(shown[0]) if shown else None) or self.position
        provenance = _tracked_provenance(english.element if english else None)
        return ReadRow(self.position, row_number, keys, _text(english), _text(arabic), provenance, problem)

    def _place(self, cells: list[_Cell]) -> tuple[_Cell | None, ...]:
        """The #, English and Arabic cells: by the header's columns, else right of the bookmark."""
        if self.columns is not None:
            by_column = {cell.column: cell for cell in cells}
            return tuple(by_column.get(self.columns[name]) for name in HEADER_TEXTS)
        first = next((i for i, c in enumerate(cells) if _has_row_bookmark(c.element)), 0)
        return tuple(cells[i] if i < len(cells) else None for i in range(first, first + 3))


def _text(cell: _Cell | None) -> str:
    return cell.text if cell is not None else ""
