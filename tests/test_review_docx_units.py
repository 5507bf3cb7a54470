"""The DOCX review reader's small rules, one file edited with python-docx per case, read in-process.

Mostly how the ⚑ flag lines are told from a reviewer's English (`_FlagLines`): a flag line that
lost its style, an older export that did not list its flag lines, a one-word flag, flag lines
joined into one paragraph, English typed after a flag with a ⚑ of its own; and a row whose English
cell was deleted.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from lxml import etree
from test_review import FLAG, ROWS, edit, english_cell, rezip, seed_article

from translate_tool.article import Flag
from translate_tool.briefing import FLAG_COUNT_PROPERTY, FLAGS_PROPERTY
from translate_tool.errors import InputError
from translate_tool.export.docx import render_docx
from translate_tool.ooxml_ns import CORE_PROPS_NS, CUSTOM_PROPS_NS, DCTERMS_NS, MC_NS, REL_NS, VT_NS, W_NS, w
from translate_tool.review import ooxml, read_review
from translate_tool.review.core import Provenance, ReadRow
from translate_tool.review.docx import read_docx

OLD = "The old wording stays here."  # row 3's English as exported; FLAG is its flag
ONE_WORD = "Unchecked"  # a second flag on row 3, in the two-flag briefing


@pytest.fixture
def exported(tmp_path) -> Path:
    path = tmp_path / "briefing.docx"
    path.write_bytes(render_docx(seed_article()))
    return path


@pytest.fixture
def two_flags(tmp_path) -> Path:
    """Row 3 flagged twice: `⚑ 60 is missing from the English`, then `⚑ Unchecked`."""
    article = seed_article()
    article.blocks[2].flags.append(Flag("numbers", ONE_WORD))
    path = tmp_path / "two-flags.docx"
    path.write_bytes(render_docx(article))
    return path


def row_english(path: Path, row: int) -> str:
    return read_docx(path).rows[row - 1].english


def retype(paragraph, text: str) -> None:
    for extra in paragraph.runs[1:]:
        extra._r.getparent().remove(extra._r)
    paragraph.runs[0].text = text


def test_the_briefings_row_3_is_as_these_tests_expect(exported, two_flags):
    cell = english_cell(Document(str(exported)), 3)
    assert [p.text for p in cell.paragraphs] == [OLD, f"⚑ {FLAG}"]
    cell = english_cell(Document(str(two_flags)), 3)
    assert [p.text for p in cell.paragraphs] == [OLD, f"⚑ {FLAG}", f"⚑ {ONE_WORD}"]
    assert [p.style.name for p in cell.paragraphs] == ["Normal", "TT Flag", "TT Flag"]
    assert row_english(two_flags, 3) == OLD


def test_a_flag_line_that_lost_its_style_is_still_known_by_its_leading_flag(exported):
    """A copy-paste as plain text or a re-save can drop the style; the ⚑ and the text remain."""

    def review(document):
        flag = english_cell(document, 3).paragraphs[1]
        flag._p.pPr.remove(flag._p.pPr.find(qn("w:pStyle")))

    edit(exported, review)
    cell = english_cell(Document(str(exported)), 3)
    assert [(p.text, p.style.name) for p in cell.paragraphs] == [(OLD, "Normal"), (f"⚑ {FLAG}", "Normal")]
    assert row_english(exported, 3) == OLD
    result = read_review(exported)
    assert (result.changes, result.unchanged, result.unmatched) == ([], ROWS, [])


def test_english_typed_after_a_flag_line_that_lost_its_style_is_kept(exported):
    def review(document):
        flag = english_cell(document, 3).paragraphs[1]
        flag._p.pPr.remove(flag._p.pPr.find(qn("w:pStyle")))
        retype(flag, f"⚑ {FLAG} Sixty were there.")

    edit(exported, review)
    assert row_english(exported, 3) == f"{OLD} Sixty were there."


def without_flag_list(source: Path, target: Path) -> Path:
    """The briefing as an export from before flag lines were listed in the properties."""
    with zipfile.ZipFile(source) as z:
        custom = z.read("docProps/custom.xml").decode()
    for name in (FLAG_COUNT_PROPERTY, f"{FLAGS_PROPERTY}1"):
        start = custom.rindex("<property", 0, custom.index(f'name="{name}"'))
        custom = custom[:start] + custom[custom.index("</property>", start) + len("</property>") :]
    assert FLAG_COUNT_PROPERTY not in custom and FLAGS_PROPERTY not in custom
    return rezip(source, target, {"docProps/custom.xml": custom.encode()})


def test_an_older_export_drops_every_flag_line_whatever_it_holds(exported, tmp_path):
    """Without the list of flag lines, a line in the flag style or led by ⚑ is never English."""

    def review(document):
        cell = english_cell(document, 5)
        retype(cell.paragraphs[1], "⚑ 6 is missing from the English. Six, says the reviewer.")

    edit(exported, review)
    older = without_flag_list(exported, tmp_path / "older.docx")
    rows = read_docx(older).rows
    assert (rows[2].english, rows[4].english) == (OLD, seed_article().blocks[4].target)
    result = read_review(older)
    assert (result.changes, result.unchanged, result.unmatched) == ([], ROWS, [])


def test_a_one_word_flag_line_is_a_flag_line(two_flags):
    result = read_review(two_flags)
    assert (result.changes, result.unchanged, result.unmatched) == ([], ROWS, [])

    def review(document):
        retype(english_cell(document, 3).paragraphs[2], f"⚑ {ONE_WORD} Sixty, checked.")

    edit(two_flags, review)
    assert row_english(two_flags, 3) == f"{OLD} Sixty, checked."


@pytest.mark.parametrize(
    "joined",
    [
        f"⚑ {FLAG}⚑ {ONE_WORD}",  # Delete at the end of the first line: no space between them
        f"⚑ {FLAG} ⚑ {ONE_WORD}",
        f"⚑ {ONE_WORD} ⚑ {FLAG}",
        f"⚑ {ONE_WORD}⚑ {FLAG}",
        f"{FLAG} {ONE_WORD}",  # and both ⚑ deleted
    ],
    ids=["no-space", "space", "one-word-first", "one-word-first-no-space", "no-flag-marks"],
)
def test_flag_lines_joined_into_one_paragraph_are_all_dropped(two_flags, joined):
    """Each known flag line is taken off in turn, not only the longest; none of them is English."""

    def review(document):
        cell = english_cell(document, 3)
        second, third = cell.paragraphs[1], cell.paragraphs[2]
        retype(second, joined)
        third._p.getparent().remove(third._p)

    edit(two_flags, review)
    cell = english_cell(Document(str(two_flags)), 3)
    assert [p.text for p in cell.paragraphs] == [OLD, joined]
    assert row_english(two_flags, 3) == OLD
    result = read_review(two_flags)
    assert (result.changes, result.unchanged, result.unmatched) == ([], ROWS, [])


@pytest.mark.parametrize(
    ("typed", "english"),
    [
        # the reviewer's answer marked with a ⚑ of its own, after or before the flag's text
        (f"⚑ {FLAG} ⚑ Sixty were there.", "Sixty were there."),
        (f"⚑ {FLAG} ⚑Sixty were there.", "Sixty were there."),
        (f"⚑ Sixty were there. ⚑ {FLAG}", "Sixty were there."),
        (f"Sixty were there. ⚑ {FLAG}", "Sixty were there."),
        # English starting with an X (the strip takes off ⚑ and spaces only) and between two flags
        (f"⚑ {FLAG} XL sizes: sixty.", "XL sizes: sixty."),
        (f"⚑ {FLAG} X-rays: sixty. ⚑ {ONE_WORD}", "X-rays: sixty."),
        (f"⚑ {ONE_WORD} Sixty were there. ⚑ {FLAG}", "Sixty were there."),
        (f"Sixty were of type X ⚑ {FLAG}", "Sixty were of type X"),
    ],
    ids=["after", "after-glued", "before", "before-unmarked", "x-after", "x-between", "between", "x-before"],
)
def test_english_typed_into_a_flag_line_is_what_is_left_of_it(two_flags, typed, english):
    def review(document):
        cell = english_cell(document, 3)
        first, second, third = cell.paragraphs
        first._p.getparent().remove(first._p)
        third._p.getparent().remove(third._p)
        retype(second, typed)

    edit(two_flags, review)
    assert row_english(two_flags, 3) == english
    result = read_review(two_flags)
    assert [(c.row, c.change.target) for c in result.changes] == [(3, english)]


def test_a_row_whose_english_and_arabic_cells_were_deleted_reads_as_empty(exported):
    """Only the # cell (with the row's bookmark) is left: no English cell, so no tracked changes."""

    def review(document):
        tr = document.tables[0].rows[3]._tr
        for tc in tr.tc_lst[1:]:
            tr.remove(tc)

    edit(exported, review)
    document = read_docx(exported)
    key = seed_article().blocks[2].key
    assert document.rows[2] == ReadRow(3, 3, [key], "", "", Provenance(), "")
    assert len(document.rows) == ROWS


