"""The XLIFF 1.2 briefing, for translators who review in a CAT tool (memoQ, Trados, OmegaT).

`render_xliff(article)` and `render_xliff_combined(articles, name)` return the bytes of the file;
they never write one. The store and its units are translate-toolkit's (`translate.storage.xliff`),
so the file reads the way every other XLIFF tool reads it.

What the file promises (`review import FILE.xlf` reads it back on these terms):

- one `<file>` per article (`original` = the article's file name), source `ar`, target `en`;
- one `<trans-unit>` per briefing row, in row order; its `id` is the row key (`Block.key`,
  16 hex digits of the normalised Arabic), `_2`, `_3`, ... for a repeated passage, and its
  `resname` is `row N`, numbered through the whole briefing as in the Word version;
- `<target state=...>` says where the English came from: machine text is
  `needs-review-translation` (qualifier `mt-suggestion`, or `leveraged-mt` when reused from
  the memory), imported English `translated` (`leveraged-tm`), English a reviewer checked
  `final` and approved;
- every QA flag is a `<note from="translate-tool QA" annotates="target">`;
- `<file product-name="translate-tool briefing" product-version="1">` names the format; the
  `<header>` holds our `<tool>` and the model's, the notices a reader needs (review status, QA
  summary, model, when made) as `<note>`s, and the rows as exported (row key and a fingerprint
  of the English, in a `<reference><internal-file>`; each unit's `extradata` has its
  fingerprint too), so an importer tells "not ours" from ours, a deleted or added unit, and a
  changed target from an untouched one, without asking the memory.

Only plain XLIFF 1.2 is used: the strict schema accepts foreign-namespace elements and
attributes only with a schema of their own, and the tests validate against it.

`omegat=True` makes the variant OmegaT 3.x needs: its XLIFF filter translates the text in
`<target>` (it treats `<source>` as context it never shows), so the target holds the Arabic
again, normalised the way the memory stores it, and the English comes from the memory's TMX
placed in the project's `tm/auto/` folder, which OmegaT applies to every exact match.
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from .. import APP_NAME, __version__
from ..article import Article, Block, Origin, normalise_source
from ..briefing import BUILD_FORM, FORMAT_NAME, FORMAT_VERSION, clean_text, english_fingerprint
from ..text import number_repeats
from . import (
    english_title,
    generated_at,
    iso_utc,
    models_used,
    qa_headline,
    review_notice,
)

XLIFF_NS = "urn:oasis:names:tc:xliff:document:1.2"
EXPORTED_ENGLISH = "en:"  # + the fingerprint of the English as exported, in a unit's extradata
ROWS_FORM = "application/x-translate-tool-rows"  # the header's list of the rows as exported
MODEL_TOOL_ID = "model"  # the header <tool> naming the model that made the machine text
SOURCE_LANG, TARGET_LANG = "ar", "en"
QA_NOTE_FROM = "translate-tool QA"
OMEGAT_VARIANT = "omegat"

# Where the English came from -> (state, state-qualifier). XLIFF 1.2, section "state".
STATES: dict[Origin, tuple[str, str | None]] = {
    Origin.MACHINE: ("needs-review-translation", "mt-suggestion"),
    Origin.MEMORY: ("needs-review-translation", "leveraged-mt"),
    Origin.IMPORTED: ("translated", "leveraged-tm"),
    Origin.REVIEWED: ("final", None),
}


def unit_ids(blocks: Sequence[Block]) -> list[str]:
    """The `id` of each row's unit: its key, with `_2`, `_3`, ... for repeats of the same Arabic."""
    return number_repeats((block.key for block in blocks), lambda key, n: f"{key}_{n}")


def render_xliff(article: Article, *, omegat: bool = False) -> bytes:
    """The XLIFF 1.2 file for one article."""
    return render_xliff_combined([article], None, omegat=omegat)


def render_xliff_combined(articles: Sequence[Article], name: str | None, *, omegat: bool = False) -> bytes:
    """One XLIFF file for several articles: a `<file>` each, rows numbered through all of them."""
    articles = list(articles)
    store = _store_class()(sourcelanguage=SOURCE_LANG, targetlanguage=TARGET_LANG)
    store.removedefaultfile()
    originals = _originals(articles)
    row = 1
    for article, original in zip(articles, originals, strict=True):
        store.switchfile(original, createifmissing=True)
        filenode = store.getfilenode(original)
        filenode.set("datatype", "plaintext")
        filenode.set("tool-id", APP_NAME)
        moment = article.generated_at or generated_at(articles)
        if moment is not None:
            filenode.set("date", iso_utc(moment))
        _header(filenode, article, name, omegat)
        _exported_rows(filenode, article)
        for unit_id, block in zip(unit_ids(article.blocks), article.blocks, strict=True):
            unit = store.addsourceunit(_clean(block.source), filename=original)
            unit.setid(unit_id)
            unit.xmlelement.set("resname", f"row {row}")
            unit.xmlelement.set("restype", f"x-{block.kind.value}")
            unit.xmlelement.set("extradata", EXPORTED_ENGLISH + english_fingerprint(_clean(block.target)))
            # translate-toolkit marks every target translated and approved; we say what it is.
            if omegat:
                unit.settarget(_clean(normalise_source(block.source)), TARGET_LANG)
                _state(unit, "needs-translation", None, approved=False)
            elif block.target.strip():
                unit.settarget(_clean(block.target), TARGET_LANG)
                state, qualifier = STATES[block.origin]
                _state(unit, state, qualifier, approved=block.origin is Origin.REVIEWED)
            for flag in block.flags:
                note = unit.xmlelement.makeelement(
                    f"{{{XLIFF_NS}}}note", {"from": QA_NOTE_FROM, "annotates": "target", "priority": "1"}
                )
                note.text = _clean(f"⚑ {flag.message}")
                unit.xmlelement.append(note)
            row += 1
    return bytes(store)


