"""The XLIFF 1.2 export, read back by translate-toolkit's parser and checked against the OASIS schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import run_cli, translated_seed

from translate_tool.article import Flag, Origin
from translate_tool.export.xliff import XLIFF_NS, render_xliff, render_xliff_combined, unit_ids

# Debian's php-symfony-translation ships the OASIS XLIFF 1.2 strict schema and the xml.xsd it
# imports (translate-toolkit and OmegaT do not ship it; no PyPI package we found does).
SCHEMA_DIR = Path("/usr/share/php/Symfony/Component/Translation/Resources/schemas")
STRICT_XSD = SCHEMA_DIR / "xliff-core-1.2-strict.xsd"


def parse(data: bytes):
    from translate.storage.xliff import xlifffile

    return xlifffile.parsestring(data)


def seed_with_origins():
    article = translated_seed()
    article.blocks[1].flags.append(Flag("numbers", "number 60 missing from the English"))
    article.blocks[1].flags.append(Flag("confidence", "low model confidence"))
    article.blocks[2].origin = Origin.REVIEWED
    article.blocks[3].origin = Origin.MEMORY
    return article


def test_one_unit_per_row_with_row_key_source_target_and_state():
    article = seed_with_origins()
    store = parse(render_xliff(article))
    units = [u for u in store.units if not u.isheader()]
    assert len(units) == len(article.blocks)
    assert store.getsourcelanguage() == "ar" and store.gettargetlanguage() == "en"
    for unit, block, unit_id in zip(units, article.blocks, unit_ids(article.blocks), strict=True):
        assert unit.xmlelement.get("id") == unit_id
        assert unit_id.split("_")[0] == block.key
        assert unit.source == block.source
        assert unit.target == block.target
    states = [u.xmlelement.find(f"{{{XLIFF_NS}}}target").get("state") for u in units]
    assert states[2] == "final" and units[2].isapproved()
    assert states[0] == states[3] == "needs-review-translation"
    assert not units[0].isapproved()
    qualifiers = [u.xmlelement.find(f"{{{XLIFF_NS}}}target").get("state-qualifier") for u in units]
    assert qualifiers[0] == "mt-suggestion" and qualifiers[3] == "leveraged-mt"


def test_qa_flags_are_notes_and_metadata_is_in_the_header():
    article = seed_with_origins()
    store = parse(render_xliff(article))
    units = [u for u in store.units if not u.isheader()]
    assert "⚑ number 60 missing from the English" in units[1].getnotes()
    assert "⚑ low model confidence" in units[1].getnotes()
    assert units[0].getnotes() == ""
    filenode = next(store.document.getroot().iterchildren(f"{{{XLIFF_NS}}}file"))
    assert filenode.get("product-name") == "translate-tool briefing"
    assert filenode.get("date") == "2024-05-01T09:30:00Z"
    header = filenode.find(f"{{{XLIFF_NS}}}header")
    assert header is not None and list(filenode).index(header) == 0
    tools = {t.get("tool-id"): t for t in header.iter(f"{{{XLIFF_NS}}}tool")}
    assert (
        tools["model"].get("tool-name") == "translate-ar_en" and tools["model"].get("tool-version") == "1.9"
    )
    notes = " ".join(n.text for n in header.iter(f"{{{XLIFF_NS}}}note"))
    assert "Partly reviewed: 1 of" in notes and "1 of 39 passages needs attention" in notes


def test_repeated_passages_get_distinct_ids():
    article = translated_seed()
    article.blocks.append(article.blocks[-1].__class__(article.blocks[-1].kind, article.blocks[-1].source))
    ids = unit_ids(article.blocks)
    assert len(set(ids)) == len(ids) and ids[-1] == f"{article.blocks[-1].key}_2"


def test_characters_xml_cannot_hold_are_replaced_not_fatal():
    article = translated_seed(english=lambda i: f"bad \x00\x07\ud800 text {i}")
    article.blocks[0].source += "\x0b"
    store = parse(render_xliff(article))
    units = [u for u in store.units if not u.isheader()]
    assert units[0].target == "bad \ufffd\ufffd\ufffd text 0"


def test_combined_briefing_has_a_file_per_article_and_rows_numbered_through():
    first, second = translated_seed(), translated_seed()
    data = render_xliff_combined([first, second], "monday")
    store = parse(data)
    files = list(store.document.getroot().iterchildren(f"{{{XLIFF_NS}}}file"))
    assert len(files) == 2 and files[0].get("original") != files[1].get("original")
    names = [u.xmlelement.get("resname") for u in store.units if not u.isheader()]
    assert names == [f"row {n}" for n in range(1, 2 * len(first.blocks) + 1)]


def test_omegat_variant_puts_the_normalised_arabic_in_the_target():
    from translate_tool.article import normalise_source

    article = translated_seed()
    article.blocks[0].source = article.blocks[0].source.replace("عملية", "عمليـــة")  # tatweel
    store = parse(render_xliff(article, omegat=True))
    units = [u for u in store.units if not u.isheader()]
    assert [u.target for u in units] == [normalise_source(b.source) for b in article.blocks]
    assert units[0].source == article.blocks[0].source


@pytest.mark.skipif(
    not STRICT_XSD.is_file(),
    reason=f"XLIFF 1.2 schema not installed ({STRICT_XSD}, Debian php-symfony-translation)",
)
@pytest.mark.parametrize("variant", ["standard", "omegat", "combined", "stamped"])
def test_valid_against_the_xliff_1_2_strict_schema(variant):
    import xmlschema

    schema = xmlschema.XMLSchema(
        str(STRICT_XSD),
        locations={"http://www.w3.org/XML/1998/namespace": str(SCHEMA_DIR / "xml.xsd")},
        allow="local",  # never fetch http://www.w3.org/2001/xml.xsd
    )
    article = seed_with_origins()
    article.blocks[0].target = "control \x01 char"
    if variant == "stamped":  # an incremental run's build stamp (stamps.py) in the header
        article.build = "0123456789abcdef0123456789abcdef"
    data = {
        "stamped": lambda: render_xliff(article),
        "standard": lambda: render_xliff(article),
        "omegat": lambda: render_xliff(article, omegat=True),
        "combined": lambda: render_xliff_combined([article, translated_seed()], "monday"),
    }[variant]()
    schema.validate(data.decode("utf-8"))


def test_cli_export_format_xliff_writes_an_xlf(capsys, tmp_path, seed_path, synthetic_model):
    code, out, err = run_cli(
        capsys, "export", seed_path, "--model", synthetic_model, "--format", "xliff", "--out-dir", tmp_path
    )
    assert code == 0, err
    written = tmp_path / (seed_path.stem + ".xlf")
    assert out.split() == [str(written)]
    units = [u for u in parse(written.read_bytes()).units if not u.isheader()]
    assert len(units) > 5 and all(u.target for u in units)


def test_header_lists_the_rows_as_exported():
    from translate_tool.briefing import english_fingerprint
    from translate_tool.export.xliff import ROWS_FORM

    article = seed_with_origins()
    store = parse(render_xliff(article))
    (listing,) = store.document.getroot().iter(f"{{{XLIFF_NS}}}internal-file")
    assert listing.get("form") == ROWS_FORM
    assert listing.text.split("\n") == [f"{b.key} {english_fingerprint(b.target)}" for b in article.blocks]
