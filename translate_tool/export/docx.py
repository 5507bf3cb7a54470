"""The Word briefing: English beside the Arabic, one table row per passage.

`render_docx(article)` returns the bytes of a .docx; it never writes a file.
`render_docx_combined(articles, name)` puts several articles in one: a cover page (title, QA
summary, contents) and then one section per article, each on a new page, laid out by the same
code as a single-article briefing (`_add_article`). Layout lives here, the raw
WordprocessingML python-docx cannot build lives in `ooxml.py`.

The format contract this layout carries for a later review import (row bookmarks, custom
properties, fingerprints, the flag style) is defined in `briefing.py`.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_BREAK
from docx.shared import Emu, Mm, Pt, RGBColor

from .. import __version__
from ..article import Article, Block, BlockKind
from ..briefing import (
    ARTICLE_BOOKMARK,
    ARTICLES_PROPERTY,
    BUILD_PROPERTY,
    ENGLISH_PROPERTY,
    FLAG_COUNT_PROPERTY,
    FLAG_STYLE,
    FLAGS_PROPERTY,
    FORMAT_NAME,
    FORMAT_PROPERTY,
    FORMAT_VERSION,
    FORMAT_VERSION_PROPERTY,
    KEYS_PER_PROPERTY,
    KEYS_PROPERTY,
    MODEL_PROPERTY,
    ROWS_PROPERTY,
    SOURCE_PROPERTY,
    TOOL_VERSION_PROPERTY,
    clean_field,
    clean_text,
    english_fingerprint,
    row_bookmark,
)
from ..text import plural
from . import (
    STATUS_MARK,
    article_facts,
    as_utc,
    briefing_title,
    contents_details,
    english_title,
    first_rows,
    generated_at,
    iso_utc,
    models_used,
    ooxml,
    qa_entries,
    qa_headline,
    qa_more,
    review_notice,
    review_status,
    status_legend,
    whole,
)

# Word on Windows and macOS has Arial with Arabic glyphs, and it is Word's own default
# complex-script font for Arabic, so the text looks the same on every analyst's machine and no
# font substitution dialog appears. LibreOffice on Linux falls back to an installed Arabic font.
ARABIC_FONT = "Arial"
ENGLISH_PT = 10
ARABIC_PT = 11  # Arabic at the same nominal size reads smaller than Latin
MARK_PT = 7
META_PT = 9

PAGE_WIDTH_MM, PAGE_HEIGHT_MM, MARGIN_MM = 210, 297, 18
COLUMN_SHARES = (0.06, 0.47, 0.47)

HEADER_FILL = "D9D9D9"
HEADING_FILL = "DCE6F1"
FLAG_FILL = "FFF2CC"
# A flagged English cell also gets a thick bar down its left edge: the pale fill all but vanishes
# when printed in greyscale, the bar (and the ⚑ line) does not.
FLAG_BAR = "9C3D00"
FLAG_BAR_PT = 4.5
GREY = RGBColor(0x59, 0x59, 0x59)
FLAG_COLOUR = RGBColor(0x9C, 0x3D, 0x00)
GREY_HEX, FLAG_HEX = str(GREY), str(FLAG_COLOUR)
ROWS_PER_WRITE = 256  # passage rows encoded and compressed per write
NOTICE_COLOUR = {
    "unreviewed": RGBColor(0xA5, 0x00, 0x21),
    "partly-reviewed": RGBColor(0x9C, 0x5B, 0x00),
    "reviewed": RGBColor(0x1E, 0x6B, 0x2E),
}
# A row taller than a page cannot be kept whole: Word would clip it. Rows whose longer side is
# above this many characters may break across pages (about half a page in one column).
KEEP_WHOLE_MAX_CHARS = 1200


def render_docx(article: Article) -> bytes:
    """The .docx bytes of the briefing for `article` (same article, same bytes)."""
    document = _new_document(article.name, article)
    facts = [
        ("Source file", article.name),
        ("Generated", iso_utc(article.generated_at)),
        ("Model", article.model or "not recorded"),
        ("Paragraphs", str(len(article.paragraphs))),
    ]
    rows = _Rows()
    _add_article(document, article, rows, facts, legend=True)
    _set_properties(
        document, [article], english_title(article), f"Translation of {article.name}", combined=False
    )
    return _save(document, rows)


def render_docx_combined(articles: Sequence[Article], name: str) -> bytes:
    """The .docx bytes of one briefing for several articles (`name` is its file name, no suffix).

    A cover page with the title, the QA summary over all articles and a numbered contents list,
    then each article on a new page, as in its own briefing: heading, source metadata, its own QA
    summary, its table. Rows are numbered through the whole document.
    """
    articles = list(articles)
    everything = whole(articles)
    document = _new_document(name, everything)
    title = briefing_title(name)
    _add_cover(document, articles, title, everything)
    rows = _Rows(len(everything.blocks))
    for index, article in enumerate(articles, start=1):
        facts = article_facts(article, articles, rows.next)
        _add_article(document, article, rows, facts, legend=False, index=index)
    count = plural(len(articles), "article")
    _set_properties(document, articles, title, f"Translations of {count}", combined=True)
    return _save(document, rows)


def _save(document, rows: _Rows) -> bytes:
    """The package bytes, each table's passage rows streamed into the saved body in its place.

    python-docx builds everything but the passage rows: a proxy tree costs about 90 MB per MB
    of article and a millisecond per row. The rows are written as text, one at a time, straight
    into the compressed `word/document.xml`, as the same XML python-docx would have written.
    """
    buffer = io.BytesIO()
    document.save(buffer)
    flag_style = document.styles[FLAG_STYLE].style_id
    return ooxml.fixed_zip(
        buffer.getvalue(), rewrite={"word/document.xml": lambda xml: _fill_tables(xml, rows, flag_style)}
    )


class _Rows:
    """Numbers rows through a whole document, however many tables it has, and names their bookmarks.

    A row's bookmark id is its number; other bookmarks (article headings) take ids after the
    last row's, `rows` being the number of rows the document will hold.
    """

    def __init__(self, rows: int = 0) -> None:
        self.next = 1  # the number the next row shows in its # cell
        self._last_id = rows
        self._keys: Counter[str] = Counter()
        # Each table's placeholder and what goes in it: (marker, widths, [(number, bookmark, block)])
        self.tables: list[tuple[str, list[int], list[tuple[int, str, Block]]]] = []

    def other_id(self) -> int:
        self._last_id += 1
        return self._last_id

    def take(self, block: Block) -> tuple[int, str]:
        """The next row's number (also its bookmark id) and its unique bookmark name."""
        number, self.next = self.next, self.next + 1
        self._keys[block.key] += 1
        return number, row_bookmark(block.key, self._keys[block.key])


