"""Read a reviewed Word briefing back: which rows a reviewer changed, and which cannot be matched.

`read_review(path)` only reads; it never touches the translation memory (`translate-tool review
import` hands the changes to `TranslationMemory.record_reviews` in one transaction).

How a row is matched and judged, without trusting the memory's current state:

- the row's key comes from the `tt_<key>` bookmark in its `#` cell (`export/docx.py` writes it;
  a repeated passage's bookmark has a `_2`, `_3` suffix, which is ignored); a row whose bookmark
  was lost is matched by its Arabic text when no other row holds that key;
- a combined briefing has one passage table per article: the rows of all of them are read in
  document order, as the exported keys are listed;
- the Arabic cell must still give that key (`source_key`), or the row is reported, not imported;
- the English is compared with the fingerprint of the English as exported, stored per row in the
  document's custom properties, so "changed" means changed in this document.

The English is read the way Word shows it with all tracked changes accepted: text inside `w:ins`
(and `w:moveTo`) counts, text inside `w:del` (and `w:moveFrom`) does not, field codes do not, and
the "⚑ reason" flag paragraphs (paragraph style `FLAG_STYLE`) are left out. Paragraphs are
joined with a space and whitespace is collapsed, as in `normalise_english`.

The file is untrusted: it is checked as a zip (member count, declared and real sizes) before any
part is read, and XML with a DOCTYPE or entity declarations is refused before it is parsed.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from .article import source_key
from .errors import InputError
from .export.docx import (
    BOOKMARK_PREFIX,
    ENGLISH_PROPERTY,
    FLAG_STYLE,
    FORMAT_NAME,
    FORMAT_VERSION,
    KEYS_PROPERTY,
    english_fingerprint,
    normalise_english,
)
from .export.ooxml import CUSTOM_PROPS_NS
from .memory import ReviewChange

# Limits on the untrusted zip, checked before anything is decompressed. A long briefing's
# document.xml is a few MB; Word documents with pictures stay far below the total.
MAX_MEMBERS = 2000
MAX_PART_BYTES = 50 * 1024 * 1024  # any one part we read (document.xml, styles.xml, ...)
MAX_TOTAL_BYTES = 200 * 1024 * 1024  # all members together, as declared

ARABIC_EDITED = "Arabic text edited"
ROW_ADDED = "row added (no row key)"
ROW_REMOVED = "row removed"
DUPLICATE_KEY = "duplicate row key"
ENGLISH_DELETED = "English text deleted"

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
STRICT_W_NS = "http://purl.oclc.org/ooxml/wordprocessingml/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
VT_TEXT = re.compile(r"^\{[^}]*\}(lpwstr|lpstr|bstr|i[1248]|ui[1248]|int|uint|r[48]|decimal)$")
KEY = re.compile(r"^[0-9a-f]{16}$")
FINGERPRINT = re.compile(r"^[0-9a-f]{6,40}$")
ROW_BOOKMARK = re.compile(re.escape(BOOKMARK_PREFIX) + r"([0-9a-f]{16})")
HEADER_TEXTS = ["#", "English", "العربية"]


def _w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


# Containers that only wrap rows, cells or runs; their content counts as if they were not there.
WRAPPERS = {_w("sdt"), _w("sdtContent"), _w("customXml"), _w("smartTag")}
# Never part of the visible English: tracked deletions and moves away, field codes, properties.
SKIP_IN_TEXT = {
    _w(tag)
    for tag in (
        "del", "moveFrom", "delText", "delInstrText", "instrText", "pPr", "rPr", "sdtPr",
        "sdtEndPr", "customXmlPr", "smartTagPr", "txbxContent", "fldData", "commentReference",
    )
} | {f"{{{MC_NS}}}Fallback"}  # fmt: skip
SPACE_IN_TEXT = {_w("tab"), _w("br"), _w("cr"), _w("ptab")}

# Entities stay unexpanded, nothing is fetched, and no DTD is loaded; DOCTYPEs are refused anyway.
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, dtd_validation=False
)


@dataclass(frozen=True)
class ChangedRow:
    """A row whose English the reviewer changed: the correction to store, and where it was."""

    row: int
    key: str
    change: ReviewChange


@dataclass(frozen=True)
class UnmatchedRow:
    """A row that cannot be imported (or an exported row that is gone), with the reason.

    `english` is the reviewer's English from that row, so the report can show it and nothing
    typed is lost; it is empty for a removed row.
    """

    row: int
    reason: str
    english: str = ""
    arabic: str = ""
    key: str = ""


@dataclass
class ReviewResult:
    path: Path
    changes: list[ChangedRow] = field(default_factory=list)
    unchanged: int = 0
    unmatched: list[UnmatchedRow] = field(default_factory=list)

    @property
    def review_changes(self) -> list[ReviewChange]:
        """The corrections in row order, as `TranslationMemory.record_reviews` takes them."""
        return [changed.change for changed in self.changes]


@dataclass
class _Row:
    position: int  # 1-based among the body rows of the passage tables, in document order
    number: int  # what the # cell shows, else the position
    bookmarks: list[str]  # row keys named by tt_ bookmarks in the row, in order
    english: str
    arabic: str

    @property
    def arabic_key(self) -> str | None:
        return source_key(self.arabic) if self.arabic.strip() else None


def read_review(path: Path) -> ReviewResult:
    """Match every row of a reviewed briefing to the exported row it came from.

    Raises InputError, naming `path`, for anything that is not a briefing this version can read:
    not a DOCX, a damaged or oversized one, hostile XML, or a Word document not made by
    translate-tool.
    """
    parts = _read_parts(path)
    properties = _custom_properties(path, parts.get("custom"))
    exported = _exported_rows(path, properties)
    flag_styles = _flag_style_ids(path, parts.get("styles"))
    rows = _table_rows(path, parts["document"], flag_styles)
    return _classify(path, exported, rows)


# --- the package -------------------------------------------------------------------------------


def _read_parts(path: Path) -> dict[str, bytes]:
    """The raw bytes of the main document and, if present, its custom properties and styles."""
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
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise InputError(f"{path}: refusing a DOCX with {len(infos)} parts (at most {MAX_MEMBERS})")
            total = sum(info.file_size for info in infos)
            if total > MAX_TOTAL_BYTES:
                raise InputError(
                    f"{path}: refusing a DOCX that unpacks to {total / 2**20:.0f} MB "
                    f"(at most {MAX_TOTAL_BYTES // 2**20} MB)"
                )
            names = {info.filename for info in infos}
            package = _relationships(path, archive, names, "_rels/.rels", "")
            document = package.get("officeDocument", "word/document.xml")
            if document not in names:
                raise InputError(f"{path}: not a Word document (no {document} in the package)")
            parts = {"document": _read_member(path, archive, document)}
            custom = package.get("custom-properties", "docProps/custom.xml")
            if custom in names:
                parts["custom"] = _read_member(path, archive, custom)
            folder, base = posixpath.split(document)
            rels = _relationships(
                path, archive, names, posixpath.join(folder, "_rels", base + ".rels"), folder
            )
            styles = rels.get("styles", posixpath.join(folder, "styles.xml"))
            if styles in names:
                parts["styles"] = _read_member(path, archive, styles)
            return parts
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
        raise InputError(f"{path}: damaged DOCX (the zip archive cannot be read: {exc})") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _read_member(path: Path, archive: zipfile.ZipFile, name: str) -> bytes:
    """A member's bytes, refusing it by its declared size and again by what really comes out."""
    info = archive.getinfo(name)
    if info.file_size > MAX_PART_BYTES:
        raise InputError(
            f"{path}: refusing a DOCX whose {name} unpacks to {info.file_size / 2**20:.0f} MB "
            f"(at most {MAX_PART_BYTES // 2**20} MB)"
        )
    with archive.open(info) as member:
        data = member.read(MAX_PART_BYTES + 1)
    if len(data) > MAX_PART_BYTES:  # the zip's size fields lied
        raise InputError(f"{path}: refusing a DOCX whose {name} unpacks to more than it declares")
    return data