# --- review/ooxml.py, called directly ------------------------------------------------------------

WHERE, PART = "reviewed.docx", "word/document.xml"
REFUSED = f"{WHERE}: refusing a DOCX whose {PART} declares a DOCTYPE or entities (Word never writes them)"


def parse_error(data: bytes, name: str = PART) -> str:
    with pytest.raises(InputError) as caught:
        ooxml.parse(WHERE, name, data)
    return str(caught.value)


@pytest.mark.parametrize(
    "data",
    [
        b'<!DOCTYPE w:document SYSTEM "w.dtd"><w:document/>',  # a DOCTYPE, no entities
        b'<w:document><!-- <!ENTITY x "y"> --></w:document>',  # ENTITY text only
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a><a>x</a>'.encode("utf-16"),  # with a BOM
        "<!DOCTYPE a><a>x</a>".encode("utf-16-be"),  # no BOM
        '<?xml version="1.0" encoding="UTF-16"?><a><!-- <!ENTITY --></a>'.encode("utf-16-le"),
    ],
    ids=["doctype", "entity", "utf-16", "utf-16-be", "utf-16-entity"],
)
def test_declarations_are_refused_before_parsing_in_utf8_and_utf16(data):
    assert parse_error(data) == REFUSED


def test_a_doctype_the_byte_check_cannot_see_is_refused_after_parsing():
    """In UTF-7, `<!` can be written `+ADwAIQ-`: no `<!DOCTYPE` bytes, but libxml2 still reads one."""
    data = b'<?xml version="1.0" encoding="UTF-7"?>\n+ADwAIQ-DOCTYPE a+AD4APA-a+AD4-x+ADw-/a+AD4-'
    assert b"<!DOCTYPE" not in data
    assert parse_error(data) == f"{WHERE}: refusing a DOCX whose {PART} declares a DOCTYPE"


