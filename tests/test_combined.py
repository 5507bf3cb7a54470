"""Combined briefings: several articles in one DOCX / Markdown file, and review import from them.

Three articles: the seed and two small crafted ones, translated by the fake model. The crafted
ones repeat a passage, once inside one article and once across articles, so row keys repeat.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from helpers import FakeTranslator
from helpers import run_cli as run
from markdown_it import MarkdownIt

from translate_tool.article import Article, BlockKind, Flag
from translate_tool.briefing import KEYS_PROPERTY, row_bookmark
from translate_tool.checks import run_checks, summary, summary_line
from translate_tool.export import COMBINED, EXPORTERS, NOTHING_FLAGGED, english_title
from translate_tool.export.docx import ARABIC_FONT, render_docx, render_docx_combined
from translate_tool.export.markdown import render_markdown_combined
from translate_tool.pipeline import translate_articles
from translate_tool.readers.txt import parse_article
from translate_tool.review import read_review
from translate_tool.review.ooxml import custom_properties as read_custom_properties

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_ab347057d505572f.txt"
REPEATED = "قالت الوزارة إن الاجتماع سيعقد يوم ٢٥ مايو بمشاركة ١٢ دولة."
CAIRO = f"""بيان وزارة الخارجية المصرية
(القاهرة)
{REPEATED}
ردود الفعل
وأضاف المتحدث أن المحادثات ستستمر حتى نهاية الأسبوع.
{REPEATED}
"""
OIL = f"""ارتفاع أسعار النفط
آخر تحديث: 10:30
ارتفعت أسعار النفط بنسبة ٣٫٥٪ في التعاملات الصباحية.
يقرأون الآن
{REPEATED}
"""
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def make_articles(flags: bool = True) -> list[Article]:
    """The seed (39 rows), cairo.txt (6 rows) and oil.txt (3 rows), translated by the fake model.

    With `flags`, two passages are flagged by hand: seed row 4 and cairo's second REPEATED.
    """
    articles = [
        parse_article(SEED.read_text(encoding="utf-8"), SEED),
        parse_article(CAIRO, Path("inbox/cairo.txt")),
        parse_article(OIL, Path("inbox/oil.txt")),
    ]
    translate_articles(articles, lambda: FakeTranslator())
    for article in articles:
        article.generated_at = datetime(2024, 5, 1, 9, 30, tzinfo=timezone.utc)
    if flags:
        articles[0].blocks[3].flags = [Flag("numbers", "number 60 missing from the English")]
        articles[1].blocks[5].flags = [
            Flag("numbers", "number 12 missing from the English"),
            Flag("confidence", "low model confidence"),
        ]
    return articles


def first_rows(articles: list[Article]) -> list[int]:
    out, row = [], 1
    for article in articles:
        out.append(row)
        row += len(article.blocks)
    return out


def test_the_crafted_articles_have_the_expected_shape():
    seed, cairo, oil = make_articles()
    assert [len(a.blocks) for a in (seed, cairo, oil)] == [39, 6, 3]
    assert [b.kind for b in cairo.blocks][:4] == [
        BlockKind.TITLE,
        BlockKind.DATELINE,
        BlockKind.PARAGRAPH,
        BlockKind.HEADING,
    ]
    assert cairo.blocks[2].key == cairo.blocks[5].key == oil.blocks[2].key
    assert oil.chrome == ["آخر تحديث: 10:30", "يقرأون الآن"]
    # distinct titles, so the contents can be told apart
    assert len({english_title(a) for a in (seed, cairo, oil)}) == 3
    assert seed.model == cairo.model == oil.model == FakeTranslator.label


# --- DOCX ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return make_articles()


@pytest.fixture(scope="module")
def combined(articles):
    return Document(io.BytesIO(render_docx_combined(articles, "monday-briefing")))


def article_headings(document):
    return [p for p in document.paragraphs if p.style.name == "Heading 1" and p.text != "Contents"]


def index_of(paragraphs, paragraph) -> int:
    return [p._p for p in paragraphs].index(paragraph._p)


def test_cover_has_title_time_model_and_overall_qa(combined, articles):
    paragraphs = combined.paragraphs
    assert paragraphs[0].style.name == "Title" and paragraphs[0].text == "Monday briefing"
    first_heading = index_of(paragraphs, article_headings(combined)[0])
    cover = "\n".join(p.text for p in paragraphs[:first_heading])
    assert "Generated: 2024-05-01T09:30:00Z" in cover
    assert f"Model: {FakeTranslator.label}" in cover
    assert "Articles: 3, with 48 passages in all" in cover
    assert "⚑ 2 of 48 passages need attention" in cover
    assert "Unreviewed machine translation" in cover
    assert "Marks in the # column:" in cover


def test_contents_is_a_numbered_list_naming_each_article(combined, articles):
    entries = [p for p in combined.paragraphs if p.style.name == "List Number"]
    assert len(entries) == len(articles)
    details = ["39 passages (rows 1–39) · ⚑ 1 flagged", "6 passages (rows 40–45) · ⚑ 1 flagged"]
    details.append("3 passages (rows 46–48) · none flagged")
    for entry, article, detail in zip(entries, articles, details, strict=True):
        assert entry.text == f"{english_title(article)}\n{article.name} · {detail}"
    # each title links to its article's heading, which holds the bookmark it names
    anchors = [link.get(qn("w:anchor")) for e in entries for link in e._p.iter(qn("w:hyperlink"))]
    assert anchors == ["article_1", "article_2", "article_3"]
    for anchor, heading in zip(anchors, article_headings(combined), strict=True):
        assert [b.get(qn("w:name")) for b in heading._p.iter(qn("w:bookmarkStart"))] == [anchor]


def test_one_section_per_article_each_on_a_new_page(combined, articles):
    headings = article_headings(combined)
    assert [h.text for h in headings] == [f"{i}. {english_title(a)}" for i, a in enumerate(articles, 1)]
    assert all(h.paragraph_format.page_break_before for h in headings)
    assert combined.paragraphs[0].paragraph_format.page_break_before is None
    # body order: heading, its metadata, then its table, for every article in turn
    body = [child for child in combined.element.body if child.tag in (W + "p", W + "tbl")]
    tables = [i for i, child in enumerate(body) if child.tag == W + "tbl"]
    starts = [body.index(h._p) for h in headings]
    assert len(tables) == len(articles)
    for start, table, following in zip(starts, tables, [*starts[1:], len(body)], strict=True):
        assert start < table < following


def test_each_article_has_its_own_metadata_and_qa_summary(combined, articles):
    headings = article_headings(combined)
    paragraphs = combined.paragraphs
    bounds = [index_of(paragraphs, h) for h in headings] + [len(paragraphs)]
    sections = [
        "\n".join(p.text for p in paragraphs[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    seed, cairo, oil = sections
    assert "Source file: 000_ab347057d505572f.txt" in seed and "Paragraphs: 31" in seed
    assert "Rows: 1–39" in seed
    assert "⚑ 1 of 39 passages needs attention\nrow 4: number 60 missing from the English" in seed
    assert "Left out as web-page furniture:" in seed
    assert "Source file: cairo.txt" in cairo and "Rows: 40–45" in cairo
    assert "row 45: number 12 missing from the English; low model confidence" in cairo
    assert "furniture" not in cairo
    assert "Source file: oil.txt" in oil and NOTHING_FLAGGED in oil
    assert "Left out as web-page furniture: آخر تحديث: 10:30\u200e | يقرأون الآن" in oil
    for section, article in zip(sections, articles, strict=True):
        assert article.title.source in section
        assert "Unreviewed machine translation" in section
        assert "Model:" not in section  # one model for all: on the cover only


def test_tables_number_rows_through_the_document(combined, articles):
    for table, article, first in zip(combined.tables, articles, first_rows(articles), strict=True):
        assert len(table.rows) == len(article.blocks) + 1
        assert [c.text for c in table.rows[0].cells] == ["#", "English", "العربية"]
        for number, (row, block) in enumerate(zip(table.rows[1:], article.blocks, strict=True), first):
            assert row.cells[0].text.split() == [str(number), "MT"]
            assert row.cells[1].paragraphs[0].text == block.target
            assert row.cells[2].text == block.source


def test_all_arabic_cells_are_right_to_left(combined):
    for table in combined.tables:
        for row in table.rows:
            for paragraph in row.cells[2].paragraphs:
                assert paragraph._p.pPr.find(qn("w:bidi")) is not None
                for text_run in paragraph.runs:
                    rpr = text_run._r.rPr
                    assert rpr.find(qn("w:rtl")) is not None
                    assert rpr.find(qn("w:rFonts")).get(qn("w:cs")) == ARABIC_FONT


def test_bookmark_names_and_ids_are_unique_and_repeats_get_a_suffix(combined, articles):
    starts = list(combined.element.body.iter(qn("w:bookmarkStart")))
    names = [s.get(qn("w:name")) for s in starts]
    ids = [s.get(qn("w:id")) for s in starts]
    assert len(set(names)) == len(names) and len(set(ids)) == len(ids)
    repeated = articles[1].blocks[2]
    rows = [t.rows[1:] for t in combined.tables]
    in_row = [
        [b.get(qn("w:name")) for b in row.cells[0]._tc.iter(qn("w:bookmarkStart"))]
        for row in (rows[1][2], rows[1][5], rows[2][2])
    ]
    assert in_row == [[f"tt_{repeated.key}"], [f"tt_{repeated.key}_2"], [f"tt_{repeated.key}_3"]]
    assert row_bookmark(repeated.key, 3) == f"tt_{repeated.key}_3"


def test_properties_list_every_row_of_every_table_in_order(articles):
    with zipfile.ZipFile(io.BytesIO(render_docx_combined(articles, "monday-briefing"))) as z:
        custom = read_custom_properties(z.read("docProps/custom.xml"))
    chunks = sorted(
        (k for k in custom if k.startswith(KEYS_PROPERTY)), key=lambda k: int(k.rsplit("-", 1)[1])
    )
    keys = " ".join(custom[k] for k in chunks).split()
    assert keys == [b.key for a in articles for b in a.blocks]
    assert custom["translate-tool-rows"] == "48" and custom["translate-tool-articles"] == "3"
    assert custom["translate-tool-source"] == "000_ab347057d505572f.txt, cairo.txt, oil.txt"
    assert all(len(value) <= 255 for value in custom.values())


def test_combined_output_is_deterministic(articles):
    assert render_docx_combined(articles, "x") == render_docx_combined(make_articles(), "x")
    assert COMBINED["docx"](articles, "x") == render_docx_combined(articles, "x")


def test_single_article_briefing_is_unchanged_by_the_combined_code(articles):
    """A combined briefing of one article holds the same table as that article's own briefing."""
    single = Document(io.BytesIO(render_docx(articles[2])))
    one = Document(io.BytesIO(render_docx_combined(articles[2:], "one")))
    assert len(single.tables) == len(one.tables) == 1
    assert single.tables[0]._tbl.xml == one.tables[0]._tbl.xml
    assert single.paragraphs[0].style.name == "Title"
    assert not any(p.paragraph_format.page_break_before for p in single.paragraphs)