def _store_class():
    """translate-toolkit's XLIFF store, writing 1.2 (its skeleton says 1.1, which it also reads)."""
    from translate.storage.xliff import xlifffile  # translate-toolkit is slow to import

    class Xliff12Unit(xlifffile.UnitClass):
        namespace = XLIFF_NS

    class Xliff12File(xlifffile):
        UnitClass = Xliff12Unit
        XMLskeleton = (
            f'<?xml version="1.0" ?>\n<xliff version="1.2" xmlns="{XLIFF_NS}">'
            f'<file original="NoName" source-language="{SOURCE_LANG}" datatype="plaintext"><body/></file></xliff>'
        )
        namespace = XLIFF_NS

    return Xliff12File


def _state(unit, state: str, qualifier: str | None, *, approved: bool) -> None:
    target = unit.xmlelement.find(f"{{{XLIFF_NS}}}target")
    target.set("state", state)
    if qualifier:
        target.set("state-qualifier", qualifier)
    unit.xmlelement.set("approved", "yes" if approved else "no")


def _originals(articles: Sequence[Article]) -> list[str]:
    """A distinct `original` per article (XLIFF tools key files by it)."""
    return number_repeats((article.name for article in articles), lambda name, n: f"{name} ({n})")


def _header(filenode, article: Article, name: str | None, omegat: bool) -> None:
    filenode.set("product-name", FORMAT_NAME + (f" ({OMEGAT_VARIANT})" if omegat else ""))
    filenode.set("product-version", str(FORMAT_VERSION))
    filenode.set("build-num", __version__)
    header = filenode.makeelement(f"{{{XLIFF_NS}}}header", {})
    filenode.insert(0, header)  # before <body>, as the schema requires (translate-toolkit appends it)
    etree.SubElement(
        header,
        f"{{{XLIFF_NS}}}tool",
        {"tool-id": APP_NAME, "tool-name": APP_NAME, "tool-version": __version__},
    )
    if article.model:
        label, _, version = article.model.partition(" ")
        etree.SubElement(
            header,
            f"{{{XLIFF_NS}}}tool",
            {"tool-id": MODEL_TOOL_ID, "tool-name": _clean(label), "tool-version": _clean(version or "-")},
        )
    notes = [
        f"{english_title(article)}: {review_notice(article)}",
        qa_headline([article]),
        f"Model: {models_used([article])}. Generated: {iso_utc(article.generated_at)}.",
    ]
    if omegat:
        notes.append(
            "OmegaT variant: each target holds the Arabic for OmegaT to translate; "
            "put the memory's TMX (translate-tool tm export) in the project's tm/auto/ folder."
        )
    if name is not None:
        notes.insert(0, f"Part of the combined briefing {name}.")
    for text in notes:
        note = etree.SubElement(header, f"{{{XLIFF_NS}}}note", {"from": APP_NAME})
        note.text = _clean(text)


def _exported_rows(filenode, article: Article) -> None:
    """The rows as exported, `<key> <English fingerprint>` a line, in the header's `<reference>`.

    The units themselves may be deleted, added or reordered by whoever edits the file; this
    list (which CAT tools leave alone, as they leave the whole header) is what review import
    checks them against, as the DOCX import checks the document's custom properties.
    """
    header = filenode.find(f"{{{XLIFF_NS}}}header")
    reference = etree.SubElement(header, f"{{{XLIFF_NS}}}reference")
    listing = etree.SubElement(reference, f"{{{XLIFF_NS}}}internal-file", {"form": ROWS_FORM})
    listing.text = "\n".join(f"{b.key} {english_fingerprint(_clean(b.target))}" for b in article.blocks)
    if article.build:  # what the article was made from, so an unchanged rerun skips it (stamps.py)
        stamp = etree.SubElement(header, f"{{{XLIFF_NS}}}reference")
        etree.SubElement(stamp, f"{{{XLIFF_NS}}}internal-file", {"form": BUILD_FORM}).text = article.build


def _clean(text: str) -> str:
    return clean_text(text)  # the one rule for characters XML cannot hold, shared with DOCX