def _relationships(
    path: Path, archive: zipfile.ZipFile, names: set[str], rels: str, folder: str
) -> dict[str, str]:
    """Relationship type (last URI segment, e.g. `styles`) -> part name, from one .rels part."""
    if rels not in names:
        return {}
    root = _parse(path, rels, _read_member(path, archive, rels))
    out: dict[str, str] = {}
    for rel in root.iter(f"{{{REL_NS}}}Relationship"):
        target, kind = rel.get("Target") or "", (rel.get("Type") or "").rsplit("/", 1)[-1]
        if rel.get("TargetMode") == "External" or not target or kind in out:
            continue
        joined = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        out[kind] = posixpath.normpath(joined).lstrip("/")
    return out


def _has_declarations(data: bytes) -> bool:
    """True when XML bytes hold a DOCTYPE or ENTITY declaration (UTF-8 or UTF-16 encoded)."""
    probe = data.replace(b"\x00", b"") if b"\x00" in data[:4] else data
    return b"<!DOCTYPE" in probe or b"<!ENTITY" in probe


def _parse(path: Path, name: str, data: bytes) -> etree._Element:
    if _has_declarations(data):
        raise InputError(
            f"{path}: refusing a DOCX whose {name} declares a DOCTYPE or entities (Word never writes them)"
        )
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{path}: damaged DOCX ({name} is not well-formed XML: {exc})") from None
    if root.getroottree().docinfo.internalDTD is not None:
        raise InputError(f"{path}: refusing a DOCX whose {name} declares a DOCTYPE")
    return root


