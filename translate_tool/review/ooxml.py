"""The read side of WordprocessingML: safe parsing, package relationships, properties and visible text.

The counterpart of `export/ooxml.py` (which builds what python-docx cannot), sharing its
namespaces from `ooxml_ns`, with no python-docx import: lxml only. Nothing here knows about
briefings; `review/docx.py` does.

Text is read the way Word shows it with all tracked changes accepted: text inside `w:ins`
(and `w:moveTo`) counts, text inside `w:del` (and `w:moveFrom`) does not, nor do field codes.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from ..errors import InputError
from ..ooxml_ns import CORE_PROPS_NS, CUSTOM_PROPS_NS, DCTERMS_NS, MC_NS, REL_NS, w
from ..text import ascii_number

# Containers that only wrap rows, cells or runs; their content counts as if they were not there.
WRAPPERS = {w("sdt"), w("sdtContent"), w("customXml"), w("smartTag")}
# Never part of the visible text: tracked deletions and moves away, field codes, properties.
SKIP_IN_TEXT = {
    w(tag)
    for tag in (
        "del", "moveFrom", "delText", "delInstrText", "instrText", "pPr", "rPr", "sdtPr",
        "sdtEndPr", "customXmlPr", "smartTagPr", "txbxContent", "fldData", "commentReference",
    )
} | {f"{{{MC_NS}}}Fallback"}  # fmt: skip
SPACE_IN_TEXT = {w("tab"), w("br"), w("cr"), w("ptab")}
INSERTIONS = (w("ins"), w("moveTo"))

# Entities stay unexpanded, nothing is fetched, and no DTD is loaded; DOCTYPEs are refused anyway.
# huge_tree lifts libxml2's 10 MB limit on one text node (a 10 MB single-paragraph article is one
# w:t); what it guarded against is bounded here already: entities are refused before parsing,
# and every part is refused above `safezip`'s size limit before it is decompressed.
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=True, load_dtd=False, dtd_validation=False
)


def _has_declarations(data: bytes) -> bool:
    """True when XML bytes hold a DOCTYPE or ENTITY declaration (UTF-8 or UTF-16 encoded)."""
    probe = data.replace(b"\x00", b"") if b"\x00" in data[:4] else data
    return b"<!DOCTYPE" in probe or b"<!ENTITY" in probe


def parse(where: str, name: str, data: bytes) -> etree._Element:
    """Parse one part of an untrusted package; `where` (the file) and `name` go into the error."""
    if _has_declarations(data):
        raise InputError(
            f"{where}: refusing a DOCX whose {name} declares a DOCTYPE or entities (Word never writes them)"
        )
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{where}: damaged DOCX ({name} is not well-formed XML: {exc})") from None
    if root.getroottree().docinfo.internalDTD is not None:
        raise InputError(f"{where}: refusing a DOCX whose {name} declares a DOCTYPE")
    return root


def relationships(root: etree._Element, folder: str) -> dict[str, str]:
    """Relationship type (last URI segment, e.g. `styles`) -> part name, from one parsed .rels part."""
    out: dict[str, str] = {}
    for rel in root.iter(f"{{{REL_NS}}}Relationship"):
        target, kind = rel.get("Target") or "", (rel.get("Type") or "").rsplit("/", 1)[-1]
        if rel.get("TargetMode") == "External" or not target or kind in out:
            continue
        # An absolute target is from the package root; `folder` never starts with a slash.
        joined = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        out[kind] = posixpath.normpath(joined)
    return out


def rels_name(part: str) -> str:
    """The relationships part of `part`: `word/document.xml` -> `word/_rels/document.xml.rels`."""
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def custom_properties(blob: bytes, where: str = "docProps/custom.xml") -> dict[str, str]:
    """Name -> text of each custom document property (numbers as written, e.g. `1` or `1.0`)."""
    root = parse(where, "docProps/custom.xml", blob)
    out = {}
    for prop in root.iter(f"{{{CUSTOM_PROPS_NS}}}property"):
        value = next((child for child in prop if isinstance(child.tag, str)), None)
        if prop.get("name") and value is not None:
            out[prop.get("name")] = (value.text or "").strip()
    return out


@dataclass(frozen=True)
class CoreProperties:
    """Who saved the file last and when, as the file itself says (`docProps/core.xml`)."""

    last_modified_by: str = ""
    modified: str = ""  # W3CDTF as written, e.g. 2024-05-01T09:30:00Z
    created: str = ""


def core_properties(blob: bytes | None, where: str) -> CoreProperties:
    if blob is None:
        return CoreProperties()
    root = parse(where, "docProps/core.xml", blob)

    def value(tag: str) -> str:
        found = root.find(tag)
        return " ".join((found.text or "").split()) if found is not None else ""

    return CoreProperties(
        value(f"{{{CORE_PROPS_NS}}}lastModifiedBy"),
        value(f"{{{DCTERMS_NS}}}modified"),
        value(f"{{{DCTERMS_NS}}}created"),
    )


def style_ids(root: etree._Element, name: str) -> set[str]:
    """Ids of the styles called `name` (case-insensitive) in a parsed styles part.

    Word and LibreOffice keep a style's name on a re-save, not always its id.
    """
    ids = set()
    for style in root.iter(w("style")):
        found = style.find(w("name"))
        if found is not None and (found.get(w("val")) or "").casefold() == name.casefold():
            ids.add(style.get(w("styleId")) or "")
    return ids


def children(element: etree._Element, tag: str) -> Iterator[etree._Element]:
    """`element`'s children called `tag`, looking through content controls and custom XML."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag in WRAPPERS:
            yield from children(child, tag)


def paragraphs(element: etree._Element) -> Iterator[etree._Element]:
    """Every paragraph in a cell in reading order (nested tables included, fallbacks not)."""
    for child in element:
        if child.tag == w("p"):
            yield child
        elif child.tag not in SKIP_IN_TEXT:
            yield from paragraphs(child)


def text(element: etree._Element) -> Iterator[str]:
    """The visible text of a paragraph with tracked changes accepted."""
    for child in element:
        tag = child.tag
        if tag in SKIP_IN_TEXT or not isinstance(tag, str):  # comments, processing instructions
            continue
        if tag == w("t"):
            yield child.text or ""
        elif tag in SPACE_IN_TEXT:
            yield " "
        elif tag == w("noBreakHyphen"):
            yield "-"
        else:
            yield from text(child)


def paragraph_style(paragraph: etree._Element) -> str:
    style = paragraph.find(f"{w('pPr')}/{w('pStyle')}")
    return (style.get(w("val")) or "") if style is not None else ""


def tracked_changes(element: etree._Element) -> list[tuple[str, str]]:
    """(author, date) of every tracked insertion or deletion inside `element`, in document order."""
    out = []
    for change in element.iter(*INSERTIONS, w("del"), w("moveFrom")):
        out.append((" ".join((change.get(w("author")) or "").split()), change.get(w("date")) or ""))
    return out


def in_vertical_merge(cell: etree._Element) -> bool:
    """True for a cell merged with the cell above or below it (`w:vMerge`, restart or continue)."""
    return cell.find(f"{w('tcPr')}/{w('vMerge')}") is not None


def grid_span(cell: etree._Element) -> int:
    span = cell.find(f"{w('tcPr')}/{w('gridSpan')}")
    value = ascii_number(span.get(w("val"), "")) if span is not None else None
    return value if value else 1
