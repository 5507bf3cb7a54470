"""The XLIFF review reader: a briefing exported with `--format xliff` (or `xliff-omegat`), reviewed
in a CAT tool (memoQ, Trados, OmegaT) and turned into a `ReviewDocument` for `core.classify`.

Where things are in the file (the format contract is written by `export/xliff.py`):

- every `<file>` must say `product-name="translate-tool briefing"` (its OmegaT variant too) and
  our `product-version`, and translate Arabic into English (`source-language`/`target-language`);
- the rows as exported (row key, fingerprint of the English) are listed in each file's header
  (`<reference><internal-file form="application/x-translate-tool-rows">`), files in order;
- a unit's `id` is its row key (`_2`, `_3` for a repeat, ignored), its `resname` `row N`;
  its `<source>` is the Arabic and its `<target>` the English, inline codes' text left out
  (`<ph>`, `<bpt>`, `<ept>`, `<it>` are the CAT tool's markup) and whitespace collapsed.

The file is untrusted: at most `MAX_BYTES`, parsed without expanding entities, loading a DTD or
touching the network, and refused if it declares anything in a DOCTYPE.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from lxml import etree

from ..article import normalise_source
from ..briefing import FORMAT_NAME, FORMAT_VERSION
from ..errors import InputError
from ..export.xliff import OMEGAT_VARIANT, ROWS_FORM, XLIFF_NS
from ..files import read_user_file
from .core import ExportedRow, Provenance, ReadRow, ReviewDocument

MAX_BYTES = 100 * 1024 * 1024
KEY = re.compile(r"^([0-9a-f]{16})(?:_\d+)?$")
ROW_LINE = re.compile(r"^([0-9a-f]{16}) ([0-9a-f]{6,40})$")
ROW_NAME = re.compile(r"^row (\d{1,9})$")
INLINE_CODES = {"ph", "bpt", "ept", "it"}
NOT_TRANSLATED = "not translated in the CAT tool (the target still holds the Arabic)"
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
)


def _x(tag: str) -> str:
    return f"{{{XLIFF_NS}}}{tag}"


def read_xliff(path: Path) -> ReviewDocument:
    """Read a reviewed XLIFF briefing; InputError, naming `path`, for anything we cannot trust."""
    data = read_user_file(path, "XLIFF file")
    if len(data) > MAX_BYTES:
        raise InputError(
            f"{path}: refusing an XLIFF file of {len(data) / 2**20:.0f} MB (at most {MAX_BYTES // 2**20} MB)"
        )
    root = _parse(path, data)
    files = root.findall(_x("file"))
    if not files:
        raise InputError(f"{path}: not a translate-tool XLIFF briefing (no <file>)")
    exported: list[ExportedRow] = []
    rows: list[ReadRow] = []
    provenance = Provenance(file=str(path), sha256=hashlib.sha256(data).hexdigest())
    for filenode in files:
        omegat = _check_file(path, filenode)
        exported += _exported_rows(path, filenode)
        for unit in filenode.iter(_x("trans-unit")):
            rows.append(_row(unit, len(rows) + 1, omegat, provenance))
    return ReviewDocument(path, exported, rows, provenance)


def _parse(path: Path, data: bytes) -> etree._Element:
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{path}: not an XLIFF file (not well-formed XML: {exc.msg})") from None
    except ValueError as exc:
        raise InputError(f"{path}: not an XLIFF file ({exc})") from None
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and (any(True for _ in dtd.iterentities()) or dtd.elements()):
        raise InputError(f"{path}: refusing an XLIFF file with its own DTD (entity declarations)")
    for entity in root.iter(etree.Entity):
        raise InputError(f"{path}: refusing an XLIFF file with an entity reference (&{entity.name};)")
    if root.tag != _x("xliff"):
        raise InputError(
            f"{path}: not an XLIFF 1.2 file (the root element is {etree.QName(root).localname!r} in {etree.QName(root).namespace or 'no namespace'})"
        )
    return root


def _primary(lang: str | None) -> str:
    return (lang or "").split("-")[0].split("_")[0].casefold()


def _check_file(path: Path, filenode: etree._Element) -> bool:
    """Refuse a <file> that is not one of our briefings; True for the OmegaT variant."""
    product = filenode.get("product-name", "")
    if product not in (FORMAT_NAME, f"{FORMAT_NAME} ({OMEGAT_VARIANT})"):
        raise InputError(f"{path}: not a translate-tool XLIFF briefing (export one with --format xliff)")
    if filenode.get("product-version") != str(FORMAT_VERSION):
        raise InputError(
            f"{path}: briefing format version {filenode.get('product-version')!r}; "
            f"this translate-tool reads version {FORMAT_VERSION}"
        )
    source, target = filenode.get("source-language"), filenode.get("target-language")
    if _primary(source) != "ar" or _primary(target) != "en":
        raise InputError(
            f"{path}: translates {source or '?'} -> {target or '?'}; a briefing translates ar -> en"
        )
    return product.endswith(f"({OMEGAT_VARIANT})")


def _exported_rows(path: Path, filenode: etree._Element) -> list[ExportedRow]:
    listing = next((el for el in filenode.iter(_x("internal-file")) if el.get("form") == ROWS_FORM), None)
    if listing is None:
        raise InputError(
            f"{path}: the list of exported rows is missing from the header; not a briefing we can check"
        )
    out = []
    for line in (listing.text or "").split("\n"):
        match = ROW_LINE.match(line.strip())
        if not match:
            raise InputError(f"{path}: the list of exported rows is damaged ({line[:40]!r})")
        out.append(ExportedRow(match.group(1), match.group(2)))
    return out


def _text(element: etree._Element | None) -> str:
    """The element's text without inline codes, whitespace collapsed."""
    if element is None:
        return ""

    def walk(node) -> list[str]:
        parts = [node.text or ""]
        for child in node:
            if isinstance(child.tag, str) and etree.QName(child).localname not in INLINE_CODES:
                parts += walk(child)
            parts.append(child.tail or "")
        return parts

    return " ".join("".join(walk(element)).split())


def _row(unit: etree._Element, position: int, omegat: bool, provenance: Provenance) -> ReadRow:
    match = KEY.match(unit.get("id", ""))
    name = ROW_NAME.match(unit.get("resname", ""))
    arabic = _text(unit.find(_x("source")))
    english = _text(unit.find(_x("target")))
    row = ReadRow(
        position=position,
        number=int(name.group(1)) if name else position,
        keys=[match.group(1)] if match else [],
        english=english,
        arabic=arabic,
        provenance=provenance,
    )
    if omegat and english and normalise_source(english) == normalise_source(arabic):
        row.problem = NOT_TRANSLATED
    return row