# --- page, title, metadata -------------------------------------------------------------------


def _new_document(name: str, status_of: Article):
    """An empty A4 document with our styles, and a footer naming `name` and its review status."""
    document = Document()
    _set_up_page(document, name, status_of)
    _add_flag_style(document)
    return document


def _set_up_page(document, name: str, status_of: Article) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(MARGIN_MM))
    section.header_distance = section.footer_distance = Mm(9)
    ooxml.set_default_cs_font(document, ARABIC_FONT)
    normal = document.styles["Normal"]
    normal.font.size = Pt(ENGLISH_PT)

    # Size and colour go on the Footer style so the page-number fields' results match too.
    footer_style = document.styles["Footer"]
    footer_style.font.size = Pt(8)
    footer_style.font.color.rgb = GREY
    footer = section.footer.paragraphs[0]
    footer.style = footer_style
    label = {"unreviewed": "unreviewed machine translation", "partly-reviewed": "partly reviewed"}
    footer.add_run(
        clean_text(f"{name} - {label.get(review_status(status_of), 'reviewed translation')} - page ")
    )
    ooxml.add_field(footer, "PAGE")
    footer.add_run(" of ")
    ooxml.add_field(footer, "NUMPAGES")


def _add_article(
    document, article: Article, rows: _Rows, facts: list[tuple[str, str]], legend: bool, index: int = 0
) -> None:
    """One article as a briefing shows it: title, metadata, QA summary, then its table.

    `index` 0 is a briefing of its own (the English title in the Title style); 1, 2, ... is an
    article of a combined briefing: a numbered Heading 1 on a new page, bookmarked for the
    contents list.
    """
    first_row = rows.next
    _add_title(document, article, rows, index)
    for label, value in facts:
        _add_fact(document, label, value)
    _add_notice(document, article)
    last = _add_qa(document, article, first_row)
    if legend:
        last = _add_legend(document)
    if article.chrome:
        last = _add_chrome(document, article)
    last.paragraph_format.space_after = Pt(10)
    _add_passages(document, article, rows)


