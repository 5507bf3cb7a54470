"""PDFs with a text layer: glyphs back into Arabic lines in logical order, lines into passages.

Measured on PDFs LibreOffice prints from the seed, one and two columns (docs/READERS.md):
poppler's `pdftotext` and pypdf both return the text of a line in the order the runs sit
on the page, cut apart at every shadda and with Latin digits and punctuation moved, and
pdftotext also reverses the lam-alef ligature (الإرهاب → اإلرهاب); pdfminer.six returns
whole lines in visual order (left to right). pdfminer's glyphs, positions and text boxes are
the best material, so this reader takes them and does the rest itself:

- each text line's glyphs are put in right-to-left order (a ligature glyph keeps its own
  text, a combining mark follows the letter it sits on), then runs of Latin letters and
  digits are turned back to left-to-right: the inverse of the bidi algorithm for an
  Arabic paragraph;
- NFKC turns presentation forms (ﻻ, ﻷ, final and initial shapes) into plain letters;
- pdfminer's text boxes are the passages; on a two-column page the right column is read
  first; a line repeated on several pages (a running header or footer) and bare page
  numbers are chrome.

A PDF without a text layer (a scan) and a PDF that needs a password to open are refused,
each with its own message.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..article import Article
from ..errors import InputError
from .structure import HEADING_MAX_WORDS, SENTENCE_END, Line, build_article, clean_line

log = logging.getLogger(__name__)

MAX_BYTES = 200 * 1024 * 1024
MAX_PAGES = 2000
NO_TEXT = "no text layer; OCR is not supported"
# Strong left-to-right characters and European digits, with the separators that join them.
_LTR = re.compile(r"[0-9A-Za-z\u00c0-\u024f](?:[0-9A-Za-z\u00c0-\u024f.,:/%+\- ]*[0-9A-Za-z\u00c0-\u024f%])?")
_ARABIC = re.compile(r"[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]")
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_PAGE_NUMBER = re.compile(r"^(?:[-–]?\s*\d{1,4}\s*[-–]?|\d{1,4}\s*/\s*\d{1,4}|page \d+|صفحة \d+)$", re.I)


def _is_mark(glyph) -> bool:
    text = glyph.get_text()
    return bool(text) and all(unicodedata.combining(c) for c in text)


def _chars(item) -> Iterator:
    from pdfminer.layout import LTChar

    if isinstance(item, LTChar):
        yield item
    elif hasattr(item, "__iter__"):
        for child in item:
            yield from _chars(child)


@dataclass
class _Segment:
    """A run of glyphs on one printed line of one column."""

    y0: float
    size: float
    glyphs: list = field(default_factory=list)
    marks: dict = field(default_factory=dict)  # id(base glyph) -> marks drawn on it

    @property
    def x0(self) -> float:
        return self.glyphs[0].x0

    @property
    def x1(self) -> float:
        return max(g.x1 for g in self.glyphs)

    def text(self) -> str:
        """The glyphs in logical order for an Arabic paragraph: the inverse of the bidi algorithm."""
        if not _ARABIC.search("".join(g.get_text() for g in self.glyphs)):
            order = self.glyphs  # left to right to begin with
        else:
            order = sorted(self.glyphs, key=lambda g: -(g.x0 + g.x1) / 2)
        text = "".join(g.get_text() + "".join(m.get_text() for m in self.marks.get(id(g), [])) for g in order)
        if order is not self.glyphs:
            # Right-to-left order turned every Latin phrase and number around: turn those back.
            text = _LTR.sub(lambda m: m.group(0)[::-1], text)
        return text


def _segments(chars: list) -> list[_Segment]:
    """Glyphs grouped into printed lines, and lines cut at column gutters."""
    base = sorted((c for c in chars if not _is_mark(c) and c.get_text()), key=lambda c: (-c.y0, c.x0))
    rows: list[list] = []
    for glyph in base:
        if rows and abs(rows[-1][0].y0 - glyph.y0) < 0.3 * max(glyph.size, 1):
            rows[-1].append(glyph)
        else:
            rows.append([glyph])
    segments: list[_Segment] = []
    for row in rows:
        row.sort(key=lambda g: g.x0)
        pieces = [[row[0]]]
        for glyph in row[1:]:
            if glyph.x0 - max(g.x1 for g in pieces[-1]) > 1.5 * glyph.size:  # a gutter, not a space
                pieces.append([])
            pieces[-1].append(glyph)
        segments.extend(_Segment(piece[0].y0, max(g.size for g in piece), piece) for piece in pieces)
    for mark in (c for c in chars if _is_mark(c)):
        x = (mark.x0 + mark.x1) / 2
        near = [s for s in segments if abs(s.y0 - mark.y0) < s.size and s.x0 - 1 <= x <= s.x1 + 1]
        if near:
            segment = min(near, key=lambda s: abs(s.y0 - mark.y0))
            # Right to left, the pen stands at its letter's left edge when a mark is drawn.
            letters = [g for g in segment.glyphs if g.get_text().strip() and g.x1 > x] or segment.glyphs
            letter = min(letters, key=lambda g: abs(g.x0 - x))
            segment.marks.setdefault(id(letter), []).append(mark)
    return segments


@dataclass
class _Passage:
    text: str
    size: float  # font size of its last line
    column: tuple[int, int] = (0, 0)  # (page, column): a passage may run on into the next one


def _passages(page) -> list[_Passage]:
    """A page's passages in reading order: right column first, each top to bottom."""
    middle = (page.x0 + page.x1) / 2
    segments = _segments(list(_chars(page)))
    left = [s for s in segments if s.x1 < middle]
    right = [s for s in segments if s.x0 > middle]
    # Two columns when text sits on both sides of the middle, line after line; otherwise a
    # short left-aligned line is just a line, read in its place from the top.
    two_columns = len(left) >= 3 and len(right) >= 3 and not any(s.x0 < middle < s.x1 for s in segments[3:-3])
    columns = [[s for s in segments if not s.x1 < middle], left] if two_columns else [segments]
    out: list[_Passage] = []
    for number, column in enumerate(columns):
        column.sort(key=lambda s: -s.y0)
        passage: list[str] = []
        previous: _Segment | None = None
        for segment in column:
            if previous is not None and (
                previous.y0 - segment.y0 > 1.6 * segment.size or abs(previous.size - segment.size) > 1
            ):
                out.append(_Passage(" ".join(passage), previous.size, (0, number)))
                passage = []
            passage.append(segment.text())
            previous = segment
        if passage and previous is not None:
            out.append(_Passage(" ".join(passage), previous.size, (0, number)))
    return out


