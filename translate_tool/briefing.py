"""The briefing format: what our DOCX and Markdown files promise to whoever reads them back.

One home for the contract the exporters write and every review reader checks, so the two sides
cannot drift apart. Nothing here imports python-docx or lxml: reading a reviewed file loads
this module, not the Word writer.

- **Identity.** `FORMAT_NAME` and `FORMAT_VERSION` are written as custom document properties
  (`FORMAT_PROPERTY`, `FORMAT_VERSION_PROPERTY`) and in the Markdown front matter, so an importer
  can tell one of our files from any other and refuse a format it does not know.
- **Row identity.** A table row's `#` cell number is wrapped in a bookmark named
  `tt_<Block.key>` (`row_bookmark`), with `_2`, `_3`, ... for later rows with the same Arabic
  (Word renames or drops a repeated bookmark name; importers read only the 16 hex digits).
  Bookmarks survive a re-save by Word and by LibreOffice (content-control tags do not survive
  LibreOffice 7.4).
- **What was exported.** The keys of all rows of all tables in document order, and a fingerprint
  of each row's English as exported (`english_fingerprint` of `normalise_english`), are chunked
  into numbered custom properties (`KEYS_PROPERTY`, `ENGLISH_PROPERTY`), so an importer tells
  the rows a reviewer changed from those left alone without asking the translation memory.
- **Flag lines.** The "⚑ reason" lines in an English cell have the paragraph style
  `FLAG_STYLE`, so an importer leaves them out of the English even when the ⚑ was deleted.
"""

from __future__ import annotations

import os
import re
import unicodedata

from .text import short_sha1

FORMAT_NAME = "translate-tool briefing"
FORMAT_VERSION = 1

# Custom document properties (docProps/custom.xml) of a DOCX briefing.
FORMAT_PROPERTY = "translate-tool-format"
FORMAT_VERSION_PROPERTY = "translate-tool-format-version"
TOOL_VERSION_PROPERTY = "translate-tool-version"
SOURCE_PROPERTY = "translate-tool-source"  # the input file names, comma-separated
MODEL_PROPERTY = "translate-tool-model"  # the models that produced machine text
ROWS_PROPERTY = "translate-tool-rows"  # the number of passage rows in the document
ARTICLES_PROPERTY = "translate-tool-articles"  # a combined briefing: its number of articles
# What a one-article briefing was made from (`Article.build`), also `build:` in the Markdown
# front matter: `export DIR` skips an article whose documents carry the stamp it would write.
BUILD_PROPERTY = "translate-tool-build"
# The same stamp in an XLIFF briefing: the `form` of a header `<reference><internal-file>`.
BUILD_FORM = "application/x-translate-tool-build"
KEYS_PER_PROPERTY = 15  # 15 keys of 16 hex + spaces stay under Word's 255-character limit
KEYS_PROPERTY = "translate-tool-keys-"  # + 1, 2, ...: row keys in row order, KEYS_PER_PROPERTY each
ENGLISH_PROPERTY = "translate-tool-en-"  # + 1, 2, ...: English fingerprints, chunked like the keys
# + 1, 2, ...: fingerprints of every distinct flag line's text (without the ⚑), chunked like the
# keys, so an importer knows the tool's own flag lines by their exact content, not only by style.
FLAGS_PROPERTY = "translate-tool-flags-"
FLAG_COUNT_PROPERTY = "translate-tool-flag-lines"  # how many there are (0 too: the list is present)
FINGERPRINT_HEX = 12

BOOKMARK_PREFIX = "tt_"  # + Block.key (+ _2, _3, ... for repeats): a passage row
ARTICLE_BOOKMARK = "article_"  # + 1, 2, ...: an article's heading in a combined briefing
FLAG_STYLE = "TT Flag"  # paragraph style of the "⚑ reason" lines; never part of the English

