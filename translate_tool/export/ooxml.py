"""WordprocessingML pieces python-docx has no API for.

Kept apart from the layout code in `docx.py`, the way python-docx keeps its own `docx/oxml/`
layer: every function here takes a python-docx object (or the package) and adds or sets one
element, inserting it where the schema's child order wants it so Word does not call the file
damaged. Nothing here knows about articles.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from xml.sax.saxutils import escape

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement

from ..ooxml_ns import CUSTOM_PROPS_NS, VT_NS
from ..text import utc_stamp

# Child order of the property elements we touch (ECMA-376 part 1, 17.3.1.26, 17.3.2.28,
# 17.4.82, 17.4.70). python-docx knows these sequences but deletes them after class creation.
PPR_ORDER = (
    "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
    "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens",
    "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE",
    "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
    "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
    "w:sectPr", "w:pPrChange",
)  # fmt: skip
RPR_ORDER = (
    "w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps", "w:strike",
    "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof", "w:snapToGrid",
    "w:vanish", "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz",
    "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign",
    "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath",
)  # fmt: skip
TRPR_ORDER = (
    "w:cnfStyle", "w:divId", "w:gridBefore", "w:gridAfter", "w:wBefore", "w:wAfter",
    "w:cantSplit", "w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden",
    "w:ins", "w:del", "w:trPrChange",
)  # fmt: skip
TCPR_ORDER = (
    "w:cnfStyle", "w:tcW", "w:gridSpan", "w:hMerge", "w:vMerge", "w:tcBorders", "w:shd",
    "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark",
    "w:headers", "w:cellIns", "w:cellDel", "w:cellMerge", "w:tcPrChange",
)  # fmt: skip
TBLPR_ORDER = (
    "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
    "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders",
    "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription",
    "w:tblPrChange",
)  # fmt: skip
# Sides of `w:tcBorders`; transitional files name the sides left/right, strict ones start/end.
TCBORDERS_ORDER = (
    "w:top", "w:left", "w:start", "w:bottom", "w:right", "w:end", "w:insideH", "w:insideV",
    "w:tl2br", "w:tr2bl",
)  # fmt: skip

# Any fixed GUID will do; Word and LibreOffice write this one for user-defined properties.
CUSTOM_PROPERTY_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"


def _child(parent: BaseOxmlElement, tag: str, order: tuple[str, ...], **attrs: str) -> BaseOxmlElement:
    """Return `parent`'s `tag` child, adding it in schema order if missing; set `attrs` on it."""
    element = parent.find(qn(tag))
    if element is None:
        element = OxmlElement(tag)
        later = {qn(name) for name in order[order.index(tag) + 1 :]}
        successor = next((child for child in parent if child.tag in later), None)
        if successor is not None:
            successor.addprevious(element)
        else:
            parent.append(element)
    for name, value in attrs.items():
        element.set(qn(name), value)
    return element


def _rpr(run) -> BaseOxmlElement:
    return run._r.get_or_add_rPr()


# --- paragraphs and runs -----------------------------------------------------------------


def set_paragraph_rtl(paragraph) -> None:
    """Make a paragraph right-to-left (`w:bidi`): its start edge and line order flip."""
    _child(paragraph._p.get_or_add_pPr(), "w:bidi", PPR_ORDER)


def set_run_rtl(run, font: str, size_pt: float, lang: str = "ar-SA", bold: bool = False) -> None:
    """Mark a run as right-to-left complex-script text.

    Word picks the complex-script (cs) font, size and bold for Arabic letters, not the Latin
    ones, so each has to be set on the cs side: `w:rFonts/@w:cs`, `w:szCs`, `w:bCs`. `w:rtl`
    orders the characters right to left and `w:lang/@w:bidi` tells spelling and shaping the
    language. `w:hint="cs"` makes neutral characters (digits, quotes) use the cs font too.
    """
    rpr = _rpr(run)
    _child(rpr, "w:rFonts", RPR_ORDER, **{"w:cs": font, "w:hint": "cs"})
    if bold:
        _child(rpr, "w:bCs", RPR_ORDER)
    _child(rpr, "w:szCs", RPR_ORDER, **{"w:val": str(round(size_pt * 2))})
    _child(rpr, "w:rtl", RPR_ORDER)
    _child(rpr, "w:lang", RPR_ORDER, **{"w:bidi": lang})


def add_bookmark(paragraph, name: str, bookmark_id: int) -> None:
    """Wrap everything currently in `paragraph` in a bookmark called `name`.

    `bookmark_id` must be unique in the document. Bookmark names must start with a letter and
    be at most 40 characters for Word to keep them.
    """
    if not name[:1].isalpha() or len(name) > 40:
        raise ValueError(f"bookmark name Word would not keep: {name!r}")
    p = paragraph._p
    start = OxmlElement("w:bookmarkStart", {qn("w:id"): str(bookmark_id), qn("w:name"): name})
    end = OxmlElement("w:bookmarkEnd", {qn("w:id"): str(bookmark_id)})
    ppr = p.pPr
    if ppr is not None:
        ppr.addnext(start)
    else:
        p.insert(0, start)
    p.append(end)