# --- QA summary from the real checks --------------------------------------------------------------


def test_qa_summary_counts_what_run_checks_found():
    articles = make_articles(flags=False)
    run_checks(articles)
    flagged, total = summary(articles)
    assert 0 < flagged < total
    cover = "\n".join(p.text for p in Document(io.BytesIO(render_docx_combined(articles, "b"))).paragraphs)
    assert f"⚑ {summary_line(articles)}" in cover
    front = split_front_matter(render_markdown_combined(articles, "b"))[0]
    meta = yaml_load(front)
    assert meta["flagged"] == flagged
    flags = [(f["article"], f["row"], f["message"]) for f in meta["flags"]]
    expected = [
        (i, row, flag.message)
        for i, (article, first) in enumerate(zip(articles, first_rows(articles), strict=True), 1)
        for row, block in enumerate(article.blocks, first)
        for flag in block.flags
    ]
    assert flags == expected


# --- review import from a combined briefing -------------------------------------------------------


def set_english(cell, text: str) -> None:
    paragraph = cell.paragraphs[0]
    for extra in paragraph.runs[1:]:
        extra._r.getparent().remove(extra._r)
    paragraph.runs[0].text = text


@pytest.fixture
def exported(tmp_path) -> Path:
    path = tmp_path / "combined.docx"
    path.write_bytes(render_docx_combined(make_articles(), "monday-briefing"))
    return path