def _add_title(document, article: Article, rows: _Rows, index: int) -> None:
    if index:
        heading = document.add_heading(clean_text(f"{index}. {english_title(article)}"), level=1)
        heading.paragraph_format.page_break_before = True
        heading.paragraph_format.space_before = Pt(0)
        ooxml.add_bookmark(heading, f"{ARTICLE_BOOKMARK}{index}", rows.other_id())
    else:
        heading = document.add_heading(clean_text(english_title(article)), level=0)
    heading.paragraph_format.space_after = Pt(4)
    title = article.title
    if title is not None:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(10)
        _arabic_run(paragraph, title.source, size_pt=15, bold=True)


def _add_fact(document, label: str, value: str):
    paragraph = _small_paragraph(document)
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(clean_text(value))
    _size_runs(paragraph, META_PT)
    return paragraph


def _add_notice(document, article: Article):
    notice = _small_paragraph(document, space_before=4)
    run = notice.add_run(review_notice(article))
    run.bold = True
    run.font.color.rgb = NOTICE_COLOUR[review_status(article)]
    _size_runs(notice, META_PT + 1)
    return notice


def _add_qa(document, article: Article, first_row: int):
    """The article's QA summary: how many passages were flagged, then one line per flagged row."""
    headline = _add_qa_headline(document, [article])
    entries, left_out = qa_entries(article, first_row)
    last = headline
    for label, reasons in entries:
        last = _small_paragraph(document)
        last.paragraph_format.left_indent = Mm(9)
        last.paragraph_format.first_line_indent = Mm(-5)  # wrapped lines hang under the reasons
        last.add_run(f"{label}: ").bold = True
        last.add_run(clean_text(reasons))
        _size_runs(last, META_PT)
    if left_out:
        last = _small_paragraph(document)
        last.paragraph_format.left_indent = Mm(4)
        last.add_run(qa_more(left_out)).italic = True
        _size_runs(last, META_PT)
    return last


def _add_qa_headline(document, articles: list[Article]):
    paragraph = _small_paragraph(document, space_before=3)
    run = paragraph.add_run(qa_headline(articles))
    if any(block.flags for article in articles for block in article.blocks):
        run.bold = True
        run.font.color.rgb = FLAG_COLOUR
    else:
        run.font.color.rgb = GREY
    _size_runs(paragraph, META_PT + 1)
    return paragraph


def _add_legend(document):
    legend = _small_paragraph(document, space_before=3)
    legend.add_run(f"Marks in the # column: {status_legend()}.").font.color.rgb = GREY
    _size_runs(legend, META_PT - 1)
    return legend


def _add_chrome(document, article: Article):
    furniture = _small_paragraph(document)
    furniture.add_run("Left out as web-page furniture: ").font.color.rgb = GREY
    for i, line in enumerate(article.chrome):
        if i:
            # The left-to-right mark ends the Arabic item, so the items read in order from
            # left to right in this English line instead of merging into one RTL stretch.
            furniture.add_run("\u200e | ").font.color.rgb = GREY
        _arabic_run(furniture, line, size_pt=META_PT, bold=False, paragraph_rtl=False)
    _size_runs(furniture, META_PT - 1)
    return furniture


