"""The Markdown briefing: YAML front matter, then a GitHub-flavoured table, English beside Arabic.

`render_markdown(article)` returns the text; it never writes a file.
`render_markdown_combined(articles, name)` puts several articles in one: a title, the QA summary
over all of them, a contents list linking to each article, then one `## N. title` section per
article, made by the same code as a single-article briefing (`_article_body`).

Every piece of article text goes through `escape_inline`, so whatever the source or the model
produced stays literal: one table row per passage, three cells per row, no stray HTML.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from .. import __version__
from ..article import Article, Block, BlockKind, Flag
from ..briefing import FORMAT_NAME, FORMAT_VERSION, clean_text
from ..text import plural
from . import (
    STATUS_MARK,
    article_facts,
    briefing_title,
    contents_details,
    english_title,
    first_rows,
    flagged_count,
    flagged_rows,
    generated_at,
    iso_utc,
    models_used,
    qa_entries,
    qa_headline,
    qa_more,
    review_notice,
    review_status,
    status_legend,
    whole,
)

ANCHOR = "article-"  # + 1, 2, ...: the id of an article's section in a combined briefing

# Characters with inline meaning anywhere in a line (GitHub adds ~ strikethrough and $ maths).
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]|~$])")
# Characters that start block syntax at the beginning of a line: headings, lists, setext
# underlines, ordered lists ("12." / "12)"). Block quotes (">") are covered by &gt;.
_LINE_START = re.compile(r"^([ \t]*)([#+\-=])")
_ORDERED = re.compile(r"^([ \t]*\d{1,9})([.)])")
# Characters YAML reads as line breaks or a BOM though JSON leaves them raw (the others YAML
# refuses are replaced by the character rule first), and the characters that would start HTML
# in a Markdown renderer that does not know front matter and shows it as text.
_YAML_UNSAFE = re.compile("[\u2028\u2029\ufeff<>&]")


def render_markdown(article: Article) -> str:
    """The Markdown text of the briefing for `article`."""
    out = [*_front_matter(_article_meta(article)), ""]
    out.append(f"# {escape_inline(english_title(article))}")
    out.append("")
    out += _article_body(article, first_row=1, legend=True)
    return "\n".join(out) + "\n"


def render_markdown_combined(articles: Sequence[Article], name: str) -> str:
    """The Markdown text of one briefing for several articles (`name`: its file name, no suffix).

    Rows are numbered through the whole briefing, as in the Word version.
    """
    articles = list(articles)
    everything = whole(articles)
    firsts = first_rows(articles)
    out = [*_front_matter(_combined_meta(articles, name, firsts)), ""]
    out.append(f"# {escape_inline(briefing_title(name))}")
    out.append("")
    passages = len(everything.blocks)
    facts = [
        f"{plural(len(articles), 'article')}, "
        f"{plural(passages, 'passage')} in all",
        f"generated {iso_utc(generated_at(articles))}",
        f"model {models_used(articles)}",
    ]
    out += [escape_inline(" · ".join(facts)), ""]
    out += [f"**{escape_inline(review_notice(everything))}**", ""]
    out += [_qa_headline(articles), ""]
    out += [escape_inline(f"Marks in the # column: {status_legend()}."), ""]
    out += ["## Contents", ""]
    for index, (article, first) in enumerate(zip(articles, firsts, strict=True), start=1):
        link = f"[{escape_inline(english_title(article))}](#{ANCHOR}{index})"
        out.append(f"{index}. {link} — {escape_inline(contents_details(article, first))}")
    out.append("")
    for index, (article, first) in enumerate(zip(articles, firsts, strict=True), start=1):
        title = escape_inline(english_title(article))
        out += [f'## <a id="{ANCHOR}{index}"></a>{index}. {title}', ""]
        facts = [f"{label}: {value}" for label, value in article_facts(article, articles, first)]
        out += _article_body(article, first_row=first, legend=False, facts=facts)
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _article_body(article: Article, first_row: int, legend: bool, facts: Sequence[str] = ()) -> list[str]:
    """Everything of an article under its heading: Arabic title, metadata, QA summary, table."""
    out: list[str] = []
    if article.title is not None:
        # Markdown inside an HTML block needs the blank lines around it.
        out += ['<div dir="rtl">', "", escape_inline(article.title.source), "", "</div>", ""]
    if facts:
        out += [escape_inline(" · ".join(facts)), ""]
    out += [f"**{escape_inline(review_notice(article))}**", ""]
    out += _qa(article, first_row)
    if legend:
        out += [escape_inline(f"Marks in the # column: {status_legend()}."), ""]
    if article.chrome:
        items = " · ".join(_rtl(line) for line in article.chrome)
        out += [f"Left out as web-page furniture: {items}", ""]
    out.append("| # | English | العربية |")
    out.append("| --: | --- | --: |")
    for number, block in enumerate(article.blocks, start=first_row):
        out.append(_row(number, block))
    return out


def _qa_headline(articles: Sequence[Article]) -> str:
    """`**⚑ 4 of 39 passages need attention**`; that nothing was flagged, in plain text."""
    line = escape_inline(qa_headline(articles))
    return f"**{line}**" if any(b.flags for a in articles for b in a.blocks) else line


def _qa(article: Article, first_row: int) -> list[str]:
    """The QA summary: how many passages were flagged, then a list item per flagged row."""
    out = [_qa_headline([article]), ""]
    entries, left_out = qa_entries(article, first_row)
    out += [f"- {escape_inline(label)}: {escape_inline(reasons)}" for label, reasons in entries]
    if left_out:
        out.append(f"- {escape_inline(qa_more(left_out))}")
    if entries:
        out.append("")
    return out


def escape_inline(text: str) -> str:
    """`text` as Markdown inline content that renders back to exactly `text`.

    Inline syntax characters get a backslash, `< > &` become entities (so no HTML gets
    through), line-start block syntax is neutralised, and line breaks become `<br>` so the
    result is always one line and can sit in a table cell.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br>".join(_escape_line(line) for line in lines)