def link_to_bookmark(run, bookmark: str) -> None:
    """Make `run` a link to the bookmark called `bookmark` in the same document (`w:hyperlink`).

    An internal link needs no relationship: `w:anchor` names the bookmark. Word follows it with
    Ctrl+click, LibreOffice with a click; printed, it is the run's text as formatted.
    """
    r = run._r
    link = OxmlElement("w:hyperlink", {qn("w:anchor"): bookmark, qn("w:history"): "1"})
    r.addprevious(link)
    link.append(r)


# --- tables --------------------------------------------------------------------------------


def add_placeholder(table, marker: str) -> None:
    """Mark where `table`'s remaining rows go (`<!--marker-->`); `split_at_placeholder` finds it."""
    from lxml import etree

    table._tbl.append(etree.Comment(marker))


def split_at_placeholder(xml: bytes, marker: str) -> tuple[bytes, bytes]:
    """`xml` before and after the placeholder `marker` (which is dropped)."""
    before, found, after = xml.partition(f"<!--{marker}-->".encode())
    if not found:
        raise ValueError(f"no placeholder {marker!r} in the document body")
    return before, after


# --- rows written as text: the XML python-docx writes, without building its tree ---------------

_RUN_BREAKS = re.compile(r"([\t\r\n])")


def run_text_xml(text: str) -> str:
    """A run's content for `text` as python-docx's `Run.text` writes it.

    A tab becomes `w:tab`, each CR or LF a `w:br`, the rest `w:t`, marked `xml:space="preserve"`
    when it starts or ends with whitespace. `text` must already be XML-safe (`briefing.clean_text`).
    """
    out = []
    for part in _RUN_BREAKS.split(text):
        if part == "\t":
            out.append("<w:tab/>")
        elif part in ("\r", "\n"):
            out.append("<w:br/>")
        elif part:
            space = ' xml:space="preserve"' if len(part.strip()) < len(part) else ""
            out.append(f"<w:t{space}>{escape(part)}</w:t>")
    return "".join(out)


def ppr_xml(inner: str) -> str:
    """Paragraph properties holding `inner` (already in schema order), or nothing."""
    return f"<w:pPr>{inner}</w:pPr>" if inner else ""


def cell_xml(
    width: int, content: str, fill: str | None = None, left_border: tuple[float, str] | None = None
) -> str:
    """A table cell `width` twips wide around `content` (its paragraphs), as `shade_cell` and
    `set_cell_border` would leave it."""
    props = f'<w:tcW w:type="dxa" w:w="{width}"/>'
    if left_border is not None:
        size_pt, colour = left_border
        props += (
            f'<w:tcBorders><w:left w:val="single" w:sz="{round(size_pt * 8)}" w:space="0" '
            f'w:color="{colour.upper()}"/></w:tcBorders>'
        )
    if fill is not None:
        props += f'<w:shd w:val="clear" w:color="auto" w:fill="{fill.upper()}"/>'
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{content}</w:tc>"


def repeat_header(row) -> None:
    """Repeat this row at the top of every page the table runs onto (`w:tblHeader`)."""
    _child(row._tr.get_or_add_trPr(), "w:tblHeader", TRPR_ORDER)


def cant_split(row) -> None:
    """Keep a row whole: move it to the next page rather than break it (`w:cantSplit`)."""
    _child(row._tr.get_or_add_trPr(), "w:cantSplit", TRPR_ORDER)


def shade_cell(cell, fill: str) -> None:
    """Fill a table cell's background with a colour given as six hex digits."""
    tcpr = cell._tc.get_or_add_tcPr()
    _child(tcpr, "w:shd", TCPR_ORDER, **{"w:val": "clear", "w:color": "auto", "w:fill": fill.upper()})


def set_cell_border(cell, side: str, size_pt: float, colour: str) -> None:
    """A solid border on one side (`left`, `right`, `top`, `bottom`) of a cell, over the table's.

    `w:sz` is in eighths of a point (2 to 96).
    """
    tcpr = cell._tc.get_or_add_tcPr()
    borders = _child(tcpr, "w:tcBorders", TCPR_ORDER)
    attrs = {"w:val": "single", "w:sz": str(round(size_pt * 8)), "w:space": "0", "w:color": colour.upper()}
    _child(borders, f"w:{side}", TCBORDERS_ORDER, **attrs)