def _small_paragraph(document, space_before: float = 0):
    paragraph = document.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(space_before), Pt(0), 1.0
    return paragraph


def _size_runs(paragraph, size_pt: float) -> None:
    for run in paragraph.runs:
        if run.font.size is None:
            run.font.size = Pt(size_pt)


# --- the cover of a combined briefing --------------------------------------------------------


def _add_cover(document, articles: list[Article], title: str, everything: Article) -> None:
    """Title, when and with what, the review and QA summary over all articles, and the contents."""
    heading = document.add_heading(clean_text(title), level=0)
    heading.paragraph_format.space_after = Pt(8)
    passages = len(everything.blocks)
    _add_fact(
        document,
        "Articles",
        f"{len(articles)}, with {plural(passages, 'passage')} in all",
    )
    _add_fact(document, "Generated", iso_utc(generated_at(articles)))
    _add_fact(document, "Model", models_used(articles))
    _add_notice(document, everything)
    headline = _add_qa_headline(document, articles)
    if any(block.flags for block in everything.blocks):
        headline.add_run(" - each article's section lists its flagged rows.").font.color.rgb = GREY
        _size_runs(headline, META_PT)
    _add_legend(document)

    contents = document.add_heading("Contents", level=1)
    contents.paragraph_format.space_before = Pt(18)
    for index, (article, first) in enumerate(zip(articles, first_rows(articles), strict=True), start=1):
        entry = document.add_paragraph(style="List Number")
        entry.paragraph_format.space_after = Pt(6)
        link = entry.add_run(clean_text(english_title(article)))
        link.bold = True
        link.font.size = Pt(ENGLISH_PT + 1)
        ooxml.link_to_bookmark(link, f"{ARTICLE_BOOKMARK}{index}")
        details = entry.add_run()
        details.add_break(WD_BREAK.LINE)
        details.add_text(clean_text(contents_details(article, first)))
        details.font.size = Pt(META_PT)
        details.font.color.rgb = GREY


# --- the passage table -----------------------------------------------------------------------


def _add_passages(document, article: Article, rows: _Rows) -> None:
    section = document.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    widths = [int(text_width * share) for share in COLUMN_SHARES]

    table = document.add_table(rows=1, cols=3)
    table.style = document.styles["Table Grid"]
    table.autofit = False
    ooxml.set_table_width_pct(table, 1.0)
    ooxml.set_cell_margins(table, top=40, side=90, bottom=40)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width

    header = table.rows[0]
    ooxml.repeat_header(header)
    ooxml.cant_split(header)
    for cell, text in zip(header.cells, ("#", "English", "العربية"), strict=True):
        ooxml.shade_cell(cell, HEADER_FILL)
        paragraph = cell.paragraphs[0]
        if text == "العربية":
            _arabic_run(paragraph, text, size_pt=ARABIC_PT, bold=True)
        else:
            paragraph.add_run(text).bold = True

    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    marker = f"tt-rows-{len(rows.tables) + 1}"
    ooxml.add_placeholder(table, marker)
    twips = [Emu(width).twips for width in widths]  # as python-docx writes a cell's w:tcW
    rows.tables.append((marker, twips, [(*rows.take(block), block) for block in article.blocks]))


def _fill_tables(xml: bytes, rows: _Rows, flag_style: str) -> Iterator[bytes]:
    """`word/document.xml` with each table's placeholder replaced by its rows, in pieces."""
    rest = xml
    for marker, widths, taken in rows.tables:
        before, rest = ooxml.split_at_placeholder(rest, marker)
        yield before
        for start in range(0, len(taken), ROWS_PER_WRITE):
            chunk = taken[start : start + ROWS_PER_WRITE]
            yield "".join(_row_xml(n, name, block, widths, flag_style) for n, name, block in chunk).encode()
    yield rest