# --- document properties -------------------------------------------------------------------------


def _custom_properties(path: Path, blob: bytes | None) -> dict[str, str]:
    """Name -> text of each custom document property (numbers as written, e.g. `1` or `1.0`)."""
    if blob is None:
        return {}
    root = _parse(path, "docProps/custom.xml", blob)
    out = {}
    for prop in root.iter(f"{{{CUSTOM_PROPS_NS}}}property"):
        value = next((child for child in prop if VT_TEXT.match(str(child.tag))), None)
        if prop.get("name") and value is not None:
            out[prop.get("name")] = (value.text or "").strip()
    return out


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


def _exported_rows(path: Path, properties: dict[str, str]) -> list[tuple[str, str]]:
    """(row key, English fingerprint) of every row as exported, in row order."""
    keys = _numbered(properties, KEYS_PROPERTY)
    if properties.get("translate-tool-format") != FORMAT_NAME or keys is None:
        raise InputError(f"{path}: is not a translate-tool briefing (no row keys)")
    version = properties.get("translate-tool-format-version", "")
    try:
        known = float(version) == FORMAT_VERSION  # LibreOffice rewrites the integer as 1.0
    except ValueError:
        known = False
    if not known:
        raise InputError(
            f"{path}: is a translate-tool briefing of format version {version or '?'}, which this "
            f"translate-tool (format {FORMAT_VERSION}) cannot read; upgrade translate-tool"
        )
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
    return list(zip(keys, fingerprints, strict=True))


def _flag_style_ids(path: Path, blob: bytes | None) -> set[str]:
    """Style ids of the flag paragraph style; Word and LibreOffice keep its name, not always its id."""
    ids = {FLAG_STYLE.replace(" ", "")}
    if blob is None:
        return ids
    root = _parse(path, "word/styles.xml", blob)
    for style in root.iter(_w("style")):
        name = style.find(_w("name"))
        if name is not None and (name.get(_w("val")) or "").casefold() == FLAG_STYLE.casefold():
            ids.add(style.get(_w("styleId")) or "")
    return ids


# --- the passage table ---------------------------------------------------------------------------


def _children(element: etree._Element, tag: str) -> Iterator[etree._Element]:
    """`element`'s children called `tag`, looking through content controls and custom XML."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag in WRAPPERS:
            yield from _children(child, tag)


def _paragraphs(element: etree._Element) -> Iterator[etree._Element]:
    """Every paragraph in a cell in reading order (nested tables included, fallbacks not)."""
    for child in element:
        if child.tag == _w("p"):
            yield child
        elif child.tag not in SKIP_IN_TEXT:
            yield from _paragraphs(child)


def _text(element: etree._Element) -> Iterator[str]:
    """The visible text of a paragraph with tracked changes accepted."""
    for child in element:
        tag = child.tag
        if tag in SKIP_IN_TEXT or not isinstance(tag, str):  # comments, processing instructions
            continue
        if tag == _w("t"):
            yield child.text or ""
        elif tag in SPACE_IN_TEXT:
            yield " "
        elif tag == _w("noBreakHyphen"):
            yield "-"
        else:
            yield from _text(child)


def _paragraph_style(paragraph: etree._Element) -> str:
    style = paragraph.find(f"{_w('pPr')}/{_w('pStyle')}")
    return (style.get(_w("val")) or "") if style is not None else ""


def _cell_text(cell: etree._Element | None, flag_styles: set[str]) -> str:
    if cell is None:
        return ""
    texts = []
    for paragraph in _paragraphs(cell):
        text = normalise_english("".join(_text(paragraph)))
        if _paragraph_style(paragraph) in flag_styles or text.startswith("⚑"):
            continue  # a flag line, not English
        texts.append(text)
    return normalise_english(" ".join(texts))


def _is_header(tr: etree._Element, texts: list[str], bookmarks: list[str]) -> bool:
    if bookmarks:
        return False
    return tr.find(f"{_w('trPr')}/{_w('tblHeader')}") is not None or texts == HEADER_TEXTS


def _row_keys(tr: etree._Element, first_cell: etree._Element | None) -> list[str]:
    """Row keys named by tt_ bookmarks: those in the # cell first, then anywhere else in the row."""
    keys: list[str] = []
    for scope in (first_cell, tr):
        if scope is None:
            continue
        for start in scope.iter(_w("bookmarkStart")):
            match = ROW_BOOKMARK.match(start.get(_w("name")) or "")
            if match and match.group(1) not in keys:
                keys.append(match.group(1))
    return keys