def test_parse_reads_utf16_and_a_text_node_over_libxml2s_10_mb_limit():
    root = ooxml.parse(WHERE, PART, '<a b="c">ب</a>'.encode("utf-16"))
    assert (root.tag, root.get("b"), root.text) == ("a", "c", "ب")
    big = "x" * (10 * 2**20 + 1)
    assert ooxml.parse(WHERE, PART, f"<a>{big}</a>".encode()).text == big


def test_xml_that_is_not_well_formed_names_the_file_and_the_part():
    message = parse_error(b"<w:document>", "word/styles.xml")
    assert message.startswith(f"{WHERE}: damaged DOCX (word/styles.xml is not well-formed XML: ")
    assert message.endswith(")") and "\n" not in message.strip()


RELS = f'<Relationships xmlns="{REL_NS}">{{}}</Relationships>'
TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def rels(*relationships: str) -> etree._Element:
    return ooxml.parse(WHERE, "_rels/.rels", RELS.format("".join(relationships)).encode())


def rel(kind: str | None, target: str | None, mode: str | None = None) -> str:
    attrs = {"Id": "rId1", "Type": kind, "Target": target, "TargetMode": mode}
    return "<Relationship " + " ".join(f'{k}="{v}"' for k, v in attrs.items() if v is not None) + "/>"


def test_relationships_map_the_last_segment_of_each_type_to_a_part_name():
    root = rels(
        rel(TYPE + "hyperlink", "https://example.org/", "External"),  # not a part: skipped
        rel(TYPE + "image", ""),  # no target: skipped
        rel(TYPE + "footer", None),  # no target attribute either
        rel(TYPE + "styles", "styles.xml"),  # relative to the folder
        rel(TYPE + "styles", "other-styles.xml"),  # the first of a kind wins
        rel(TYPE + "settings", "/word/settings.xml"),  # absolute, from the package root
        rel(TYPE + "fontTable", "/XML/fonts.xml"),
        rel(TYPE + "theme", "../theme/theme1.xml"),
        rel(
            "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
            "core.xml",
        ),
        rel("numbering", "XML/numbering.xml"),  # a type with no slash is taken whole
        rel(None, "nameless.xml"),
    )
    assert ooxml.relationships(root, "word") == {
        "styles": "word/styles.xml",
        "settings": "word/settings.xml",
        "fontTable": "XML/fonts.xml",
        "theme": "theme/theme1.xml",
        "core-properties": "word/core.xml",
        "numbering": "word/XML/numbering.xml",
        "": "word/nameless.xml",
    }
    assert ooxml.relationships(rels(rel("numbering", "XML/n.xml")), "") == {"numbering": "XML/n.xml"}