def _row_xml(number: int, bookmark: str, block: Block, widths: list[int], flag_style: str) -> str:
    """One passage row: `#` cell (number in the row's bookmark, then the status mark), English
    cell (with a flag line per flag), Arabic cell. The same XML python-docx built for it.

    A heading row is shaded and kept with the next row; a row short enough to fit a page is
    kept whole (`w:cantSplit`).
    """
    heading = block.kind is BlockKind.HEADING
    keep = "<w:keepNext/>" if heading else ""
    fill = HEADING_FILL if heading else None
    number_cell = ooxml.cell_xml(
        widths[0],
        f"<w:p>{ooxml.ppr_xml(keep)}"
        f'<w:bookmarkStart w:id="{number}" w:name="{bookmark}"/>'
        f'<w:r><w:rPr><w:sz w:val="{(ENGLISH_PT - 1) * 2}"/></w:rPr><w:t>{number}</w:t></w:r>'
        f'<w:bookmarkEnd w:id="{number}"/>'
        f'<w:r><w:rPr><w:color w:val="{GREY_HEX}"/><w:sz w:val="{MARK_PT * 2}"/></w:rPr>'
        f"<w:br/><w:t>{STATUS_MARK[block.origin]}</w:t></w:r></w:p>",
        fill=fill,
    )
    whole = max(len(block.source), len(block.target)) <= KEEP_WHOLE_MAX_CHARS
    row_props = "<w:trPr><w:cantSplit/></w:trPr>" if whole else ""
    english_cell = _english_cell_xml(block, widths[1], flag_style, heading)
    return f"<w:tr>{row_props}{number_cell}{english_cell}{_arabic_cell_xml(block, widths[2], heading)}</w:tr>"


def _english_cell_xml(block: Block, width: int, flag_style: str, heading: bool) -> str:
    """The English, then a flag line per flag; a flagged cell is shaded, with a bar down its left."""
    keep, fill = ("<w:keepNext/>", HEADING_FILL) if heading else ("", None)
    bold = "<w:b/>" if heading else ""
    english = (
        f'<w:p>{ooxml.ppr_xml(keep)}<w:r><w:rPr>{bold}<w:sz w:val="{ENGLISH_PT * 2}"/></w:rPr>'
        f"{ooxml.run_text_xml(clean_text(block.target.strip()))}</w:r></w:p>"
    )
    flag_props = ooxml.ppr_xml(f'<w:pStyle w:val="{flag_style}"/>{keep}<w:spacing w:before="40"/>')
    for flag in block.flags:  # see FLAG_STYLE: how a review import knows a line is not English
        english += (
            f"<w:p>{flag_props}"
            f'<w:r><w:rPr><w:i/><w:color w:val="{FLAG_HEX}"/><w:sz w:val="{(ENGLISH_PT - 2) * 2}"/></w:rPr>'
            f"{ooxml.run_text_xml(clean_text('⚑ ' + flag.message))}</w:r></w:p>"
        )
    flagged = bool(block.flags)  # see FLAG_BAR
    return ooxml.cell_xml(
        width,
        english,
        fill=fill or (FLAG_FILL if flagged else None),
        left_border=(FLAG_BAR_PT, FLAG_BAR) if flagged else None,
    )


def _arabic_cell_xml(block: Block, width: int, heading: bool) -> str:
    """The Arabic as a right-to-left paragraph and run (bold in a heading row)."""
    keep, fill = ("<w:keepNext/>", HEADING_FILL) if heading else ("", None)
    bold = "<w:b/><w:bCs/>" if heading else ""
    return ooxml.cell_xml(
        width,
        f"<w:p>{ooxml.ppr_xml(keep + '<w:bidi/>')}<w:r><w:rPr>"
        f'<w:rFonts w:cs="{ARABIC_FONT}" w:hint="cs"/>{bold}'
        f'<w:sz w:val="{ARABIC_PT * 2}"/><w:szCs w:val="{ARABIC_PT * 2}"/><w:rtl/><w:lang w:bidi="ar-SA"/>'
        f"</w:rPr>{ooxml.run_text_xml(clean_text(block.source))}</w:r></w:p>",
        fill=fill,
    )