def _runs_on(before: _Passage, after: _Passage) -> bool:
    """True when `before` ends a column mid-sentence and `after`, in the next column, finishes it."""
    return (
        before.column != after.column
        and len(before.text.split()) > HEADING_MAX_WORDS
        and not before.text.endswith(SENTENCE_END)
        and abs(before.size - after.size) <= 1
    )


def _pages(data: bytes, name: str) -> Iterator[list[_Passage]]:
    """Each page's passages, in page order."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psexceptions import PSException

    try:
        for number, page in enumerate(extract_pages(io.BytesIO(data), laparams=LAParams()), start=1):
            if number > MAX_PAGES:
                raise InputError(f"{name}: refusing a PDF of more than {MAX_PAGES} pages")
            yield _passages(page)
    except (PDFEncryptionError, PDFPasswordIncorrect):
        raise InputError(f"{name}: encrypted PDF; save or print it without a password first") from None
    except (PDFSyntaxError, PSException, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise InputError(f"{name}: damaged PDF ({type(exc).__name__}: {exc})") from None


def _check_encryption(data: bytes, name: str) -> None:
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFParser, PDFSyntaxError
    from pdfminer.psexceptions import PSException

    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
    except (PDFEncryptionError, PDFPasswordIncorrect):
        raise InputError(f"{name}: encrypted PDF; save or print it without a password first") from None
    except (PDFSyntaxError, PSException, ValueError, TypeError, KeyError) as exc:
        raise InputError(f"{name}: damaged PDF ({type(exc).__name__}: {exc})") from None
    if document.encryption:
        # Encrypted with permissions only: it opens without a password in every viewer, so it
        # is read like any other PDF (the password-protected kind failed above).
        log.info("%s: encrypted with an empty open password; reading it", name)


def read(data: bytes, path: Path | None, name: str) -> Article:
    if len(data) > MAX_BYTES:
        raise InputError(
            f"{name}: refusing a PDF of {len(data) / 2**20:.0f} MB (at most {MAX_BYTES // 2**20} MB)"
        )
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # its notes are about the PDF's internals
    _check_encryption(data, name)
    passages: list[_Passage] = []
    for page, found in enumerate(_pages(data, name), start=1):
        for passage in found:
            passage.text = clean_line(_BIDI_CONTROLS.sub("", unicodedata.normalize("NFKC", passage.text)))
            passage.column = (page, passage.column[1])
            if passage.text:
                passages.append(passage)
    if not passages:
        raise InputError(f"{name}: {NO_TEXT}")
    # On two pages or more: a running header or footer.
    pages_of: dict[str, set[int]] = {}
    for passage in passages:
        pages_of.setdefault(passage.text, set()).add(passage.column[0])
    lines: list[Line] = []
    chrome_seen: set[str] = set()
    body: list[_Passage] = []
    for passage in passages:
        if len(pages_of[passage.text]) > 1 or _PAGE_NUMBER.match(passage.text):
            if passage.text not in chrome_seen:
                chrome_seen.add(passage.text)
                lines.append(Line(passage.text, chrome=True))
            continue
        if body and _runs_on(body[-1], passage):
            body[-1] = _Passage(f"{body[-1].text} {passage.text}", passage.size, passage.column)
        else:
            body.append(passage)
    lines.extend(Line(passage.text) for passage in body)
    return build_article(lines, path)
