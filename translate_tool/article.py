"""The data model that flows through every stage (the readers in `readers/` build it).

An `Article` holds `Block`s in reading order. Each stage (translate, memory, checks) fills
fields of the blocks and hands the same article on; exporters only read it.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .briefing import clean_text, collapse_whitespace
from .text import short_sha1


class BlockKind(str, enum.Enum):
    TITLE = "title"
    DATELINE = "dateline"
    HEADING = "heading"
    PARAGRAPH = "paragraph"


class Origin(str, enum.Enum):
    """Where a block's English came from."""

    MACHINE = "machine"
    REVIEWED = "reviewed"
    MEMORY = "memory"  # a machine translation reused from the translation memory
    IMPORTED = "imported"  # from another CAT tool's memory (`tm import FILE.tmx`)


@dataclass
class Sentence:
    source: str
    target: str = ""
    score: float | None = None  # mean log-probability per target token; closer to 0 is surer
    tokens: int = 0  # target tokens decoded, to weight the block score
    pieces: int = 1  # >1 when the sentence was longer than the model accepts and was split
    terms: list[str] = field(default_factory=list)  # glossary English required in this sentence
    spliced: bool = False  # the model dropped a glossary term: translated in pieces around it


@dataclass
class Flag:
    """A reason a reader should double-check a passage."""

    check: str
    message: str


@dataclass
class Block:
    kind: BlockKind
    source: str
    sentences: list[Sentence] = field(default_factory=list)
    target: str = ""
    score: float | None = None
    origin: Origin = Origin.MACHINE
    flags: list[Flag] = field(default_factory=list)

    @property
    def key(self) -> str:
        """A stable identity for the row: it depends on the Arabic text only."""
        return source_key(self.source)


@dataclass
class Article:
    blocks: list[Block]
    source_path: Path | None = None
    chrome: list[str] = field(default_factory=list)  # web-page furniture left untranslated
    model: str = ""  # "package-name version" of the model that produced machine text
    generated_at: datetime | None = None
    build: str = ""  # what the English was made from (api.build_stamp); lets a rerun skip it

    @property
    def title(self) -> Block | None:
        return next((b for b in self.blocks if b.kind is BlockKind.TITLE), None)

    @property
    def paragraphs(self) -> list[Block]:
        return [b for b in self.blocks if b.kind is BlockKind.PARAGRAPH]

    @property
    def name(self) -> str:
        return self.source_path.name if self.source_path else "<stdin>"


def normalise_source(text: str) -> str:
    """The canonical form of Arabic text used for keys and lookups (not for display).

    The character rule (`briefing.clean_text`) comes first: a briefing shows U+FFFD where the
    source had a control code, so the Arabic read back from it must give the same key.
    """
    text = unicodedata.normalize("NFC", clean_text(text)).replace("\u0640", "")  # tatweel is decoration
    return collapse_whitespace(text)


def source_key(text: str) -> str:
    return short_sha1(normalise_source(text), 16)


# --- text helpers every stage shares ----------------------------------------------------

# Arabic letters, without the tatweel (U+0640), which is decoration, not a letter.
ARABIC_LETTER = re.compile(r"[\u0621-\u063F\u0641-\u064A\u0671-\u06D3\u06FA-\u06FF]")


def has_content(text: str) -> bool:
    """Letters or digits: something a translator could translate (not bare punctuation)."""
    return any(char.isalnum() for char in text)


def has_arabic(text: str) -> bool:
    return ARABIC_LETTER.search(text) is not None
