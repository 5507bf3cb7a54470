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
    path = edited(tmp_path, edit)
    code, out, err = run_cli(capsys, "review", "import", path, "--tm", tm)
    assert code == 0, err
    assert out.splitlines()[0].startswith("1 changed (1 new")
    assert "row 1: Arabic text edited — English kept here: English typed against edited Arabic." in out
    assert "row 5: row removed" in out
    assert "row added (no row key) — English kept here: A unit the reviewer added." in out
    assert [e[1] for e in entries(tm)] == ["A real correction."]
    from translate_tool.review import ROW_ADDED, UnmatchedRow, read_review

    added = [row for row in read_review(path).unmatched if row.reason == ROW_ADDED]
    assert added == [
        UnmatchedRow(4, ROW_ADDED, "A unit the reviewer added.", "فقرة جديدة أضافها المراجع", "")
    ]


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


# --- the reader itself, in-process: every field it returns, every refusal word for word --------


def _briefing_file(units: str, rows: str, listing: str = "internal-file", **attrs: str | None) -> str:
    """One <file> as export/xliff.py writes it, cut to what the reader looks at; the row list in `listing`."""
    attrs = {
        "source-language": "ar",
        "target-language": "en",
        "product-name": "translate-tool briefing",
        "product-version": "1",
        **attrs,
    }
    attributes = " ".join(f'{name}="{value}"' for name, value in attrs.items() if value is not None)
    return (
        f'<file original="a.txt" datatype="plaintext" {attributes}><header><reference>'
        f'<{listing} form="application/x-translate-tool-rows">{rows}</{listing}>'
        f"</reference></header><body>{units}</body></file>"
    )


def _xliff(*files: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<xliff xmlns="{XLIFF_NS}" version="1.2">{"".join(files)}</xliff>'
    ).encode()


ONE_FILE = _xliff(
    _briefing_file(
        '<trans-unit id="0123456789abcdef" resname="row 1"><source>نص</source><target>Text.</target></trans-unit>',
        "0123456789abcdef aaaaaa",
    )
)


def test_read_xliff_returns_the_rows_as_exported_and_as_read(tmp_path):
    import hashlib

    from translate_tool.review.core import ExportedRow, Provenance, ReadRow, ReviewDocument
    from translate_tool.review.xliff import read_xliff

    first = _briefing_file(
        '<trans-unit id="0123456789abcdef" resname="row 1"><source> نص  أول </source>'
        '<target><mrk mtype="x">The</mrk> <mrk mtype="term"><g id="1">agency</g></mrk>\n said'
        '<ph id="2">{b}</ph></target></trans-unit>'
        '<trans-unit id="1111111111111111_2" resname="row 7"><source>نص ثان</source>'
        "<target>Second.</target></trans-unit>"
        "<trans-unit><source>نص ثالث</source></trans-unit>",
        "0123456789abcdef aaaaaa\n1111111111111111 bbbbbbbbbbbb",
    )
    second = _briefing_file(
        '<trans-unit id="2222222222222222" resname="row 1"><source>نص رابع</source>'
        "<target>Fourth.</target></trans-unit>",
        "2222222222222222 cccccc",
    )
    data = _xliff(first, second)
    path = tmp_path / "r.xlf"
    path.write_bytes(data)
    provenance = Provenance(file=str(path), sha256=hashlib.sha256(data).hexdigest())
    assert read_xliff(path) == ReviewDocument(
        path,
        [
            ExportedRow("0123456789abcdef", "aaaaaa"),
            ExportedRow("1111111111111111", "bbbbbbbbbbbb"),
            ExportedRow("2222222222222222", "cccccc"),
        ],
        [
            ReadRow(1, 1, ["0123456789abcdef"], "The agency said", "نص أول", provenance),
            ReadRow(2, 7, ["1111111111111111"], "Second.", "نص ثان", provenance),
            ReadRow(3, 3, [], "", "نص ثالث", provenance),  # no id, no resname, no target
            ReadRow(4, 1, ["2222222222222222"], "Fourth.", "نص رابع", provenance),
        ],
        provenance,
    )