def set_cell_margins(table, top: int, side: int, bottom: int) -> None:
    """Default inner margins of every cell of `table`, in twentieths of a point.

    Written with the transitional names `w:left`/`w:right` that Word itself writes and every
    reader knows (strict OOXML calls them start/end).
    """
    mar = _child(table._tbl.tblPr, "w:tblCellMar", TBLPR_ORDER)
    for child in list(mar):
        mar.remove(child)
    for name, value in (("top", top), ("left", side), ("bottom", bottom), ("right", side)):
        mar.append(OxmlElement(f"w:{name}", {qn("w:w"): str(value), qn("w:type"): "dxa"}))


def set_table_width_pct(table, fraction: float) -> None:
    """Table width as a share of the text column (`w:tblW w:type="pct"`, in fiftieths of a %)."""
    _child(table._tbl.tblPr, "w:tblW", TBLPR_ORDER, **{"w:w": str(round(fraction * 5000)), "w:type": "pct"})


def add_field(paragraph, instruction: str, placeholder: str = "1") -> None:
    """Append a simple field such as `PAGE` or `NUMPAGES` (`w:fldSimple`); Word fills it in."""
    field = OxmlElement("w:fldSimple", {qn("w:instr"): f" {instruction} "})
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = placeholder
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


# --- document-wide settings ----------------------------------------------------------------


def set_default_cs_font(document, font: str, lang: str = "ar-SA") -> None:
    """Make `font` the document's default complex-script font (`w:docDefaults`).

    The default template names the theme's bidi font (`w:cstheme`), and a theme attribute
    outranks a plain `w:cs` wherever both apply, so the theme reference is dropped.
    """
    styles = document.styles.element
    rpr = styles.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault") + "/" + qn("w:rPr"))
    if rpr is None:
        return
    fonts = _child(rpr, "w:rFonts", RPR_ORDER, **{"w:cs": font})
    fonts.attrib.pop(qn("w:cstheme"), None)
    _child(rpr, "w:lang", RPR_ORDER, **{"w:bidi": lang})


def drop_thumbnail(document) -> None:
    """Remove the template's preview picture (python-docx ships a sample one)."""
    rels = document.part.package.rels
    for rid, rel in list(rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del rels[rid]


def fixed_zip(
    blob: bytes,
    when: tuple[int, int, int, int, int, int] = (1980, 1, 1, 0, 0, 0),
    rewrite: dict[str, Callable[[bytes], Iterable[bytes]]] | None = None,
) -> bytes:
    """Rewrite a zip with every member stamped `when`, so the same content gives the same bytes.

    python-docx stamps members with the current time; nothing else in its output varies.
    Member order is kept (`[Content_Types].xml` first, as python-docx writes it). A member named
    in `rewrite` is replaced by the pieces its function yields, compressed as they come.
    """
    rewrite = rewrite or {}
    with zipfile.ZipFile(io.BytesIO(blob)) as source:
        members = [(info.filename, source.read(info)) for info in source.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            # Made by "MS-DOS" with only the archive flag, no Unix mode bits (zipfile would force
            # ?rw------- on a member with none): whoever unzips a briefing gets their umask's mode.
            info.create_system = 0
            info.external_attr = 0x20
            with target.open(info, "w") as member:
                for piece in rewrite[name](data) if name in rewrite else (data,):
                    member.write(piece)
    return out.getvalue()


# --- package parts -----------------------------------------------------------------------------


def _vt_value(value: object) -> str:
    if isinstance(value, bool):
        return f"<vt:bool>{str(value).lower()}</vt:bool>"
    if isinstance(value, int):
        return f"<vt:i4>{value}</vt:i4>"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        stamp = utc_stamp(value)
        return f"<vt:filetime>{stamp}</vt:filetime>"
    return f"<vt:lpwstr>{escape(str(value))}</vt:lpwstr>"


def custom_properties_xml(properties: dict[str, object]) -> bytes:
    """The XML of `docProps/custom.xml`: user-defined document properties (File > Properties)."""
    items = []
    for pid, (name, value) in enumerate(properties.items(), start=2):  # pids start at 2
        attr = escape(name, {'"': "&quot;"})
        items.append(
            f'<property fmtid="{CUSTOM_PROPERTY_FMTID}" pid="{pid}" name="{attr}">{_vt_value(value)}</property>'
        )
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Properties xmlns="{CUSTOM_PROPS_NS}" xmlns:vt="{VT_NS}">{"".join(items)}</Properties>'
    )
    return xml.encode("utf-8")


def set_custom_properties(document, properties: dict[str, object]) -> None:
    """Attach `docProps/custom.xml` holding `properties` (str, int, bool or datetime values).

    Word limits a text property to 255 characters; keep values short.
    """
    package = document.part.package
    part = Part(
        PackURI("/docProps/custom.xml"), CT.OFC_CUSTOM_PROPERTIES, custom_properties_xml(properties), package
    )
    package.relate_to(part, RT.CUSTOM_PROPERTIES)
