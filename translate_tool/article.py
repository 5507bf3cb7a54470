"""The data model that flows through every stage, and the reader that builds it from text.

An `Article` holds `Block`s in reading order. Each stage (translate, memory, checks) fills
fields of the blocks and hands the same article on; exporters only read it.
"""

from __future__ import annotations

import enum
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .errors import InputError


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
    """The canonical form of Arabic text used for keys and lookups (not for display)."""
    text = unicodedata.normalize("NFC", text).replace("\u0640", "")  # tatweel is decoration
    return " ".join(text.split())


def source_key(text: str) -> str:
    return hashlib.sha1(normalise_source(text).encode("utf-8")).hexdigest()[:16]


# --- reading ---------------------------------------------------------------------------

# Arabic letters, without the tatweel (U+0640), which is decoration, not a letter.
ARABIC_LETTER = re.compile(r"[\u0621-\u063F\u0641-\u064A\u0671-\u06D3\u06FA-\u06FF]")
UTF8_ARABIC_PAIR = re.compile(rb"[\xd8-\xdb][\x80-\xbf]")

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


def chrome_rule(line: str) -> str | None:
    """The name of the chrome rule a line matches, or None for article text."""
    for name, pattern in CHROME_RULES:
        if pattern.match(line):
            return name
    return None


def decode_bytes(data: bytes, name: str = "input") -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1256 Arabic.

    cp1256 maps almost every byte to some character, so it is accepted only when the result
    reads as Arabic; anything else is refused rather than turned into mojibake.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: damaged UTF-16 text ({exc.reason})") from None
    if b"\x00" in data:
        raise InputError(f"{name}: looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # UTF-8 Arabic with one bad byte would read as Arabic letters in cp1256 too (every
        # letter becomes a ط/ظ pair), so look at the byte pattern before falling back.
        high = sum(1 for b in data if b >= 0x80)
        pairs = len(UTF8_ARABIC_PAIR.findall(data))
        if high and 2 * pairs / high > 0.6:
            raise InputError(
                f"{name}: damaged UTF-8 (invalid byte at offset {exc.start}); fix or re-save it"
            ) from None
    text = data.decode("cp1256")  # defines all 256 byte values, so it cannot fail
    letters = [c for c in text if c.isalpha()]
    arabic = sum(1 for c in letters if ARABIC_LETTER.match(c))
    if not letters or arabic / len(letters) < 0.5:
        raise InputError(f"{name}: not valid UTF-8, and not Arabic in Windows-1256 either; save it as UTF-8")
    return text


def clean_line(line: str) -> str:
    # NBSP and its narrow/figure cousins are spaces to a translator; keep the zero-width joiners.
    line = line.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2007", " ")
    return " ".join(line.split())


def is_heading(line: str) -> bool:
    return (
        len(line.split()) <= HEADING_MAX_WORDS and not line.endswith(SENTENCE_END) and not line[-1].isdigit()
    )


def parse_article(text: str, source_path: Path | None = None) -> Article:
    """Split article text into title, dateline, headings and paragraphs; set chrome aside."""
    lines = [clean_line(raw) for raw in text.splitlines()]
    blocks: list[Block] = []
    chrome: list[str] = []
    for line in lines:
        if not line:
            continue
        if chrome_rule(line):
            chrome.append(line)
            continue
        title = blocks[0] if blocks and blocks[0].kind is BlockKind.TITLE else None
        if not blocks:
            blocks.append(Block(BlockKind.TITLE, line))
        elif title and len(blocks) == 1 and normalise_source(line) == normalise_source(title.source):
            continue  # pages often repeat the headline under the header
        elif len(blocks) <= 2 and DATELINE.match(line) and line.startswith("("):
            blocks.append(Block(BlockKind.DATELINE, line))
        elif is_heading(line):
            blocks.append(Block(BlockKind.HEADING, line))
        else:
            blocks.append(Block(BlockKind.PARAGRAPH, line))
    return Article(blocks=blocks, source_path=source_path, chrome=chrome)


def has_content(text: str) -> bool:
    """Letters or digits: something a translator could translate (not bare punctuation)."""
    return any(char.isalnum() for char in text)


def has_arabic(text: str) -> bool:
    return ARABIC_LETTER.search(text) is not None


def read_article(path: Path, *, require_arabic: bool = True) -> Article:
    """Read and parse one article file, refusing input that cannot be a usable article."""
    from .files import read_user_file

    return article_from_bytes(read_user_file(path), path, require_arabic=require_arabic)


def article_from_bytes(data: bytes, path: Path | None, *, require_arabic: bool = True) -> Article:
    name = str(path) if path else "<stdin>"
    text = decode_bytes(data, name)
    if not text.strip():
        raise InputError(f"{name}: empty file, nothing to translate")
    if require_arabic and not has_arabic(text):
        raise InputError(f"{name}: contains no Arabic text (use --force to translate it anyway)")
    article = parse_article(text, path)
    if not article.blocks:
        raise InputError(f"{name}: only page furniture, no article text")
    return article
