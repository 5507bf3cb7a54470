"""From lines of article text to an `Article`: the rules every reader shares.

A reader turns its format into a sequence of `Line`s in reading order. Where the format
says what a line is (an `h2`, a Word "Heading 1" style) the reader passes that kind along;
where it does not (plain text, PDF) the kind is left to these rules, which find the title,
the dateline such as `(رويترز).`, section headings (short lines without closing
punctuation) and body paragraphs. Web-page furniture is recognised by `CHROME_RULES` in every
format, left out of the translation and listed in `Article.chrome`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..article import Article, Block, BlockKind, normalise_source

# Web-page chrome: lines a news site wraps around an article. Each rule names a pattern
# that a whole line must match; keep them about *kinds* of line, not one site's wording.
CHROME_RULES: list[tuple[str, re.Pattern[str]]] = [
    # "last updated at <date>", optionally after a one-word section name such as دولي
    ("last-updated stamp", re.compile(r"^(?:\S+\s+)?آخر\s+تحديث(?:\s+في)?(?:\s*[:：]?\s*.{0,40})?$")),
    ("published stamp", re.compile(r"^(?:\S+\s+)?(?:تاريخ\s+)?النشر(?:\s+في)?\s*[:：]?\s*.{0,40}$")),
    (
        "reading-now box",
        re.compile(r"^(?:الأكثر\s+قراءة|يقرأون\s+الآن|يقرؤون\s+الآن|اقرأ\s+أيضا|اقرأ\s+أيضاً)\s*[:：]?$"),
    ),
    ("share buttons", re.compile(r"^(?:شارك|مشاركة|تابعونا|تابعنا)(?:\s+(?:على|عبر)\s+.{0,30})?\s*[:：]?$")),
]

DATELINE = re.compile(r"^\(?[^()\n]{1,40}\)?\s*[.:،-]?$")
SENTENCE_END = tuple(".!?؟؛…:\"»”'")
HEADING_MAX_WORDS = 6


@dataclass(frozen=True)
class Line:
    """One line of article text, and what the format says it is (None: let the rules decide)."""

    text: str
    kind: BlockKind | None = None
    chrome: bool = False  # the format itself marks it as furniture (a Word header, say)


def chrome_rule(line: str) -> str | None:
    """The name of the chrome rule a line matches, or None for article text."""
    for name, pattern in CHROME_RULES:
        if pattern.match(line):
            return name
    return None


def clean_line(line: str) -> str:
    # NBSP and its narrow/figure cousins are spaces to a translator; keep the zero-width joiners.
    line = line.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2007", " ")
    return " ".join(line.split())


def is_heading(line: str) -> bool:
    return (
        len(line.split()) <= HEADING_MAX_WORDS and not line.endswith(SENTENCE_END) and not line[-1].isdigit()
    )


def is_dateline(line: str) -> bool:
    return line.startswith("(") and DATELINE.match(line) is not None


def build_article(lines: Iterable[Line], source_path: Path | None = None) -> Article:
    """Classify lines into title, dateline, headings and paragraphs; set chrome aside."""
    blocks: list[Block] = []
    chrome: list[str] = []
    for raw in lines:
        line = clean_line(raw.text)
        if not line:
            continue
        if raw.chrome or chrome_rule(line):
            chrome.append(line)
            continue
        title = blocks[0] if blocks and blocks[0].kind is BlockKind.TITLE else None
        if title and len(blocks) == 1 and normalise_source(line) == normalise_source(title.source):
            continue  # pages often repeat the headline under the header
        if not blocks and raw.kind in (None, BlockKind.TITLE):
            kind = BlockKind.TITLE
        elif raw.kind is BlockKind.TITLE:
            kind = BlockKind.HEADING  # a second title-styled line is a section heading
        elif raw.kind in (BlockKind.HEADING, BlockKind.DATELINE):
            kind = raw.kind
        elif len(blocks) <= 2 and is_dateline(line):
            kind = BlockKind.DATELINE
        elif raw.kind is BlockKind.PARAGRAPH:
            kind = BlockKind.PARAGRAPH
        else:
            kind = BlockKind.HEADING if is_heading(line) else BlockKind.PARAGRAPH
        blocks.append(Block(kind, line))
    return Article(blocks=blocks, source_path=source_path, chrome=chrome)
