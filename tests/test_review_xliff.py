"""`review import FILE.xlf`: an XLIFF briefing edited in a CAT tool imports like a DOCX does."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from helpers import run_cli, translated_seed
from lxml import etree

from translate_tool.export.xliff import XLIFF_NS, render_xliff, render_xliff_combined

X = f"{{{XLIFF_NS}}}"


def entries(path: Path) -> list[tuple]:
    if not path.exists():
        return []
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT source, target, origin, reviewed_file FROM entries ORDER BY source"
        ).fetchall()
    finally:
        conn.close()


def units(root) -> list:
    return list(root.iter(f"{X}trans-unit"))


def edited(tmp_path: Path, edit, data: bytes | None = None, name: str = "reviewed.xlf") -> Path:
    """The seed's XLIFF briefing after `edit(root)` (an lxml tree), as a CAT tool would save it."""
    root = etree.fromstring(data or render_xliff(translated_seed()))
    edit(root)
    path = tmp_path / name
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return path


def set_target(unit, text: str) -> None:
    target = unit.find(f"{X}target")
    target.text = text
    target.set("state", "translated")


def test_a_changed_target_is_stored_as_reviewed_and_a_second_import_changes_nothing(tmp_path, capsys):
    article = translated_seed()
    path = edited(tmp_path, lambda root: set_target(units(root)[2], "A reviewer's better English."))
    tm = tmp_path / "tm.sqlite3"
    code, out, err = run_cli(capsys, "review", "import", path, "--tm", tm)
    assert code == 0, err
    assert out.splitlines()[0] == (
        f"1 changed (1 new to the memory, 0 updated, 0 already recorded), {len(article.blocks) - 1} unchanged, 0 unmatched"
    )
    from translate_tool.article import normalise_source

    assert entries(tm) == [
        (
            normalise_source(article.blocks[2].source),
            "A reviewer's better English.",
            "reviewed",
            str(path.resolve()),
        )
    ]
    before = entries(tm)
    code, out, _ = run_cli(capsys, "review", "import", path, "--tm", tm)
    assert code == 0 and out.startswith("1 changed (0 new to the memory, 0 updated, 1 already recorded)")
    assert entries(tm) == before


def test_inline_codes_and_whitespace_from_the_cat_tool_are_not_english(tmp_path, capsys):
    def edit(root):
        target = units(root)[1].find(f"{X}target")
        target.text = "  The   agency "
        ph = etree.SubElement(target, f"{X}ph", id="1")
        ph.text = "{b}"
        ph.tail = "reported\nit."

    tm = tmp_path / "tm.sqlite3"
    code, _, err = run_cli(capsys, "review", "import", edited(tmp_path, edit), "--tm", tm)
    assert code == 0, err
    assert [e[1] for e in entries(tm)] == ["The agency reported it."]


def test_edited_arabic_removed_and_added_units_are_listed_with_their_english(tmp_path, capsys):
    def edit(root):
        body_units = units(root)
        body_units[0].find(f"{X}source").text = "نص عربي آخر تماما"
        set_target(body_units[0], "English typed against edited Arabic.")
        body_units[4].getparent().remove(body_units[4])
        extra = etree.fromstring(etree.tostring(body_units[3]))
        extra.set("id", "ffffffffffffffff")
        extra.find(f"{X}source").text = "فقرة جديدة أضافها المراجع"
        set_target(extra, "A unit the reviewer added.")
        body_units[3].addnext(extra)
        set_target(body_units[5], "A real correction.")

    tm = tmp_path / "tm.sqlite3"
    code, out, err = run_cli(capsys, "review", "import", edited(tmp_path, edit), "--tm", tm)
    assert code == 0, err
    assert out.splitlines()[0].startswith("1 changed (1 new")
    assert "row 1: Arabic text edited — English kept here: English typed against edited Arabic." in out
    assert "row 5: row removed" in out
    assert "row added (no row key) — English kept here: A unit the reviewer added." in out
    assert [e[1] for e in entries(tm)] == ["A real correction."]


