"""The Markdown briefing: YAML front matter, then a GitHub-flavoured table, English beside Arabic.

`render_markdown(article)` returns the text; it never writes a file. Every piece of article
text goes through `escape_inline`, so whatever the source or the model produced stays literal:
one table row per passage, three cells per row, no stray HTML.
"""

from __future__ import annotations

import json
import re

from .. import __version__
from ..article import Article, Block, BlockKind, Flag
from . import STATUS_MARK, english_title, iso_utc, review_notice, review_status, status_legend

FORMAT = "translate-tool briefing"
FORMAT_VERSION = 1

# Characters with inline meaning anywhere in a line (GitHub adds ~ strikethrough and $ maths).
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]|~$])")
# Characters that start block syntax at the beginning of a line: headings, lists, setext
# underlines, ordered lists ("12." / "12)"). Block quotes (">") are covered by &gt;.
_LINE_START = re.compile(r"^([ \t]*)([#+\-=])")
_ORDERED = re.compile(r"^([ \t]*\d{1,9})([.)])")
# Lone surrogates cannot be written as UTF-8; NUL is not allowed in HTML.
_UNWRITABLE = re.compile("[\x00\ud800-\udfff]")
# Characters YAML does not allow raw (or reads as line breaks) though JSON leaves them raw.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


def render_markdown(article: Article) -> str:
    """The Markdown text of the briefing for `article`."""
    out = [*_front_matter(article), ""]
    out.append(f"# {escape_inline(english_title(article))}")
    out.append("")
    if article.title is not None:
        # Markdown inside an HTML block needs the blank lines around it.
        out += ['<div dir="rtl">', "", escape_inline(article.title.source), "", "</div>", ""]
    out.append(f"**{escape_inline(review_notice(article))}**")
    out.append("")
    out.append(escape_inline(f"Marks in the # column: {status_legend()}."))
    out.append("")
    if article.chrome:
        items = " · ".join(_rtl(line) for line in article.chrome)
        out.append(f"Left out as web-page furniture: {items}")
        out.append("")
    out.append("| # | English | العربية |")
    out.append("| --: | --- | --: |")
    for number, block in enumerate(article.blocks, start=1):
        out.append(_row(number, block))
    return "\n".join(out) + "\n"


def escape_inline(text: str) -> str:
    """`text` as Markdown inline content that renders back to exactly `text`.

    Inline syntax characters get a backslash, `< > &` become entities (so no HTML gets
    through), line-start block syntax is neutralised, and line breaks become `<br>` so the
    result is always one line and can sit in a table cell.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br>".join(_escape_line(line) for line in lines)


def _escape_line(line: str) -> str:
    line = _UNWRITABLE.sub("\ufffd", line.replace("\t", " "))
    line = _INLINE_SPECIAL.sub(r"\\\1", line)
    line = line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    line = _LINE_START.sub(r"\1\\\2", line)
    line = _ORDERED.sub(r"\1\\\2", line)
    return line


def _rtl(text: str, bold: bool = False, tag: str = "span") -> str:
    """Arabic wrapped so it lays out right to left: `div` for a whole cell, `span` inline."""
    inner = escape_inline(text.strip())
    if bold and inner:
        inner = f"**{inner}**"
    return f'<{tag} dir="rtl">{inner}</{tag}>'


def _row(number: int, block: Block) -> str:
    heading = block.kind is BlockKind.HEADING
    english = escape_inline(block.target.strip())
    if heading and english:
        english = f"**{english}**"
    english += _flags(block.flags)
    arabic = _rtl(block.source, bold=heading, tag="div")
    mark = STATUS_MARK[block.origin]
    return f"| {number} <sub>{mark}</sub> | {english} | {arabic} |"


def _flags(flags: list[Flag]) -> str:
    """The checks' findings for a passage, appended to its English cell (one place to change)."""
    return "".join(f"<br>⚑ {escape_inline(flag.message)}" for flag in flags)


def _yaml_value(value: object) -> str:
    """JSON is YAML; escape the few characters YAML refuses raw even inside quotes."""
    text = json.dumps(value, ensure_ascii=False)
    return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _front_matter(article: Article) -> list[str]:
    title = article.title
    meta: dict[str, object] = {
        "title": english_title(article),
        "title_ar": title.source if title is not None else None,
        "source": article.name,
        "generated_at": iso_utc(article.generated_at),
        "model": article.model,
        "paragraphs": len(article.paragraphs),
        "passages": len(article.blocks),
        "status": review_status(article),
        "notice": review_notice(article),
        "left_out": list(article.chrome),
        "generator": f"translate-tool {__version__}",
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
    }
    return ["---", *(f"{key}: {_yaml_value(value)}" for key, value in meta.items()), "---"]