@pytest.mark.parametrize(
    "languages",
    [("ar-EG", "en-GB"), ("ar_EG", "EN_us"), ("AR", "en-Latn-US")],
    ids=["dash", "underscore", "case"],
)
def test_read_xliff_takes_regional_language_codes(tmp_path, languages):
    from translate_tool.review.xliff import read_xliff

    source, target = languages
    data = _xliff(
        _briefing_file(
            '<trans-unit id="0123456789abcdef"><source>نص</source><target>Text.</target></trans-unit>',
            "0123456789abcdef aaaaaa",
            **{"source-language": source, "target-language": target},
        )
    )
    path = tmp_path / "r.xlf"
    path.write_bytes(data)
    assert [row.english for row in read_xliff(path).rows] == ["Text."]


UNIT = '<trans-unit id="0123456789abcdef"><source>نص</source><target>Text.</target></trans-unit>'
ROWS = "0123456789abcdef aaaaaa"
DAMAGED = "0123456789abcdef not-a-fingerprint-at-all-and-longer-than-forty"


@pytest.mark.parametrize(
    "data, message",
    [
        (_xliff(), "not a translate-tool XLIFF briefing (no <file>)"),
        (
            b'<!DOCTYPE xliff SYSTEM "x.dtd"><xliff xmlns="' + XLIFF_NS.encode() + b'">&foo;</xliff>',
            "refusing an XLIFF file with an entity reference (&foo;)",
        ),
        (
            b'<xliff version="1.2"/>',
            "not an XLIFF 1.2 file (the root element is 'xliff' in no namespace)",
        ),
        (
            b'<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0"/>',
            "not an XLIFF 1.2 file (the root element is 'xliff' in urn:oasis:names:tc:xliff:document:2.0)",
        ),
        (
            _xliff(_briefing_file(UNIT, ROWS, **{"product-name": "memoQ"})),
            "not a translate-tool XLIFF briefing (export one with --format xliff)",
        ),
        (
            _xliff(_briefing_file(UNIT, ROWS, **{"product-name": None})),
            "not a translate-tool XLIFF briefing (export one with --format xliff)",
        ),
        (
            _xliff(_briefing_file(UNIT, ROWS, **{"product-version": "2"})),
            "briefing format version '2'; this translate-tool reads version 1",
        ),
        (
            _xliff(_briefing_file(UNIT, ROWS, **{"product-version": None})),
            "briefing format version None; this translate-tool reads version 1",
        ),
        (
            _xliff(_briefing_file(UNIT, ROWS, **{"source-language": None})),
            "translates ? -> en; a briefing translates ar -> en",
        ),
        (
            _xliff(_briefing_file(UNIT, ROWS, **{"target-language": None})),
            "translates ar -> ?; a briefing translates ar -> en",
        ),
        (
            _xliff(_briefing_file(UNIT, ROWS, **{"target-language": "english"})),
            "translates ar -> english; a briefing translates ar -> en",
        ),
        (
            _xliff(_briefing_file(UNIT, "")),
            "the list of exported rows is damaged ('')",
        ),
        (
            _xliff(_briefing_file(UNIT, f"{ROWS}\n{DAMAGED}")),
            f"the list of exported rows is damaged ({DAMAGED[:40]!r})",
        ),
        (
            _xliff(_briefing_file(UNIT, ROWS, listing="external-file")),
            "the list of exported rows is missing from the header; not a briefing we can check",
        ),
        (ONE_FILE + b"<", "not an XLIFF file (not well-formed XML: "),
    ],
    ids=[
        "no-file",
        "entity-reference",
        "no-namespace",
        "xliff-2",
        "other-product",
        "no-product",
        "version-2",
        "no-version",
        "no-source-language",
        "no-target-language",
        "english-spelled-out",
        "empty-row-list",
        "damaged-row-list",
        "row-list-not-in-internal-file",
        "not-well-formed",
    ],
)
def test_read_xliff_refusals_name_the_file_word_for_word(tmp_path, data, message):
    from translate_tool.errors import InputError
    from translate_tool.review.xliff import read_xliff

    path = tmp_path / "r.xlf"
    path.write_bytes(data)
    with pytest.raises(InputError) as caught:
        read_xliff(path)
    if message.endswith(": "):  # the parser's own words follow
        assert str(caught.value).startswith(f"{path}: {message}")
    else:
        assert str(caught.value) == f"{path}: {message}"