def test_review_import_finds_exactly_the_edited_rows_in_any_article(exported):
    articles = make_articles()
    document = Document(str(exported))
    set_english(document.tables[0].rows[2].cells[1], "Corrected row two.")
    set_english(document.tables[1].rows[4].cells[1], "Corrected heading.")
    set_english(document.tables[2].rows[2].cells[1], "Oil rose 3.5% this morning.")
    document.save(str(exported))

    result = read_review(exported)
    assert result.unmatched == []
    assert [(c.row, c.key, c.change.target) for c in result.changes] == [
        (2, articles[0].blocks[1].key, "Corrected row two."),
        (43, articles[1].blocks[3].key, "Corrected heading."),
        (47, articles[2].blocks[1].key, "Oil rose 3.5% this morning."),
    ]
    assert result.changes[2].change.source == articles[2].blocks[1].source
    assert result.unchanged == 48 - 3


def test_unedited_combined_briefing_imports_nothing(exported):
    result = read_review(exported)
    assert (result.changes, result.unchanged, result.unmatched) == ([], 48, [])


def test_a_repeated_passage_imports_from_the_row_that_was_edited(exported):
    """The second of three rows with the same Arabic (bookmark `tt_<key>_2`) is corrected."""
    repeated = make_articles()[1].blocks[2]
    document = Document(str(exported))
    cell = document.tables[1].rows[6].cells[1]
    assert [
        b.get(qn("w:name")) for b in document.tables[1].rows[6].cells[0]._tc.iter(qn("w:bookmarkStart"))
    ] == [f"tt_{repeated.key}_2"]
    set_english(cell, "The meeting will be held on 25 May with 12 countries.")
    document.save(str(exported))

    result = read_review(exported)
    assert result.unmatched == []
    assert [(c.row, c.key, c.change.target) for c in result.changes] == [
        (45, repeated.key, "The meeting will be held on 25 May with 12 countries.")
    ]
    assert result.unchanged == 47


