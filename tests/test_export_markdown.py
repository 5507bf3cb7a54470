"""The Markdown briefing: a table that always parses to three cells and keeps text literal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import translated_seed
from markdown_it import MarkdownIt

from translate_tool.article import Article, BlockKind, Flag, Origin
from translate_tool.export import EXPORTERS
from translate_tool.export.markdown import escape_inline, render_markdown

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_ab347057d505572f.txt"
HOSTILE = "| a \\ b <script>x</script> # - > ` * _"
HOSTILE_MORE = "# not a heading | [link](http://x) ![img](y) **b** ~~s~~ $x$ &amp; &lt; \\| \\\\| <b>"
# HTML tags this exporter writes itself; anything else in the output would be text leaking as HTML
OUR_TAGS = {'<div dir="rtl">', "</div>", '<span dir="rtl">', "</span>", "<sub>", "</sub>", "<br>"}


def seed_article() -> Article:
    return translated_seed()


def split_front_matter(text: str) -> tuple[str, str]:
    assert text.startswith("---\n")
    end = text.index("\n---\n", 4)
    return text[4:end], text[end + 5 :]


def parse(body: str):
    return MarkdownIt("commonmark").enable("table").parse(body)


def cell_text(inline) -> str:
    """What a reader sees in a cell: text, with <br> as a newline; our own tags dropped."""
    out = []
    for child in inline.children:
        if child.type in ("text", "text_special"):
            out.append(child.content)
        elif child.type == "softbreak":
            out.append("\n")
        elif child.type == "html_inline":
            assert child.content in OUR_TAGS, f"text leaked as HTML: {child.content!r}"
            if child.content == "<br>":
                out.append("\n")
        elif child.type in ("strong_open", "strong_close"):
            continue
        else:
            raise AssertionError(f"unexpected markdown syntax in a cell: {child.type}")
    return "".join(out)


def table_rows(tokens) -> list[list]:
    """Each row as its list of inline tokens, header first."""
    rows, current = [], None
    for i, token in enumerate(tokens):
        if token.type == "tr_open":
            current = []
        elif token.type in ("th_open", "td_open"):
            current.append(tokens[i + 1])
        elif token.type == "tr_close":
            rows.append(current)
    return rows


def rendered_rows(article: Article) -> list[list]:
    _, body = split_front_matter(render_markdown(article))
    return table_rows(parse(body))


def test_every_row_has_three_cells_and_one_row_per_block():
    article = seed_article()
    rows = rendered_rows(article)
    assert len(rows) == len(article.blocks) + 1 == 40
    assert all(len(row) == 3 for row in rows)
    assert [cell_text(c) for c in rows[0]] == ["#", "English", "العربية"]
    for number, (row, block) in enumerate(zip(rows[1:], article.blocks, strict=True), start=1):
        assert cell_text(row[0]) == f"{number} MT"
        assert cell_text(row[1]) == block.target
        assert cell_text(row[2]) == block.source


def test_hostile_text_stays_literal():
    article = seed_article()
    article.blocks[3].target = HOSTILE
    article.blocks[3].source = "قال " + HOSTILE
    article.blocks[4].target = HOSTILE_MORE
    article.blocks[4].source = HOSTILE_MORE
    article.blocks[5].target = "1. first\n- second\n> third\n+ fourth"
    article.blocks[6].kind = BlockKind.HEADING
    article.blocks[6].target = "*Starred* heading_with_underscores"
    body = split_front_matter(render_markdown(article))[1]
    tokens = parse(body)
    rows = table_rows(tokens)
    assert len(rows) == len(article.blocks) + 1
    assert all(len(row) == 3 for row in rows)
    for row, block in zip(rows[1:], article.blocks, strict=True):
        assert cell_text(row[1]) == block.target
        assert cell_text(row[2]) == block.source
    every_html = [c.content for t in tokens for c in (t.children or []) if c.type == "html_inline"]
    assert not any("script" in html for html in every_html)
    assert not any(t.type == "html_block" and "script" in t.content for t in tokens)
    assert "<script>" not in body


@pytest.mark.parametrize(
    "text",
    [
        "# heading?",
        "- item",
        "+ item",
        "> quote",
        "12. numbered",
        "3) numbered",
        "=====",
        "  # indented",
        HOSTILE,
    ],
)
def test_escape_inline_blocks_line_start_syntax(text):
    tokens = parse(escape_inline(text) + "\n")
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    assert cell_text(tokens[1]) == text.strip()


def test_heading_rows_are_bold_and_status_marks_shown():
    article = seed_article()
    article.blocks[1].origin = Origin.REVIEWED
    article.blocks[2].origin = Origin.MEMORY
    rows = rendered_rows(article)
    assert cell_text(rows[2][0]) == "2 REV"
    assert cell_text(rows[3][0]) == "3 MEM"
    for row, block in zip(rows[1:], article.blocks, strict=True):
        types = [c.type for c in row[1].children]
        assert ("strong_open" in types) == (block.kind is BlockKind.HEADING)
        assert [c.content for c in row[2].children if c.type == "html_inline"][0] == '<div dir="rtl">'


def test_flags_are_shown_in_the_english_cell():
    article = seed_article()
    article.blocks[3].flags = [Flag("numbers", "60 is missing | check *this*")]
    rows = rendered_rows(article)
    assert cell_text(rows[4][1]) == f"{article.blocks[3].target}\n⚑ 60 is missing | check *this*"
    assert "⚑" not in cell_text(rows[5][1])


def test_front_matter_holds_the_metadata():
    article = seed_article()
    article.blocks[0].target = 'Title: with "quotes", #hash\nand\u2028odd\x85breaks'
    front, body = split_front_matter(render_markdown(article))
    try:
        import yaml
    except ImportError:  # each line is `key: <json>`, so json reads it too
        meta = {k: json.loads(v) for k, v in (line.split(": ", 1) for line in front.splitlines())}
    else:
        meta = yaml.safe_load(front)
    assert meta["title"] == " ".join(article.blocks[0].target.split())
    assert meta["source"] == "000_ab347057d505572f.txt"
    assert meta["generated_at"] == "2024-05-01T09:30:00Z"
    assert meta["model"] == "translate-ar_en 1.9"
    assert meta["paragraphs"] == 31
    assert meta["status"] == "unreviewed"
    assert "Unreviewed machine translation" in meta["notice"]
    assert meta["left_out"] == article.chrome
    assert "Unreviewed machine translation" in body


def test_title_heading_and_notice():
    article = seed_article()
    article.blocks[0].target = "# Azerbaijan *launches* operation"
    article.blocks[0].origin = Origin.REVIEWED
    tokens = parse(split_front_matter(render_markdown(article))[1])
    assert tokens[0].type == "heading_open" and tokens[0].tag == "h1"
    assert cell_text(tokens[1]) == article.blocks[0].target
    text = "".join(t.content for t in tokens if t.type == "inline")
    assert "1 of 39 passages reviewed" in text


def test_registry_and_determinism():
    render, suffix = EXPORTERS["md"]
    assert suffix == ".md"
    assert render(seed_article()) == render_markdown(seed_article())


def test_unwritable_characters_are_replaced():
    article = seed_article()
    article.blocks[3].target = "lone \ud800 surrogate and NUL \x00"
    article.blocks[0].target = "title \udfff"
    text = render_markdown(article)
    text.encode("utf-8")  # the lead writes it as UTF-8; a lone surrogate would raise here
    assert "lone \ufffd surrogate and NUL \ufffd" in text


def test_qa_summary_in_the_body_and_the_front_matter():
    article = seed_article()
    article.blocks[3].flags = [Flag("numbers", "number 60 missing | from *the* English")]
    article.blocks[11].flags = [Flag("numbers", "number 25 missing"), Flag("confidence", "low confidence")]
    front, body = split_front_matter(render_markdown(article))
    meta = {k: json.loads(v) for k, v in (line.split(": ", 1) for line in front.splitlines())}
    assert meta["flagged"] == 2
    assert meta["flags"] == [
        {"row": 4, "check": "numbers", "message": "number 60 missing | from *the* English"},
        {"row": 12, "check": "numbers", "message": "number 25 missing"},
        {"row": 12, "check": "confidence", "message": "low confidence"},
    ]
    tokens = parse(body)
    paragraphs = [cell_text(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "paragraph_open"]
    assert "⚑ 2 of 39 passages need attention" in paragraphs
    items = [cell_text(tokens[i + 2]) for i, t in enumerate(tokens) if t.type == "list_item_open"]
    assert items == [
        "row 4: number 60 missing | from *the* English",
        "row 12: number 25 missing; low confidence",
    ]
    # the summary sits between the review notice and the table
    assert body.index("Unreviewed") < body.index("⚑ 2 of 39") < body.index("| # |")
    # and the per-row flags are still in the English cells
    rows = table_rows(tokens)
    assert len(rows) == 40 and all(len(row) == 3 for row in rows)
    assert cell_text(rows[12][1]).endswith("⚑ number 25 missing\n⚑ low confidence")


def test_qa_summary_when_nothing_is_flagged_and_when_the_list_is_long():
    article = seed_article()
    front, body = split_front_matter(render_markdown(article))
    assert "No passage was flagged by the automatic checks." in body
    assert "flagged: 0" in front and "flags: []" in front
    for block in article.blocks:
        block.flags = [Flag("length", "too short")]
    body = split_front_matter(render_markdown(article))[1]
    items = [line for line in body.splitlines() if line.startswith("- ")]
    assert len(items) == 31 and items[-1] == "- … and 9 more flagged passages"