def _add_flag_style(document) -> None:
    """The paragraph style of flag lines; Enter at the end of one goes back to Normal text."""
    normal = document.styles["Normal"]
    style = document.styles.add_style(FLAG_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = normal
    style.next_paragraph_style = normal
    style.font.italic = True
    style.font.size = Pt(ENGLISH_PT - 2)
    style.font.color.rgb = FLAG_COLOUR
    style.paragraph_format.space_before = Pt(2)


def _arabic_run(paragraph, text: str, size_pt: float, bold: bool, paragraph_rtl: bool = True):
    """Add Arabic text as a right-to-left run; by default the paragraph becomes RTL too.

    No `w:jc` is written: a bidi paragraph's default alignment is its start, the right edge.
    (Word reads `w:jc="right"` in a bidi paragraph as the *end* edge, i.e. the left.)
    """
    if paragraph_rtl:
        ooxml.set_paragraph_rtl(paragraph)
    run = paragraph.add_run(clean_text(text))
    run.font.size = Pt(size_pt)
    if bold:
        run.bold = True
    ooxml.set_run_rtl(run, ARABIC_FONT, size_pt, bold=bold)
    return run


# --- document properties -----------------------------------------------------------------------


def _set_properties(document, articles: list[Article], title: str, subject: str, combined: bool) -> None:
    everything = whole(articles)
    ooxml.drop_thumbnail(document)
    props = document.core_properties
    # Every text property obeys the character rule and Word's 255-character limit: a looping
    # model's English title is thousands of characters long.
    props.title = clean_field(title)
    props.subject = clean_field(subject)
    props.author = props.last_modified_by = "translate-tool"
    props.comments = clean_field(review_notice(everything))
    props.category = FORMAT_NAME
    props.keywords = "translate-tool"
    props.content_status = review_status(everything)
    props.language = "en"
    props.revision = 1
    moment = generated_at(articles)
    if moment is not None:
        props.created = props.modified = as_utc(moment).replace(tzinfo=None)
    else:
        props.created = props.modified = datetime(2000, 1, 1)

    custom: dict[str, object] = {
        FORMAT_PROPERTY: FORMAT_NAME,
        FORMAT_VERSION_PROPERTY: FORMAT_VERSION,
        TOOL_VERSION_PROPERTY: __version__,
        SOURCE_PROPERTY: clean_field(", ".join(a.name for a in articles)),
        MODEL_PROPERTY: clean_field(", ".join(dict.fromkeys(a.model for a in articles if a.model))),
        ROWS_PROPERTY: len(everything.blocks),
    }
    if combined:
        custom[ARTICLES_PROPERTY] = len(articles)
    elif articles[0].build:
        custom[BUILD_PROPERTY] = articles[0].build
    # Every row of every table, in document order.
    keys = [block.key for block in everything.blocks]
    # Fingerprint exactly the English written into the row (see `_add_row`).
    english = [english_fingerprint(clean_text(block.target.strip())) for block in everything.blocks]
    flags = sorted(
        {english_fingerprint(clean_text(flag.message)) for b in everything.blocks for flag in b.flags}
    )
    custom[FLAG_COUNT_PROPERTY] = len(flags)  # present even when 0: this export lists its flag lines
    for prefix, values in ((KEYS_PROPERTY, keys), (ENGLISH_PROPERTY, english), (FLAGS_PROPERTY, flags)):
        for i in range(0, len(values), KEYS_PER_PROPERTY):
            chunk = " ".join(values[i : i + KEYS_PER_PROPERTY])
            custom[f"{prefix}{i // KEYS_PER_PROPERTY + 1}"] = chunk
    ooxml.set_custom_properties(document, custom)