def test_read_xliff_size_limit_is_exact_and_said_in_megabytes(tmp_path, monkeypatch):
    from translate_tool.errors import InputError
    from translate_tool.review import xliff

    path = tmp_path / "r.xlf"
    path.write_bytes(ONE_FILE)
    monkeypatch.setattr(xliff, "MAX_BYTES", len(ONE_FILE))
    assert [row.english for row in xliff.read_xliff(path).rows] == ["Text."]
    monkeypatch.setattr(xliff, "MAX_BYTES", 2**20)
    path.write_bytes(b" " * (3 * 2**20))
    with pytest.raises(InputError) as caught:
        xliff.read_xliff(path)
    assert str(caught.value) == f"{path}: refusing an XLIFF file of 3 MB (at most 1 MB)"


def test_classify_every_verdict_word_for_word(tmp_path):
    """The format-neutral core on rows built by hand: repeats, a row naming two keys, each reason."""
    from translate_tool.article import source_key
    from translate_tool.briefing import english_fingerprint
    from translate_tool.review.core import (
        DUPLICATE_KEY,
        ENGLISH_DELETED,
        ExportedRow,
        ReadRow,
        ReviewDocument,
        UnmatchedRow,
        classify,
    )

    arabic = ["نص مكرر", "نص ثان", "نص ثالث", "نص رابع", "نص خامس", "نص سادس", "نص سابع", "نص ثامن"]
    keys = [source_key(text) for text in arabic]
    fingerprints = sorted(english_fingerprint(text) for text in ("Shown A.", "Shown B."))
    exported = (
        [ExportedRow(keys[0], english_fingerprint("Repeat."))] * 2
        + [ExportedRow(key, english_fingerprint(f"Row {i}.")) for i, key in enumerate(keys[1:5], start=2)]
        + [ExportedRow(keys[5], english_fingerprint(text)) for text in ("Shown A.", "Shown B.")]
        + [ExportedRow(key, english_fingerprint("Shown.")) for key in keys[6:] for _ in range(2)]
    )

    def row(n: int, key_list: list[str], english: str, text: str, problem: str = "") -> ReadRow:
        return ReadRow(n, n, key_list, english, text, problem=problem)

    rows = [
        row(1, [keys[0]], "Repeat.", arabic[0]),  # a passage repeated: both rows unchanged
        row(2, [keys[0]], "Repeat.", arabic[0]),
        row(3, [keys[2], keys[1]], "Row 2, better.", arabic[1]),  # the Arabic names the second key
        row(4, [keys[2]], "Row 3.", arabic[2], problem="a reader's own reason"),
        row(5, [keys[3]], "", arabic[3]),  # English deleted
        row(6, [keys[4]], "One.", arabic[4]),  # two rows claim a key exported once
        row(7, [keys[4]], "Two.", arabic[4]),
        row(8, [keys[5]], "Shown A.", arabic[5]),  # a repeat shown with two Englishes: one changed
        row(9, [keys[5]], "Better.", arabic[5]),
        row(10, [keys[6]], "Same fix.", arabic[6]),  # both rows of a repeat corrected alike: stored once
        row(11, [keys[6]], "Same fix.", arabic[6]),
        row(12, [keys[7]], "Fix one.", arabic[7]),  # corrected differently: neither is stored
        row(13, [keys[7]], "Fix two.", arabic[7]),
    ]
    path = tmp_path / "r.xlf"
    result = classify(ReviewDocument(path, exported, rows))
    assert result.path == path
    assert [(c.row, c.key, c.change.target, c.change.shown) for c in result.changes] == [
        (3, keys[1], "Row 2, better.", english_fingerprint("Row 2.")),
        (9, keys[5], "Better.", " ".join(fingerprints)),
        (10, keys[6], "Same fix.", english_fingerprint("Shown.")),
    ]
    assert result.unchanged == 4  # rows 1, 2, 8 and 11 (the second of two identical fixes)
    assert result.unmatched == [
        UnmatchedRow(4, "a reader's own reason", "Row 3.", arabic[2], keys[2]),
        UnmatchedRow(5, ENGLISH_DELETED, "", arabic[3], keys[3]),
        UnmatchedRow(6, DUPLICATE_KEY, "One.", arabic[4], keys[4]),
        UnmatchedRow(7, DUPLICATE_KEY, "Two.", arabic[4], keys[4]),
        UnmatchedRow(12, DUPLICATE_KEY, "Fix one.", arabic[7], keys[7]),
        UnmatchedRow(13, DUPLICATE_KEY, "Fix two.", arabic[7], keys[7]),
    ]
