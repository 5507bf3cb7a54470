"""Exporters: pure functions from a translated `Article` to the bytes or text of a file.

They never translate and never write files. `EXPORTERS` maps a format name to its render
function and file suffix; `COMBINED` maps it to the function that renders several articles as
one briefing (`render(articles, name)`: a cover with contents, then one section per article).
The render modules are imported only when called, so importing this package (as the CLI does
for `--help`) does not import python-docx. `tmx.py` is not one of them: it renders the
translation memory for `tm export` (`write_tmx`), not an article.

The wording shared by every format (status marks, the review notice, the QA summary) lives here
so a briefing says the same thing whichever format the analyst picked.

Rows are numbered through the whole briefing: in a combined briefing the second article's first
row follows the first article's last, so "row 42" names one passage, in the QA summaries and in
what `review import` reports.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime

from .. import text
from ..article import Article, Block, Origin
from ..text import plural

# A short mark per row for where its English came from, and the words the legend uses.
STATUS_MARK = {Origin.MACHINE: "MT", Origin.MEMORY: "MEM", Origin.IMPORTED: "TM", Origin.REVIEWED: "REV"}
STATUS_WORDS = {
    Origin.MACHINE: "machine translation",
    Origin.MEMORY: "machine translation reused from the translation memory",
    Origin.IMPORTED: "imported from another translation memory (not reviewed here)",
    Origin.REVIEWED: "reviewed by a person",
}


def status_legend() -> str:
    order = (Origin.MACHINE, Origin.MEMORY, Origin.IMPORTED, Origin.REVIEWED)
    return "; ".join(f"{STATUS_MARK[o]} = {STATUS_WORDS[o]}" for o in order)


def review_notice(article: Article) -> str:
    """One line saying how much of the English a person has checked."""
    total = len(article.blocks)
    reviewed = sum(1 for b in article.blocks if b.origin is Origin.REVIEWED)
    if total and reviewed == total:
        return f"Reviewed translation: all {total} passages were checked by a reviewer."
    if reviewed:
        return (
            f"Partly reviewed: {reviewed} of {total} passages reviewed; "
            "the rest is unreviewed machine translation - check it against the Arabic before quoting."
        )
    return "Unreviewed machine translation - check it against the Arabic before quoting."


def review_status(article: Article) -> str:
    """`reviewed`, `partly-reviewed` or `unreviewed`, for machine-readable metadata."""
    reviewed = sum(1 for b in article.blocks if b.origin is Origin.REVIEWED)
    if article.blocks and reviewed == len(article.blocks):
        return "reviewed"
    return "partly-reviewed" if reviewed else "unreviewed"


def as_utc(moment: datetime) -> datetime:
    """`moment` in UTC to the second; a naive datetime is taken to be UTC already."""
    return text.as_utc(moment).replace(microsecond=0)


def iso_utc(moment: datetime | None) -> str:
    """`2024-05-01T09:30:00Z`, or "not recorded"."""
    return "not recorded" if moment is None else text.utc_stamp(moment)


def english_title(article: Article) -> str:
    title = article.title
    if title is not None and title.target.strip():
        return " ".join(title.target.split())
    return f"Translation of {article.name}"


def briefing_title(name: str) -> str:
    """A combined briefing's title from its file name: `monday-briefing` -> `Monday briefing`."""
    words = " ".join(name.replace("-", " ").replace("_", " ").split())
    return words[:1].upper() + words[1:] if words else "Briefing"


def whole(articles: Sequence[Article]) -> Article:
    """Every passage of `articles` as one article, for the notices about a whole briefing."""
    return Article(blocks=[block for article in articles for block in article.blocks])


def generated_at(articles: Sequence[Article]) -> datetime | None:
    """When a briefing of `articles` was made: the first article's stamp that was recorded."""
    return next((a.generated_at for a in articles if a.generated_at is not None), None)


def models_used(articles: Sequence[Article]) -> str:
    """The models that produced machine text, in order of first use, or `not recorded`."""
    return ", ".join(dict.fromkeys(a.model for a in articles if a.model)) or "not recorded"


# --- the QA summary ----------------------------------------------------------------------------

QA_LIST_MAX = 30  # rows listed in an article's QA summary; the rest are counted
NOTHING_FLAGGED = "No passage was flagged by the automatic checks."


def qa_headline(articles: Sequence[Article]) -> str:
    """`⚑ 4 of 39 passages need attention`, or that nothing was flagged."""
    from ..checks import summary, summary_line  # lazily: exporters stay cheap to import

    flagged, _ = summary(articles)
    return f"⚑ {summary_line(articles)}" if flagged else NOTHING_FLAGGED


