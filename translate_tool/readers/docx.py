"""Word documents (.docx): the body in reading order, structure from the styles.

- The Title style is the title; Heading styles, and any paragraph with an outline level
  (its own or its style's), are headings; other paragraphs are body paragraphs. A document
  that uses none of these styles (text pasted from a web page) is classified by the same
  rules as plain text.
- Tables are read row by row: a row with text in several cells is one passage, its cells
  joined with " | "; a row with one cell holding text (a layout table) gives its paragraphs.
- Text is read as Word shows it with tracked changes accepted (`review.ooxml.text`); comments
  live in their own part and are never read. Word stores right-to-left text in logical order,
  so what is read is what an Arabic reader reads.
- Headers and footers are set aside as chrome.

The file is untrusted: it goes through the shared zip guard (`safezip`), XML with a DOCTYPE
is refused, and a macro-enabled document (.docm) is refused whatever it is called.
"""

from __future__ import annotations

import io
import posixpath
from collections.abc import Iterator
from pathlib import Path

from ..article import Article, BlockKind
from ..errors import InputError
from ..ooxml_ns import REL_NS, w
from ..safezip import UntrustedZip, open_untrusted
from .structure import Line, build_article, clean_line

MAX_PART_BYTES = 50 * 1024 * 1024
MAX_TOTAL_BYTES = 200 * 1024 * 1024
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
MACRO_TYPES = ("macroEnabled", "vbaProject")
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
TEMPLATE_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
OTHER_ZIPS = {
    "application/vnd.oasis.opendocument.text": "an OpenDocument text (.odt); save it as .docx",
    "application/epub+zip": "an EPUB book",
}


def read(data: bytes, path: Path | None, name: str) -> Article:
    with open_untrusted(
        io.BytesIO(data), InputError, "DOCX", max_total=MAX_TOTAL_BYTES, max_part=MAX_PART_BYTES, name=name
    ) as zip_:
        document = _main_part(zip_, name)
        lines = list(_chrome(zip_, document, name))
        styles = _styles(zip_, document, name)
        body = _parse(name, document, zip_.read(document)).find(w("body"))
        if body is None:
            raise InputError(f"{name}: damaged DOCX (the document has no body)")
        content = list(_block_lines(body, styles))
    styled = any(kind in (BlockKind.TITLE, BlockKind.HEADING) for _, kind in content)
    if styled and not any(kind is BlockKind.TITLE for _, kind in content):
        # No Title style: a first-level heading at the top is the document's title.
        first = next((i for i, (text, _) in enumerate(content) if text), None)
        if first is not None and content[first][1] is BlockKind.HEADING:
            content[first] = (content[first][0], BlockKind.TITLE)
    for text, kind in content:
        lines.append(Line(text, (kind or BlockKind.PARAGRAPH) if styled else None))
    if not any(text for text, _ in content):
        raise InputError(f"{name}: the Word document has no text")
    return build_article(lines, path)


# --- the package ---------------------------------------------------------------------------------


def _parse(name: str, part: str, data: bytes):
    from ..review import ooxml

    return ooxml.parse(name, part, data)


def _main_part(zip_: UntrustedZip, name: str) -> str:
    """The main document part, refusing macro-enabled documents and zips that are not Word."""
    if "mimetype" in zip_.names:
        mimetype = zip_.read("mimetype").decode("ascii", "replace").strip()
        if mimetype in OTHER_ZIPS:
            raise InputError(f"{name}: unsupported format, {OTHER_ZIPS[mimetype]}")
    if any(n.lower().endswith("vbaproject.bin") for n in zip_.names):
        raise InputError(f"{name}: refusing a macro-enabled Word document (.docm); save it as .docx")
    types: dict[str, str] = {}
    if "[Content_Types].xml" in zip_.names:
        root = _parse(name, "[Content_Types].xml", zip_.read("[Content_Types].xml"))
        for override in root.iter(f"{{{CT_NS}}}Override"):
            types[(override.get("PartName") or "").lstrip("/")] = override.get("ContentType") or ""
    if any(marker in t for t in types.values() for marker in MACRO_TYPES):
        raise InputError(f"{name}: refusing a macro-enabled Word document (.docm); save it as .docx")
    document = _targets(zip_, "_rels/.rels", "", name).get("officeDocument", ["word/document.xml"])[0]
    if document not in zip_.names or types.get(document, WORD_MAIN) not in (WORD_MAIN, TEMPLATE_MAIN):
        raise InputError(
            f"{name}: a zip archive but not a Word document (no word/document.xml); "
            "unsupported format (supported: plain text, web pages, Word .docx, PDF)"
        )
    return document