def _escape_line(line: str) -> str:
    line = clean_text(line.replace("\t", " "))
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
    """JSON is YAML; escape the few characters YAML refuses raw, and `< > &` so no HTML gets through."""
    text = json.dumps(_cleaned(value), ensure_ascii=False)
    return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _cleaned(value: object) -> object:
    """`value` with the character rule applied to every string in it."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    if isinstance(value, dict):
        return {key: _cleaned(item) for key, item in value.items()}
    return value


def _flag_list(article: Article, first_row: int) -> list[dict[str, object]]:
    return [
        {"row": number, "check": flag.check, "message": flag.message}
        for number, block in flagged_rows(article, first_row)
        for flag in block.flags
    ]


def _article_meta(article: Article) -> dict[str, object]:
    title = article.title
    return {
        "title": english_title(article),
        "title_ar": title.source if title is not None else None,
        "source": article.name,
        "generated_at": iso_utc(article.generated_at),
        "model": article.model,
        "paragraphs": len(article.paragraphs),
        "passages": len(article.blocks),
        "flagged": flagged_count(article),
        "flags": _flag_list(article, 1),
        "status": review_status(article),
        "notice": review_notice(article),
        "left_out": list(article.chrome),
        "generator": f"translate-tool {__version__}",
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        **({"build": article.build} if article.build else {}),
    }


def _combined_meta(articles: list[Article], name: str, firsts: list[int]) -> dict[str, object]:
    everything = whole(articles)
    sections = []
    flags = []
    for index, (article, first) in enumerate(zip(articles, firsts, strict=True), start=1):
        title = article.title
        sections.append(
            {
                "title": english_title(article),
                "title_ar": title.source if title is not None else None,
                "source": article.name,
                "model": article.model,
                "paragraphs": len(article.paragraphs),
                "passages": len(article.blocks),
                "first_row": first,
                "flagged": flagged_count(article),
                "status": review_status(article),
                "left_out": list(article.chrome),
            }
        )
        flags += [{"article": index, **flag} for flag in _flag_list(article, first)]
    return {
        "title": briefing_title(name),
        "name": name,
        "generated_at": iso_utc(generated_at(articles)),
        "model": ", ".join(dict.fromkeys(a.model for a in articles if a.model)),
        "articles": sections,
        "passages": len(everything.blocks),
        "flagged": flagged_count(everything),
        "flags": flags,
        "status": review_status(everything),
        "notice": review_notice(everything),
        "generator": f"translate-tool {__version__}",
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
    }


def _front_matter(meta: dict[str, object]) -> list[str]:
    return ["---", *(f"{key}: {_yaml_value(value)}" for key, value in meta.items()), "---"]