def test_rels_name():
    assert ooxml.rels_name("word/document.xml") == "word/_rels/document.xml.rels"
    assert ooxml.rels_name("document.xml") == "_rels/document.xml.rels"
    assert ooxml.rels_name("a/b/c.xml") == "a/b/_rels/c.xml.rels"


CUSTOM = (
    f'<Properties xmlns="{CUSTOM_PROPS_NS}" xmlns:vt="{VT_NS}">'
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="a"><vt:lpwstr>  x y </vt:lpwstr></property>'
    '<property pid="3" name="b"><!-- a comment first --><vt:i4>1</vt:i4></property>'
    '<property pid="4" name="empty"><vt:lpwstr/></property>'
    '<property pid="5" name="no value"></property>'
    '<property pid="6"><vt:lpwstr>no name</vt:lpwstr></property>'
    "</Properties>"
)


def test_custom_properties_are_the_named_ones_with_a_value():
    assert ooxml.custom_properties(CUSTOM.encode(), WHERE) == {"a": "x y", "b": "1", "empty": ""}


def test_custom_properties_name_the_part_in_their_errors():
    with pytest.raises(InputError) as caught:
        ooxml.custom_properties(b"<Properties>")
    assert str(caught.value).startswith(
        "docProps/custom.xml: damaged DOCX (docProps/custom.xml is not well-formed XML: "
    )
    with pytest.raises(InputError) as caught:
        ooxml.custom_properties(b"<!DOCTYPE p><p/>", WHERE)
    assert str(caught.value) == REFUSED.replace(PART, "docProps/custom.xml")


CORE = (
    f'<cp:coreProperties xmlns:cp="{CORE_PROPS_NS}" xmlns:dcterms="{DCTERMS_NS}">'
    "<cp:lastModifiedBy>  Jane \n  Doe </cp:lastModifiedBy>"
    "<dcterms:modified> 2024-05-02T10:00:00Z </dcterms:modified><dcterms:created/>"
    "</cp:coreProperties>"
)


def test_core_properties_collapse_whitespace_and_default_to_empty():
    assert ooxml.core_properties(CORE.encode(), WHERE) == ooxml.CoreProperties(
        "Jane Doe", "2024-05-02T10:00:00Z", ""
    )
    assert ooxml.core_properties(None, WHERE) == ooxml.CoreProperties("", "", "")
    empty = f'<cp:coreProperties xmlns:cp="{CORE_PROPS_NS}"/>'.encode()
    assert ooxml.core_properties(empty, WHERE) == ooxml.CoreProperties("", "", "")
    with pytest.raises(InputError) as caught:
        ooxml.core_properties(b"<!DOCTYPE p><p/>", WHERE)
    assert str(caught.value) == REFUSED.replace(PART, "docProps/core.xml")


def wml(body: str) -> etree._Element:
    return ooxml.parse(WHERE, PART, f'<w:root xmlns:w="{W_NS}" xmlns:mc="{MC_NS}">{body}</w:root>'.encode())


def test_style_ids_are_found_by_name_whatever_the_case():
    root = wml(
        '<w:style w:styleId="TTFlag"><w:name w:val="TT Flag"/></w:style>'
        '<w:style w:styleId="a1"><w:name w:val="tt FLAG"/></w:style>'
        '<w:style><w:name w:val="TT Flag"/></w:style>'  # no id
        '<w:style w:styleId="Normal"><w:name w:val="Normal"/></w:style>'
        '<w:style w:styleId="nameless"><w:name/></w:style>'
        '<w:style w:styleId="unnamed"/>'
    )
    assert ooxml.style_ids(root, "TT Flag") == {"TTFlag", "a1", ""}
    assert ooxml.style_ids(root, "normal") == {"Normal"}
    assert ooxml.style_ids(root, "Heading 1") == set()


def test_children_look_through_content_controls_and_custom_xml_only():
    root = wml(
        '<w:tr w:rsidR="1"/>'
        '<w:sdt><w:sdtPr/><w:sdtContent><w:tr w:rsidR="2"/>'
        '<w:customXml><w:smartTag><w:tr w:rsidR="3"/></w:smartTag></w:customXml></w:sdtContent></w:sdt>'
        '<w:tbl><w:tr w:rsidR="nested"/></w:tbl>'
        '<w:tr w:rsidR="4"/>'
    )
    assert [tr.get(w("rsidR")) for tr in ooxml.children(root, w("tr"))] == ["1", "2", "3", "4"]


