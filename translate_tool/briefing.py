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

import hashlib
import re
import unicodedata

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

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` with the characters XML cannot hold (control codes, lone surrogates) shown as �."""
    return _NOT_XML.sub("\ufffd", text)


def row_bookmark(key: str, occurrence: int = 1) -> str:
    """The bookmark name that ties a table row back to the block with row key `key`.

    The `occurrence`-th row with the same Arabic (the same key) gets a `_<occurrence>` suffix
    from the second on, so every bookmark name in a document is unique.
    """
    suffix = f"_{occurrence}" if occurrence > 1 else ""
    return BOOKMARK_PREFIX + key + suffix


def normalise_english(text: str) -> str:
    """English as compared on review import: NFC, runs of whitespace (newlines too) as one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def english_fingerprint(text: str) -> str:
    """A short hash of `normalise_english(text)`, stored per row to spot a reviewer's changes."""
    return hashlib.sha1(normalise_english(text).encode("utf-8")).hexdigest()[:FINGERPRINT_HEX]