def _passage_tables(path: Path, body: etree._Element) -> list[etree._Element]:
    """The tables of passages in document order: those holding row bookmarks or our header row.

    A briefing has one per article (a combined briefing several); other tables are left alone.
    """
    found = [table for table in _children(body, _w("tbl")) if _is_passage_table(table)]
    if not found:
        raise InputError(f"{path}: the table of passages is missing; nothing to import")
    return found


def _is_passage_table(table: etree._Element) -> bool:
    if any(ROW_BOOKMARK.match(start.get(_w("name")) or "") for start in table.iter(_w("bookmarkStart"))):
        return True
    first = next(_children(table, _w("tr")), None)
    return first is not None and [_cell_text(tc, set()) for tc in _children(first, _w("tc"))] == HEADER_TEXTS


def _table_rows(path: Path, document: bytes, flag_styles: set[str]) -> list[_Row]:
    root = _parse(path, "word/document.xml", document)
    if root.tag == f"{{{STRICT_W_NS}}}document":
        raise InputError(
            f"{path}: saved as Strict Open XML; save it as Word Document (.docx) and import that"
        )
    body = root.find(_w("body"))
    if root.tag != _w("document") or body is None:
        raise InputError(f"{path}: not a Word document (no document body)")
    rows = []
    position = 0
    trs = (tr for table in _passage_tables(path, body) for tr in _children(table, _w("tr")))
    for tr in trs:
        if tr.find(f"{_w('trPr')}/{_w('del')}") is not None:
            continue  # a row deleted with change tracking on is a removed row
        cells = list(_children(tr, _w("tc")))
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
        rows.append(_Row(position, number, bookmarks, english, arabic))
    return rows


# --- matching ------------------------------------------------------------------------------------


def _classify(path: Path, exported: list[tuple[str, str]], rows: list[_Row]) -> ReviewResult:
    result = ReviewResult(path)
    expected = Counter(key for key, _ in exported)
    fingerprints: dict[str, set[str]] = defaultdict(set)
    positions: dict[str, list[int]] = defaultdict(list)
    for number, (key, fingerprint) in enumerate(exported, start=1):
        fingerprints[key].add(fingerprint)
        positions[key].append(number)

    # A row's key is the bookmark's (the one the Arabic gives, if it carries several). A row with
    # no bookmark of ours is matched by its Arabic when that key is otherwise unclaimed.
    groups: dict[str, list[_Row]] = defaultdict(list)
    loose: list[_Row] = []
    for row in rows:
        known = [key for key in row.bookmarks if key in expected]
        if not known:
            loose.append(row)
            continue
        key = row.arabic_key if row.arabic_key in known else known[0]
        groups[key].append(row)
    for row in loose:
        key = row.arabic_key
        if key in expected and len(groups[key]) < expected[key]:
            groups[key].append(row)
        else:
            result.unmatched.append(UnmatchedRow(row.number, ROW_ADDED, row.english, row.arabic))

    for key in positions:
        group = sorted(groups.get(key, []), key=lambda r: r.position)
        if len(group) > expected[key]:
            for row in group:
                result.unmatched.append(UnmatchedRow(row.number, DUPLICATE_KEY, row.english, row.arabic, key))
            continue
        for number in positions[key][len(group) :]:
            result.unmatched.append(UnmatchedRow(number, ROW_REMOVED, key=key))
        changed: list[_Row] = []
        for row in group:
            if row.arabic_key != key:
                result.unmatched.append(UnmatchedRow(row.number, ARABIC_EDITED, row.english, row.arabic, key))
            elif english_fingerprint(row.english) in fingerprints[key]:
                result.unchanged += 1
            elif not row.english:
                result.unmatched.append(UnmatchedRow(row.number, ENGLISH_DELETED, "", row.arabic, key))
            else:
                changed.append(row)
        # Repeated Arabic (the same passage twice in the article) has one memory entry: two
        # different corrections for it cannot both be stored, so neither is.
        if len({row.english for row in changed}) > 1:
            for row in changed:
                result.unmatched.append(UnmatchedRow(row.number, DUPLICATE_KEY, row.english, row.arabic, key))
        elif changed:
            row = changed[0]
            result.changes.append(ChangedRow(row.number, key, ReviewChange(row.arabic, row.english)))
            result.unchanged += len(changed) - 1

    result.changes.sort(key=lambda c: c.row)
    result.unmatched.sort(key=lambda u: (u.row, u.reason))
    return result
