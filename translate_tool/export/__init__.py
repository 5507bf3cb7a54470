"""Exporters: pure functions from a translated `Article` to the bytes or text of a file.

They never translate and never write files. `EXPORTERS` maps a format name to its render
function and file suffix; the render modules are imported only when called, so importing this
package (as the CLI does for `--help`) does not import python-docx.

The wording shared by every format (status marks, the review notice) lives here so a briefing
says the same thing whichever format the analyst picked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from ..article import Article, Origin

# A short mark per row for where its English came from, and the words the legend uses.
STATUS_MARK = {Origin.MACHINE: "MT", Origin.MEMORY: "MEM", Origin.REVIEWED: "REV"}
STATUS_WORDS = {
    Origin.MACHINE: "machine translation",
    Origin.MEMORY: "machine translation reused from the translation memory",
    Origin.REVIEWED: "reviewed by a person",
}


def status_legend() -> str:
    order = (Origin.MACHINE, Origin.MEMORY, Origin.REVIEWED)
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


def iso_utc(moment: datetime | None) -> str:
    """`2024-05-01T09:30:00Z`; a naive datetime is taken to be UTC already."""
    if moment is None:
        return "not recorded"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def english_title(article: Article) -> str:
    title = article.title
    if title is not None and title.target.strip():
        return " ".join(title.target.split())
    return f"Translation of {article.name}"


def _render_docx(article: Article) -> bytes:
    from .docx import render_docx

    return render_docx(article)


def _render_markdown(article: Article) -> str:
    from .markdown import render_markdown

    return render_markdown(article)


# format -> (render function, file suffix). docx renders bytes, md renders str.
EXPORTERS: dict[str, tuple[Callable[[Article], bytes | str], str]] = {
    "docx": (_render_docx, ".docx"),
    "md": (_render_markdown, ".md"),
}