def _targets(zip_: UntrustedZip, rels: str, folder: str, name: str) -> dict[str, list[str]]:
    """Relationship type (last URI segment) -> every internal part it points to, in order."""
    if rels not in zip_.names:
        return {}
    out: dict[str, list[str]] = {}
    for rel in _parse(name, rels, zip_.read(rels)).iter(f"{{{REL_NS}}}Relationship"):
        target, kind = rel.get("Target") or "", (rel.get("Type") or "").rsplit("/", 1)[-1]
        if rel.get("TargetMode") == "External" or not target:
            continue  # a linked picture or template: never fetched
        joined = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        out.setdefault(kind, []).append(posixpath.normpath(joined).lstrip("/"))
    return out


def _document_rels(zip_: UntrustedZip, document: str, name: str) -> dict[str, list[str]]:
    folder, base = posixpath.split(document)
    return _targets(zip_, posixpath.join(folder, "_rels", base + ".rels"), folder, name)


def _chrome(zip_: UntrustedZip, document: str, name: str) -> Iterator[Line]:
    from ..review import ooxml

    rels = _document_rels(zip_, document, name)
    seen: set[str] = set()
    for part in rels.get("header", []) + rels.get("footer", []):
        if part not in zip_.names:
            continue
        for paragraph in ooxml.paragraphs(_parse(name, part, zip_.read(part))):
            text = clean_line("".join(ooxml.text(paragraph)))
            if text and text not in seen:  # first-page, odd and even headers often repeat
                seen.add(text)
                yield Line(text, chrome=True)


# --- styles ----------------------------------------------------------------------------------


def _styles(zip_: UntrustedZip, document: str, name: str) -> dict[str, BlockKind]:
    """Paragraph style id -> the block kind it stands for (only styles that make structure)."""
    parts = _document_rels(zip_, document, name).get("styles", [])
    if not parts or parts[0] not in zip_.names:
        return {}
    root = _parse(name, parts[0], zip_.read(parts[0]))
    names: dict[str, str] = {}
    based: dict[str, str] = {}
    outline: set[str] = set()
    for style in root.iter(w("style")):
        if style.get(w("type")) not in (None, "paragraph"):
            continue
        sid = style.get(w("styleId")) or ""
        found = style.find(w("name"))
        names[sid] = ((found.get(w("val")) if found is not None else "") or sid).casefold()
        parent = style.find(w("basedOn"))
        if parent is not None:
            based[sid] = parent.get(w("val")) or ""
        level = style.find(f"{w('pPr')}/{w('outlineLvl')}")
        if level is not None and (level.get(w("val")) or "9") < "9":
            outline.add(sid)
    kinds: dict[str, BlockKind] = {}
    for sid in names:
        chain, current = [], sid
        while current in names and current not in chain and len(chain) < 20:
            chain.append(current)
            current = based.get(current, "")
        for link in chain:  # the nearest style in the chain that says something decides
            label = names[link]
            if label in ("title", "subtitle"):
                kinds[sid] = BlockKind.TITLE if label == "title" else BlockKind.HEADING
                break
            if label.startswith("heading") or link in outline:
                kinds[sid] = BlockKind.HEADING
                break
    return kinds


def _kind(paragraph, styles: dict[str, BlockKind]) -> BlockKind | None:
    from ..review import ooxml

    level = paragraph.find(f"{w('pPr')}/{w('outlineLvl')}")
    if level is not None and (level.get(w("val")) or "9") < "9":
        return BlockKind.HEADING
    return styles.get(ooxml.paragraph_style(paragraph))


# --- the body --------------------------------------------------------------------------------


def _continues_merge(cell) -> bool:
    """A cell merged into the one above it: its text was read with that row."""
    merge = cell.find(f"{w('tcPr')}/{w('vMerge')}")
    return merge is not None and (merge.get(w("val")) or "continue") == "continue"


def _block_lines(container, styles: dict[str, BlockKind]) -> Iterator[tuple[str, BlockKind | None]]:
    """(text, kind from the styles or None) for paragraphs and table rows, in reading order."""
    from ..review import ooxml

    for child in container:
        if child.tag == w("p"):
            yield clean_line("".join(ooxml.text(child))), _kind(child, styles)
        elif child.tag == w("tbl"):
            for row in ooxml.children(child, w("tr")):
                cells = [c for c in ooxml.children(row, w("tc")) if not _continues_merge(c)]
                texts = [
                    clean_line(" ".join("".join(ooxml.text(p)) for p in ooxml.paragraphs(c))) for c in cells
                ]
                filled = [c for c, t in zip(cells, texts, strict=True) if t]
                if len(filled) == 1:  # a layout table: one cell holds the text
                    yield from _block_lines(filled[0], styles)
                elif filled:
                    yield " | ".join(t for t in texts if t), BlockKind.PARAGRAPH
        elif child.tag in ooxml.WRAPPERS:
            yield from _block_lines(child, styles)