# --- the one rule for characters a document cannot hold ------------------------------------------
#
# Replaced by U+FFFD (�), wherever text goes into a briefing (DOCX parts, Markdown and its front
# matter) and wherever text is keyed or compared (`normalise_english` here, `normalise_source` in
# article.py), so export and review import see the same text and row keys still match:
# - the C0 controls other than tab, line feed and carriage return (XML 1.0 forbids them: Word
#   and `review import` refuse the file), DEL and the C1 controls (YAML refuses them raw);
# - lone surrogates (a file name that is not UTF-8, decoded with surrogateescape): not text;
# - the noncharacters U+FDD0-U+FDEF and U+xFFFE/U+xFFFF of every plane (U+FFFE is a
#   byte-swapped BOM; XML 1.0 forbids U+FFFE/U+FFFF).
# A passage that had any of them is flagged (checks.check_characters), so the reader knows the
# � is not in the original. Tab, newline and carriage return stay in passages (they become a
# tab or a line break in Word) but become spaces in one-line fields (`clean_field`).
REPLACEMENT = "\ufffd"
_NONCHARACTERS = "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
UNSAFE_CHARACTERS = re.compile(
    f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef{_NONCHARACTERS}]"
)

# Word refuses a core property (title, subject, ...) longer than 255 characters, and shows
# custom properties up to 255; our own property values are kept to that everywhere.
PROPERTY_MAX = 255
# A model label ("package version") is stored with every memory entry and shown in every
# briefing; a package's metadata cannot make it longer than this.
LABEL_MAX = 120


def clean_text(text: str) -> str:
    """`text` with every character of the rule above replaced by U+FFFD."""
    return UNSAFE_CHARACTERS.sub(REPLACEMENT, text)


def unsafe_count(text: str) -> int:
    """How many characters of `text` the rule replaces."""
    return len(UNSAFE_CHARACTERS.findall(text))


_WHITESPACE = re.compile(r"\s+")  # \s is exactly what str.split() splits on


def collapse_whitespace(text: str) -> str:
    """`" ".join(text.split())` without a list of every word: a 10 MB passage is one string."""
    return _WHITESPACE.sub(" ", text).strip(" ")


def clean_field(text: str, limit: int = PROPERTY_MAX) -> str:
    """A one-line field: the rule applied, whitespace runs as one space, at most `limit` characters.

    A longer value is cut and ends in "…", so it is visibly not the whole text.
    """
    text = " ".join(clean_text(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- output file names ---------------------------------------------------------------------------

# Most file systems allow 255 bytes in a name; a briefing's name also gets a suffix (.docx) and,
# while it is written, a temporary ".<name>.<random>.part" name beside it.
STEM_MAX_BYTES = 120
STEM_HASH_HEX = 8
# Characters that do not belong in a file name we make: the rule above, every other control or
# format character (bidi overrides can make a name read backwards), and path separators.
_NOT_IN_NAME = re.compile(
    f"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef{_NONCHARACTERS}"
    "\u061c\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff/\\\\]"
)


def output_stem(stem: str) -> str:
    """The file name (without suffix) a briefing of an input named `stem` is written under.

    Unchanged when `stem` is plain and short. Otherwise the characters above are removed, the
    name is cut to `STEM_MAX_BYTES` bytes of UTF-8, and `-` plus a short hash of the original
    name (its bytes, as the file system has them) is added, so two inputs that differ only in
    what was removed or cut still get different names.
    """
    kept = " ".join(_NOT_IN_NAME.sub("", stem).split()).strip(". ")
    if kept and kept == stem and len(stem.encode("utf-8")) <= STEM_MAX_BYTES:
        return stem
    digest = short_sha1(os.fsencode(stem), STEM_HASH_HEX)
    room = STEM_MAX_BYTES - STEM_HASH_HEX - 1
    cut = kept.encode("utf-8")[:room].decode("utf-8", errors="ignore").rstrip(". ")
    return f"{cut or 'article'}-{digest}"


def row_bookmark(key: str, occurrence: int = 1) -> str:
    """The bookmark name that ties a table row back to the block with row key `key`.

    The `occurrence`-th row with the same Arabic (the same key) gets a `_<occurrence>` suffix
    from the second on, so every bookmark name in a document is unique.
    """
    suffix = f"_{occurrence}" if occurrence > 1 else ""
    return BOOKMARK_PREFIX + key + suffix


def normalise_english(text: str) -> str:
    """English as compared on review import: the character rule, NFC, whitespace runs as one space."""
    return collapse_whitespace(unicodedata.normalize("NFC", clean_text(text)))


def english_fingerprint(text: str) -> str:
    """A short hash of `normalise_english(text)`, stored per row to spot a reviewer's changes."""
    return short_sha1(normalise_english(text), FINGERPRINT_HEX)