def test_paragraphs_in_reading_order_with_nested_tables_and_no_fallbacks():
    root = wml(
        "<w:p><w:r><w:t>one</w:t></w:r></w:p>"
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>two</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
        "<w:p><w:r><mc:AlternateContent><mc:Choice/><mc:Fallback><w:p><w:r><w:t>no</w:t></w:r></w:p>"
        "</mc:Fallback></mc:AlternateContent><w:t>three</w:t></w:r></w:p>"
        "<w:sdt><w:sdtContent><w:p><w:r><w:t>four</w:t></w:r></w:p></w:sdtContent></w:sdt>"
    )
    assert ["".join(ooxml.text(p)) for p in ooxml.paragraphs(root)] == ["one", "two", "three", "four"]


def test_text_is_what_word_shows_with_tracked_changes_accepted():
    (paragraph,) = wml(
        "<w:p><w:pPr><w:rPr><w:t>no</w:t></w:rPr></w:pPr>"
        "<w:r><w:t>a</w:t><w:tab/><w:t>b</w:t><w:br/><w:t>c</w:t><w:cr/><w:ptab/><w:noBreakHyphen/>"
        "<w:t/><!-- note --><?pi x?></w:r>"
        '<w:ins w:id="1"><w:r><w:t>d</w:t></w:r></w:ins><w:del w:id="2"><w:r><w:delText>e</w:delText></w:r></w:del>'
        '<w:moveTo w:id="3"><w:r><w:t>f</w:t></w:r></w:moveTo><w:moveFrom w:id="4"><w:r><w:t>g</w:t></w:r></w:moveFrom>'
        '<w:r><w:fldChar w:fldCharType="begin"/><w:instrText>PAGE</w:instrText><w:t>7</w:t></w:r>'
        "<w:hyperlink><w:r><w:t>h</w:t></w:r></w:hyperlink></w:p>"
    )
    assert list(ooxml.text(paragraph)) == ["a", " ", "b", " ", "c", " ", " ", "-", "", "d", "f", "7", "h"]


def test_paragraph_style_is_the_pstyle_value_or_empty():
    styled, valueless, plain, elsewhere = wml(
        '<w:p><w:pPr><w:pStyle w:val="TTFlag"/></w:pPr></w:p>'
        "<w:p><w:pPr><w:pStyle/></w:pPr></w:p>"
        "<w:p><w:pPr><w:jc/></w:pPr></w:p>"
        '<w:p><w:pStyle w:val="stray"/></w:p>'
    )
    assert [ooxml.paragraph_style(p) for p in (styled, valueless, plain, elsewhere)] == ["TTFlag", "", "", ""]


def test_tracked_changes_are_every_insertion_deletion_and_move_in_order():
    root = wml(
        '<w:p><w:ins w:id="1" w:author="  Ann \n Lee " w:date="2024-05-02T10:00:00Z"/>'
        '<w:r><w:del w:id="2" w:author="Bo"/></w:r>'
        '<w:moveFrom w:id="3" w:date="2024-05-03T10:00:00Z"/>'
        '<w:moveTo w:id="4" w:author="Cy" w:date="2024-05-04T10:00:00Z"/>'
        "<w:r><w:t>not a change</w:t></w:r></w:p>"
    )
    assert ooxml.tracked_changes(root) == [
        ("Ann Lee", "2024-05-02T10:00:00Z"),
        ("Bo", ""),
        ("", "2024-05-03T10:00:00Z"),
        ("Cy", "2024-05-04T10:00:00Z"),
    ]
    assert ooxml.tracked_changes(wml("<w:p/>")) == []


def test_vertical_merge_and_grid_span_are_read_from_the_cell_properties():
    cells = wml(
        '<w:tc><w:tcPr><w:vMerge w:val="restart"/><w:gridSpan w:val="2"/></w:tcPr></w:tc>'
        '<w:tc><w:tcPr><w:vMerge/><w:gridSpan w:val="0"/></w:tcPr></w:tc>'
        '<w:tc><w:tcPr><w:gridSpan w:val="x"/></w:tcPr></w:tc>'
        "<w:tc><w:tcPr><w:gridSpan/></w:tcPr></w:tc>"
        '<w:tc><w:vMerge/><w:gridSpan w:val="3"/></w:tc>'
        '<w:tc><w:tcPr><w:gridSpan w:val="1"/></w:tcPr></w:tc>'
    )
    assert [ooxml.in_vertical_merge(c) for c in cells] == [True, True, False, False, False, False]
    assert [ooxml.grid_span(c) for c in cells] == [2, 1, 1, 1, 1, 1]