def test_repeated_passages_in_one_article_get_unique_bookmarks_and_import(tmp_path):
    article = make_articles()[1]
    path = tmp_path / "cairo.docx"
    path.write_bytes(render_docx(article))
    document = Document(str(path))
    names = [b.get(qn("w:name")) for b in document.element.body.iter(qn("w:bookmarkStart"))]
    assert len(names) == len(set(names)) == 6
    assert names[2] == f"tt_{article.blocks[2].key}" and names[5] == f"tt_{article.blocks[2].key}_2"
    set_english(document.tables[0].rows[3].cells[1], "First copy corrected.")
    document.save(str(path))
    result = read_review(path)
    assert [(c.row, c.change.target) for c in result.changes] == [(3, "First copy corrected.")]
    assert (result.unchanged, result.unmatched) == (5, [])


# --- Markdown --------------------------------------------------------------------------------------


def split_front_matter(text: str) -> tuple[str, str]:
    assert text.startswith("---\n")
    end = text.index("\n---\n", 4)
    return text[4:end], text[end + 5 :]


def yaml_load(front: str) -> dict:
    try:
        import yaml
    except ImportError:  # each line is `key: <json>`
        return {k: json.loads(v) for k, v in (line.split(": ", 1) for line in front.splitlines())}
    return yaml.safe_load(front)


def parse(body: str):
    return MarkdownIt("commonmark").enable("table").parse(body)


def inline_text(token) -> str:
    return "".join(c.content for c in token.children if c.type in ("text", "text_special"))


@pytest.fixture(scope="module")
def markdown(articles) -> str:
    return render_markdown_combined(articles, "monday-briefing")


