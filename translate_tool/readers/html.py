"""Web pages saved from a browser: the article is extracted from the page's furniture.

The extraction is trafilatura's (chosen over readability-lxml by measurement, see
docs/READERS.md): it keeps every paragraph of the seed pages and leaves out navigation,
"most read" boxes, related links, cookie banners and comments. Around it:

- the charset comes from a BOM, else the page's `<meta>`, else the plain-text rules (UTF-8,
  then Windows-1256 Arabic);
- `og:title` (else the first `h1`, else `<title>`) is the title; `h2`-`h6` are headings and
  `p`/list items paragraphs; the dateline is found by the shared rules;
- what the extractor keeps before the headline (a section kicker, an update stamp) and lines
  matching `CHROME_RULES` are set aside as chrome;
- nothing is fetched and nothing runs: the page is parsed by lxml with the network off, its
  scripts, styles and embedded objects are removed before extraction, and external images,
  CSS or frames are never opened (tests/test_offline.py proves it without a network).

Hostile pages are bounded before parsing: a size cap, a cap on the number of elements, and
libxml2's own nesting limit; the HTML parser never expands declared entities.
"""

from __future__ import annotations

import codecs
import logging
import re
from pathlib import Path

from ..article import Article, BlockKind, normalise_source
from ..errors import InputError
from .structure import Line, build_article, clean_line
from .txt import decode_bytes

log = logging.getLogger(__name__)

MAX_BYTES = 64 * 1024 * 1024  # a saved page with inline images can reach tens of MB
MAX_ELEMENTS = 500_000  # a long article page has a few thousand; beyond this it is not a page
# Elements whose content is never article text (and may be large: inline scripts, SVG).
DROP_TAGS = ("script", "style", "noscript", "template", "svg", "math", "object", "embed", "iframe", "link")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]
# Labels pages use for Arabic encodings that Python knows by another name, or not at all.
_ALIASES = {"windows-1256": "cp1256", "x-mac-arabic": "mac_arabic", "iso-8859-6-i": "iso8859_6"}
HEADING_TAGS = {"h2", "h3", "h4", "h5", "h6"}


def decode_page(data: bytes, name: str) -> str:
    """The page's text: BOM first (it wins over meta, as in browsers), then meta, then sniffing."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode(data[len(bom) :], encoding, name)
    declared = _META_CHARSET.search(data[:8192])
    if declared:
        label = declared.group(1).decode("ascii", "replace").lower()
        try:
            encoding = codecs.lookup(_ALIASES.get(label, label)).name
        except LookupError:
            log.info("%s: unknown charset %r in the page; guessing", name, label)
        else:
            if encoding not in ("utf-16", "utf-16-le", "utf-16-be", "utf-32"):  # meta cannot say these
                return _decode(data, encoding, name)
    return decode_bytes(data, name)


def _decode(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: the page says it is {encoding} but byte {exc.start} is not") from None


def _parse(text: str, name: str):
    import lxml.html
    from lxml import etree

    parser = lxml.html.HTMLParser(
        no_network=True, remove_comments=True, remove_pis=True, huge_tree=False, recover=True
    )
    try:
        tree = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"{name}: not a readable web page ({exc})") from None
    count = sum(1 for _ in tree.iter())
    if count > MAX_ELEMENTS:
        raise InputError(f"{name}: refusing a page with {count} elements (at most {MAX_ELEMENTS})")
    etree.strip_elements(tree, *DROP_TAGS, with_tail=False)
    return tree


def _title(tree) -> str:
    for xpath in ('//meta[@property="og:title"]/@content', '//meta[@name="twitter:title"]/@content'):
        found = [clean_line(t) for t in tree.xpath(xpath) if clean_line(t)]
        if found:
            return found[0]
    for xpath in ("//h1", "//title"):
        found = [clean_line(e.text_content()) for e in tree.xpath(xpath)]
        found = [t for t in found if t]
        if found:
            return found[0]
    return ""


def _import_trafilatura():
    """trafilatura, imported without opening a socket.

    Its URL helpers import urllib3, which probes for IPv6 at import time by binding a socket
    on ::1. We never download through it, and reading a file opens no socket at all (the
    offline test's audit hook checks exactly that), so the probe is told there is no IPv6.
    """
    import socket
    import sys

    if "trafilatura" not in sys.modules:
        has_ipv6, socket.has_ipv6 = socket.has_ipv6, False
        try:
            import trafilatura  # noqa: F401
        finally:
            socket.has_ipv6 = has_ipv6
    return sys.modules["trafilatura"]


def _extract(tree) -> list[Line]:
    """The article's lines as trafilatura keeps them, with the kind the markup gives."""
    from lxml import etree

    trafilatura = _import_trafilatura()

    # Its warnings are about its own heuristics ("discarding data"), not the user's file;
    # they show with --debug / -vv only.
    if not log.isEnabledFor(logging.DEBUG):
        logging.getLogger("trafilatura").setLevel(logging.ERROR)
    xml = trafilatura.extract(
        tree,
        output_format="xml",
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        deduplicate=False,
        with_metadata=False,
    )
    if not xml:
        return []
    root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    main = root.find("main")
    lines: list[Line] = []
    for element in main.iter("head", "p", "item", "row", "quote") if main is not None else ():
        if element.tag == "row":  # a table row reads as one line, cells in order
            text = " | ".join(clean_line("".join(cell.itertext())) for cell in element.iter("cell"))
        elif element.getparent() is not None and element.getparent().tag in ("item", "quote", "cell"):
            continue  # read with its container
        else:
            text = clean_line("".join(element.itertext()))
        if not text:
            continue
        kind = BlockKind.PARAGRAPH
        if element.tag == "head":
            kind = BlockKind.TITLE if element.get("rend") == "h1" else BlockKind.HEADING
        lines.append(Line(text, kind))
    return lines


def read(data: bytes, path: Path | None, name: str) -> Article:
    if len(data) > MAX_BYTES:
        raise InputError(
            f"{name}: refusing a web page of {len(data) / 2**20:.0f} MB (at most {MAX_BYTES // 2**20} MB)"
        )
    text = decode_page(data, name)
    tree = _parse(text, name)
    title = _title(tree)
    lines = _extract(tree)
    if not lines:
        raise InputError(f"{name}: no article text found in the web page")
    key = normalise_source(title) if title else None
    position = next((i for i, line in enumerate(lines) if normalise_source(line.text) == key), None)
    if position is None:
        position = next((i for i, line in enumerate(lines) if line.kind is BlockKind.TITLE), None)
    if position is not None:
        # What the extractor kept above the headline is the page's header: a kicker, a stamp.
        head = [Line(line.text, chrome=True) for line in lines[:position]]
        lines = head + [Line(lines[position].text, BlockKind.TITLE)] + lines[position + 1 :]
    elif title:
        lines = [Line(title, BlockKind.TITLE), *lines]
    return build_article(lines, path)