def flagged_count(article: Article) -> int:
    return sum(1 for block in article.blocks if block.flags)


def flagged_rows(article: Article, first_row: int = 1) -> list[tuple[int, Block]]:
    """(row number, block) of every flagged passage; the article's rows start at `first_row`."""
    return [(number, b) for number, b in enumerate(article.blocks, start=first_row) if b.flags]


def qa_entry(number: int, block: Block) -> tuple[str, str]:
    """(`row 3`, `number 60 missing from the English; low model confidence ...`) for one row."""
    return f"row {number}", "; ".join(flag.message for flag in block.flags)


def qa_entries(article: Article, first_row: int = 1) -> tuple[list[tuple[str, str]], int]:
    """The first `QA_LIST_MAX` entries of an article's QA list, and how many were left out."""
    rows = flagged_rows(article, first_row)
    return [qa_entry(n, b) for n, b in rows[:QA_LIST_MAX]], max(0, len(rows) - QA_LIST_MAX)


def qa_more(left_out: int) -> str:
    return f"… and {plural(left_out, 'more flagged passage')}"


def first_rows(articles: Sequence[Article]) -> list[int]:
    """The row number each article's table starts at, rows numbered through the briefing."""
    firsts, row = [], 1
    for article in articles:
        firsts.append(row)
        row += len(article.blocks)
    return firsts


def contents_details(article: Article, first_row: int) -> str:
    """An article's line in a combined briefing's contents: file, passages, rows, flags."""
    count, flagged = len(article.blocks), flagged_count(article)
    return f"{article.name} · {plural(count, 'passage')} ({row_range(first_row, count)}) · " + (
        f"⚑ {flagged} flagged" if flagged else "none flagged"
    )


def article_facts(article: Article, articles: Sequence[Article], first_row: int) -> list[tuple[str, str]]:
    """The facts above an article's section in a combined briefing; its model only if they differ."""
    facts = [("Source file", article.name)]
    if len({a.model for a in articles if a.model}) > 1:
        facts.append(("Model", article.model or "not recorded"))
    facts += [
        ("Paragraphs", str(len(article.paragraphs))),
        ("Rows", row_span(first_row, len(article.blocks))),
    ]
    return facts


def row_span(first_row: int, count: int) -> str:
    """`40–45` for an article's rows (`40` for one, `none` for none)."""
    if count <= 1:
        return str(first_row) if count == 1 else "none"
    return f"{first_row}–{first_row + count - 1}"


def row_range(first_row: int, count: int) -> str:
    """`rows 40–45`, `row 40` or `no rows`."""
    if count <= 1:
        return f"row {first_row}" if count == 1 else "no rows"
    return f"rows {row_span(first_row, count)}"


def _render_docx(article: Article) -> bytes:
    from .docx import render_docx

    return render_docx(article)


def _render_markdown(article: Article) -> str:
    from .markdown import render_markdown

    return render_markdown(article)


def _render_docx_combined(articles: Sequence[Article], name: str) -> bytes:
    from .docx import render_docx_combined

    return render_docx_combined(articles, name)


def _render_markdown_combined(articles: Sequence[Article], name: str) -> str:
    from .markdown import render_markdown_combined

    return render_markdown_combined(articles, name)


def _render_xliff(article: Article, omegat: bool = False) -> bytes:
    from .xliff import render_xliff

    return render_xliff(article, omegat=omegat)


def _render_xliff_combined(articles: Sequence[Article], name: str, omegat: bool = False) -> bytes:
    from .xliff import render_xliff_combined

    return render_xliff_combined(articles, name, omegat=omegat)


# format -> (render function, file suffix). docx and xliff render bytes, md renders str.
EXPORTERS: dict[str, tuple[Callable[[Article], bytes | str], str]] = {
    "docx": (_render_docx, ".docx"),
    "md": (_render_markdown, ".md"),
    "xliff": (_render_xliff, ".xlf"),
    # OmegaT 3.x translates the text in <target>: see export/xliff.py.
    "xliff-omegat": (functools.partial(_render_xliff, omegat=True), ".omegat.xlf"),
}
# format -> render function for several articles in one briefing; same suffixes as EXPORTERS.
COMBINED: dict[str, Callable[[Sequence[Article], str], bytes | str]] = {
    "docx": _render_docx_combined,
    "md": _render_markdown_combined,
    "xliff": _render_xliff_combined,
    "xliff-omegat": functools.partial(_render_xliff_combined, omegat=True),
}