def test_combined_briefing_rows_are_matched_across_files(tmp_path, capsys):
    from translate_tool.article import Block, BlockKind

    second = translated_seed()
    second.blocks = [Block(BlockKind.PARAGRAPH, "فقرة في المقال الثاني.", target="Second article.")]
    data = render_xliff_combined([translated_seed(), second], "monday")
    path = edited(tmp_path, lambda root: set_target(units(root)[-1], "Second article, reviewed."), data)
    tm = tmp_path / "tm.sqlite3"
    code, out, err = run_cli(capsys, "review", "import", path, "--tm", tm)
    assert code == 0, err
    assert out.startswith("1 changed") and [e[1] for e in entries(tm)] == ["Second article, reviewed."]


def _not_ours(root):
    for filenode in root.iter(f"{X}file"):
        del filenode.attrib["product-name"]


def _wrong_languages(root):
    for filenode in root.iter(f"{X}file"):
        filenode.set("target-language", "fr")


def _no_row_list(root):
    for reference in root.iter(f"{X}reference"):
        reference.getparent().remove(reference)


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE xliff [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"><file original="a" source-language="ar"
 target-language="en" datatype="plaintext" product-name="translate-tool briefing" product-version="1">
<body><trans-unit id="0123456789abcdef"><source>&c;</source><target>&c;</target></trans-unit></body></file></xliff>
"""


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda tmp: _write(tmp, b"PK\x03\x04 not xml at all"), "not well-formed XML"),
        (lambda tmp: _write(tmp, b""), "not well-formed XML"),
        (lambda tmp: _write(tmp, BOMB), "its own DTD"),
        (lambda tmp: _write(tmp, b"<tmx version='1.4'><body/></tmx>"), "not an XLIFF 1.2 file"),
        (lambda tmp: edited(tmp, _not_ours), "not a translate-tool XLIFF briefing"),
        (lambda tmp: edited(tmp, _wrong_languages), "translates ar -> fr"),
        (lambda tmp: edited(tmp, _no_row_list), "list of exported rows is missing"),
        (lambda tmp: tmp / "missing.xlf", "no such XLIFF file"),
    ],
    ids=["not-xml", "empty", "entity-bomb", "tmx", "not-ours", "wrong-languages", "no-row-list", "missing"],
)
def test_bad_xliff_exits_2_and_leaves_the_memory_untouched(tmp_path, capsys, make, message):
    tm = tmp_path / "tm.sqlite3"
    good = edited(tmp_path, lambda root: set_target(units(root)[2], "Stored before."), name="good.xlf")
    assert run_cli(capsys, "review", "import", good, "--tm", tm)[0] == 0
    before = tm.read_bytes(), entries(tm)
    bad = make(tmp_path)
    code, out, err = run_cli(capsys, "review", "import", bad, "--tm", tm)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err, err
    assert (tm.read_bytes(), entries(tm)) == before


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "bad.xlf"
    path.write_bytes(data)
    return path


def test_omegat_target_file_imports_its_translated_rows(tmp_path, capsys):
    """OmegaT's translated output of the OmegaT variant: rows left in Arabic are reported, not stored."""
    article = translated_seed()

    def as_omegat_saved_it(root):
        body_units = units(root)
        for unit, block in zip(body_units, article.blocks, strict=True):
            unit.find(f"{X}target").text = block.target  # OmegaT filled it from the TMX
        body_units[3].find(f"{X}target").text = "Reviewed in OmegaT."
        body_units[4].find(f"{X}target").text = article.blocks[4].source  # left untranslated

    path = edited(tmp_path, as_omegat_saved_it, render_xliff(article, omegat=True), name="a.omegat.xlf")
    tm = tmp_path / "tm.sqlite3"
    code, out, err = run_cli(capsys, "review", "import", path, "--tm", tm)
    assert code == 0, err
    assert out.startswith(
        f"1 changed (1 new to the memory, 0 updated, 0 already recorded), {len(article.blocks) - 2} unchanged, 1 unmatched"
    )
    assert "row 5: not translated in the CAT tool" in out
    assert [e[1] for e in entries(tm)] == ["Reviewed in OmegaT."]