def test_markdown_has_one_section_and_one_valid_table_per_article(markdown, articles):
    tokens = parse(split_front_matter(markdown)[1])
    h2 = [
        inline_text(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h2"
    ]
    assert h2 == ["Contents"] + [f"{i}. {english_title(a)}" for i, a in enumerate(articles, 1)]
    h1 = [
        inline_text(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h1"
    ]
    assert h1 == ["Monday briefing"]
    tables, current = [], None
    for token in tokens:
        if token.type == "table_open":
            current = []
        elif token.type == "tr_open":
            current.append(0)
        elif token.type in ("td_open", "th_open"):
            current[-1] += 1
        elif token.type == "table_close":
            tables.append(current)
    assert [len(rows) for rows in tables] == [len(a.blocks) + 1 for a in articles]
    assert all(cells == 3 for rows in tables for cells in rows)
    # rows are numbered through the briefing
    for article, first in zip(articles, first_rows(articles), strict=True):
        assert f"| {first} <sub>MT</sub> | {article.blocks[0].target} |" in markdown


def test_markdown_contents_link_to_article_anchors(markdown, articles):
    tokens = parse(split_front_matter(markdown)[1])
    links = [
        c.attrs["href"] for t in tokens if t.type == "inline" for c in t.children if c.type == "link_open"
    ]
    assert links == ["#article-1", "#article-2", "#article-3"]
    for i, article in enumerate(articles, 1):
        assert f'## <a id="article-{i}"></a>{i}. {english_title(article)}' in markdown
    body = split_front_matter(markdown)[1]
    assert "cairo.txt · 6 passages (rows 40–45) · ⚑ 1 flagged" in body


def test_markdown_qa_summaries_and_front_matter(markdown, articles):
    front, body = split_front_matter(markdown)
    meta = yaml_load(front)
    assert meta["title"] == "Monday briefing" and meta["name"] == "monday-briefing"
    assert meta["flagged"] == 2 and meta["passages"] == 48
    assert meta["flags"] == [
        {"article": 1, "row": 4, "check": "numbers", "message": "number 60 missing from the English"},
        {"article": 2, "row": 45, "check": "numbers", "message": "number 12 missing from the English"},
        {"article": 2, "row": 45, "check": "confidence", "message": "low model confidence"},
    ]
    assert [a["source"] for a in meta["articles"]] == ["000_ab347057d505572f.txt", "cairo.txt", "oil.txt"]
    assert [a["first_row"] for a in meta["articles"]] == [1, 40, 46]
    assert "**⚑ 2 of 48 passages need attention**" in body
    assert "- row 4: number 60 missing from the English" in body
    assert "- row 45: number 12 missing from the English; low model confidence" in body
    assert body.count(NOTHING_FLAGGED) == 1  # oil.txt


def test_markdown_registry(articles):
    assert COMBINED["md"](articles, "x") == render_markdown_combined(articles, "x")
    assert set(COMBINED) == set(EXPORTERS)


# --- the command line ------------------------------------------------------------------------------


def test_cli_combine_writes_one_docx_and_one_md(tmp_path, capsys, seed_path, synthetic_model):
    extra = tmp_path / "b.txt"
    extra.write_text(CAIRO, encoding="utf-8")
    out = tmp_path / "out"
    code, stdout, err = run(
        capsys, "export", seed_path, extra, "--combine", "brief", "--model", synthetic_model, "--out-dir", out
    )
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["brief.docx", "brief.md"]
    assert stdout.split() == [str(out / "brief.docx"), str(out / "brief.md")]
    document = Document(str(out / "brief.docx"))
    assert [len(t.rows) for t in document.tables] == [40, 7]
    assert document.paragraphs[0].text == "Brief"
    md = (out / "brief.md").read_text(encoding="utf-8")
    assert md.count('## <a id="article-') == 2
    assert read_review(out / "brief.docx").unchanged == 45


def test_cli_combine_a_folder(tmp_path, capsys, synthetic_model):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a-cairo.txt").write_text(CAIRO, encoding="utf-8")
    (inbox / "b-oil.txt").write_text(OIL, encoding="utf-8")
    (inbox / "notes.md").write_text("not an article", encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run(
        capsys, "export", inbox, "--combine", "inbox", "--model", synthetic_model, "--out-dir", out
    )
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["inbox.docx", "inbox.md"]
    entries = [p.text for p in Document(str(out / "inbox.docx")).paragraphs if p.style.name == "List Number"]
    assert [e.splitlines()[1].split(" · ")[0] for e in entries] == ["a-cairo.txt", "b-oil.txt"]


def test_cli_combine_a_folder_without_articles_exits_2(tmp_path, capsys, synthetic_model):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.md").write_text("nothing here", encoding="utf-8")
    out = tmp_path / "out"
    code, stdout, err = run(
        capsys, "export", empty, "--combine", "x", "--model", synthetic_model, "--out-dir", out
    )
    assert code == 2 and stdout == ""
    assert "folder has no articles (supported: " in err
    assert not out.exists()
