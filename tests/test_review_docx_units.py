"""The DOCX review reader's small rules, one file edited with python-docx per case, read in-process.

Mostly how the ⚑ flag lines are told from a reviewer's English (`_FlagLines`): a flag line that
lost its style, an older export that did not list its flag lines, a one-word flag, flag lines
joined into one paragraph, English typed after a flag with a ⚑ of its own; and a row whose English
cell was deleted.
"""

from __future__ import annotations

import re
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
from translate_tool.review.docx import (
    MERGED,
    _cells,
    _FlagLines,
    _has_row_bookmark,
    _header_columns,
    _is_passage_table,
    _numbered,
    _passage_tables,
    _row_keys,
    _TableReader,
    read_docx,
)

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
        # another namespace's element with the same attributes is no relationship
        f'<x:Relationship xmlns:x="urn:other" Type="{TYPE}comments" Target="comments.xml"/>',
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
    '<x:property xmlns:x="urn:other" name="foreign"><vt:lpwstr>not ours</vt:lpwstr></x:property>'
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


def test_core_properties_read_the_creation_time_too():
    """`review import` takes the modified time only when it differs from the created one."""
    core = CORE.replace("<dcterms:created/>", "<dcterms:created>2024-05-01T08:00:00Z</dcterms:created>")
    assert ooxml.core_properties(core.encode(), WHERE).created == "2024-05-01T08:00:00Z"


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
        '<x:style xmlns:x="urn:other" w:styleId="foreign"><w:name w:val="TT Flag"/></x:style>'
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


# --- review/docx.py's table reading, called directly on WordprocessingML ----------------------------
# A reviewer's Word, LibreOffice or a script can shift cells (w:gridBefore, w:gridSpan), add columns,
# repeat or delete rows, and type anything into the # cell; these pin how each is read.

KEY_A, KEY_B = "0123456789abcdef", "fedcba9876543210"
NO_FLAGS = _FlagLines(styles={"TTFlag"}, known=None)  # an older export: every flag line is dropped


def tc(
    text: str = "",
    *,
    bookmark: str | None = None,
    span: str | None = None,
    merge: str | None = None,
    inserted_by: tuple[str, str] | None = None,
    flag: str | None = None,
) -> str:
    properties = (f'<w:gridSpan w:val="{span}"/>' if span is not None else "") + (
        ("<w:vMerge/>" if merge == "" else f'<w:vMerge w:val="{merge}"/>') if merge is not None else ""
    )
    mark = f'<w:bookmarkStart w:id="9" w:name="tt_{bookmark}"/><w:bookmarkEnd w:id="9"/>' if bookmark else ""
    run = f"<w:r><w:t>{text}</w:t></w:r>"
    if inserted_by:
        run = f'<w:ins w:id="5" w:author="{inserted_by[0]}" w:date="{inserted_by[1]}">{run}</w:ins>'
    flag_line = (
        f'<w:p><w:pPr><w:pStyle w:val="TTFlag"/></w:pPr><w:r><w:t>⚑ {flag}</w:t></w:r></w:p>' if flag else ""
    )
    return f"<w:tc>{f'<w:tcPr>{properties}</w:tcPr>' if properties else ''}<w:p>{mark}{run}</w:p>{flag_line}</w:tc>"


def tr(*cells: str, properties: str = "") -> str:
    return f"<w:tr>{f'<w:trPr>{properties}</w:trPr>' if properties else ''}{''.join(cells)}</w:tr>"


HEADER = tr(tc("#"), tc("English"), tc("العربية"))


def one(xml: str) -> etree._Element:
    (element,) = wml(xml)
    return element


@pytest.mark.parametrize(
    ("properties", "first"),
    [
        ('<w:gridBefore w:val="2"/>', 2),
        ('<w:gridBefore w:val="0"/>', 0),
        ("<w:gridBefore/>", 0),
        ('<w:gridBefore w:val=""/>', 0),
        ('<w:gridBefore w:val="x"/>', 0),
        ('<w:gridBefore w:val="-1"/>', 0),
        ('<w:gridBefore w:val="²"/>', 0),  # isdigit() is true for it, and int() refuses it
        ('<w:gridBefore w:val="١"/>', 0),  # an Arabic-Indic digit is no OOXML number
        ("<w:jc/>", 0),
        ("", 0),
    ],
)
def test_cells_start_at_the_rows_grid_before_and_step_by_each_span(properties, first):
    row = one(
        tr(tc("a", span="2"), tc("b"), tc("c", span="²"), tc("d", flag="a flag"), properties=properties)
    )
    cells = _cells(row, NO_FLAGS)
    assert [(c.column, c.text) for c in cells] == [
        (first, "a"),
        (first + 2, "b"),
        (first + 3, "c"),
        (first + 4, "d"),
    ]
    assert [c.element for c in cells] == list(ooxml.children(row, w("tc")))
    assert _cells(row, None)[3].text == "d ⚑ a flag"


def test_a_grid_before_outside_the_row_properties_is_not_read():
    row = one(f'<w:tr><w:gridBefore w:val="3"/>{tc("a")}</w:tr>')
    assert [(c.column, c.text) for c in _cells(row, None)] == [(0, "a")]


def test_header_columns_are_where_each_of_our_headers_is_whatever_else_the_row_holds():
    cells = _cells(one(tr(tc("#"), tc("Notes", span="2"), tc("English"), tc(" العربية "))), None)
    assert _header_columns(cells) == {"#": 0, "English": 3, "العربية": 4}
    assert _header_columns(_cells(one(tr(tc("#"), tc("English"))), None)) is None
    assert _header_columns(_cells(one(tr(tc("#"), tc("English"), tc("Arabic"))), None)) is None
    assert _header_columns([]) is None


def tbl(*rows: str) -> etree._Element:
    return one(f"<w:tbl><w:tblPr/>{''.join(rows)}</w:tbl>")


def test_a_passage_table_has_a_row_bookmark_or_our_header_as_its_first_row():
    plain = tr(tc("1"), tc("one"), tc("واحد"))
    assert _is_passage_table(tbl(HEADER, plain))
    assert _is_passage_table(
        tbl(tr(tc("#", span="2"), tc("English"), tc("العربية"), properties='<w:gridBefore w:val="1"/>'))
    )
    assert _is_passage_table(tbl(f"<w:sdt><w:sdtContent>{HEADER}</w:sdtContent></w:sdt>", plain))
    assert _is_passage_table(tbl(plain, plain, tr(tc("3", bookmark=KEY_A), tc("x"), tc("y"))))
    assert not _is_passage_table(tbl(plain, HEADER))  # our header, but not first: someone's own table
    assert not _is_passage_table(tbl(plain))
    assert not _is_passage_table(tbl())
    assert not _is_passage_table(tbl(tr(tc("1", bookmark="not-a-key"), tc("x"), tc("y"))))


def test_the_passage_tables_are_found_in_document_order_and_their_absence_is_one_error():
    body = wml(
        "<w:body>"
        + '<w:tbl><w:tblPr w:id="other"/>'
        + tr(tc("a"), tc("b"))
        + "</w:tbl>"
        + '<w:tbl><w:tblPr w:id="first"/>'
        + HEADER
        + "</w:tbl>"
        + "<w:p/>"
        + '<w:tbl><w:tblPr w:id="second"/>'
        + tr(tc("1", bookmark=KEY_B))
        + "</w:tbl>"
        + "</w:body>"
    )[0]
    tables = _passage_tables(Path(WHERE), body)
    assert [t.find(w("tblPr")).get(w("id")) for t in tables] == ["first", "second"]
    with pytest.raises(InputError) as caught:
        _passage_tables(
            Path(WHERE), wml("<w:body><w:p/><w:tbl>" + tr(tc("#"), tc("a")) + "</w:tbl></w:body>")[0]
        )
    assert str(caught.value) == f"{WHERE}: the table of passages is missing; nothing to import"


def test_row_keys_are_the_number_cells_bookmarks_first_then_the_rest_of_the_row_once_each():
    row = one(
        "<w:tr>"
        + tc("1")
        + tc("x", bookmark=KEY_A)
        + tc("y", bookmark=KEY_B + "_2")
        + '<w:tc><w:p><w:bookmarkStart w:id="1" w:name="_GoBack"/><w:bookmarkStart w:id="2"/>'
        + f'<w:bookmarkStart w:id="3" w:name="tt_{KEY_A.upper()}"/><w:bookmarkStart w:id="4" w:name="tt_{KEY_A}"/>'
        + "</w:p></w:tc></w:tr>"
    )
    number_cell = list(ooxml.children(row, w("tc")))[2]
    assert _row_keys(row, number_cell) == [KEY_B, KEY_A]
    assert _row_keys(row, None) == [KEY_A, KEY_B]
    assert _row_keys(one(tr(tc("1"), tc("x"))), None) == []
    assert _has_row_bookmark(number_cell) and _has_row_bookmark(row)
    assert not _has_row_bookmark(list(ooxml.children(row, w("tc")))[0])
    others = one(
        '<w:p><w:bookmarkStart w:id="1" w:name="_GoBack"/><w:bookmarkStart w:id="2"/>'
        f'<w:bookmarkStart w:id="3" w:name="tt_{KEY_A.upper()}"/><w:bookmarkStart w:id="4" w:name="x_tt_{KEY_A}"/></w:p>'
    )
    assert not _has_row_bookmark(others) and _row_keys(others, None) == []


def read_rows(table: etree._Element, before: int = 0) -> list[ReadRow]:
    return _TableReader(NO_FLAGS, before).rows(table)


def test_rows_are_placed_by_the_header_columns_and_numbered_through_the_tables():
    ann = ("Ann", "2024-05-02T10:00:00+02:00")
    table = tbl(
        tr(tc("#"), tc("Notes"), tc("English"), tc("العربية")),  # a column added: cells go by header
        tr(tc("1", bookmark=KEY_A), tc("n"), tc("one", flag="a flag"), tc("واحد")),
        tr(
            tc("2", bookmark=KEY_B), tc(), tc("gone"), tc("ذهب"), properties='<w:del w:id="1" w:author="Bo"/>'
        ),
        tr(tc("Briefing"), properties="<w:tblHeader/>"),  # a repeated title row
        tr(tc("12 (was 3)"), tc(), tc("three", inserted_by=ann), tc("ثلاثة")),
        tr(tc(), tc(), tc(), tc()),  # an empty row someone added: counted, not read
        tr(tc("n"), tc("one more"), tc("مرة"), properties='<w:gridBefore w:val="1"/>'),  # no # cell
        tr(tc("²"), tc(), tc("five"), tc("خمسة", merge="restart")),
        tr(tc("0", bookmark=KEY_B), tc(), tc("six"), tc("ستة", merge="")),
        tr(tc("#", bookmark=KEY_A), tc("Notes"), tc("English"), tc("العربية")),  # a passage, not a header
    )
    assert read_rows(table, before=10) == [
        ReadRow(11, 1, [KEY_A], "one", "واحد"),
        ReadRow(12, 12, [], "three", "ثلاثة", Provenance("Ann", "2024-05-02T08:00:00Z")),
        ReadRow(14, 14, [], "one more", "مرة"),
        ReadRow(15, 15, [], "five", "خمسة", problem=MERGED),
        ReadRow(16, 16, [KEY_B], "six", "ستة", problem=MERGED),
        ReadRow(17, 17, [KEY_A], "English", "العربية"),
    ]


def test_without_a_header_the_cells_are_read_from_the_bookmarked_one_on():
    table = tbl(
        tr(tc("note"), tc("5", bookmark=KEY_A), tc("five"), tc("خمسة"), tc("extra")),
        tr(tc("6"), tc("six"), tc("ستة")),  # no bookmark: from the first cell
        tr(tc("7", bookmark=KEY_B), tc("seven")),  # the Arabic cell deleted
        tr(tc("#"), tc("English"), tc("العربية"), properties="<w:tblHeader/>"),  # a header row further down
        tr(tc("x"), tc("nine"), tc("تسعة")),  # placed by that header now
        tr(
            tc("x", bookmark=KEY_A), tc("ten"), tc("عشرة"), properties="<w:tblHeader/>"
        ),  # bookmarked: a passage
    )
    assert read_rows(table) == [
        ReadRow(1, 5, [KEY_A], "five", "خمسة"),
        ReadRow(2, 6, [], "six", "ستة"),
        ReadRow(3, 7, [KEY_B], "seven", ""),
        ReadRow(4, 4, [], "nine", "تسعة"),
        ReadRow(5, 5, [KEY_A], "ten", "عشرة"),
    ]


def test_a_row_with_only_its_bookmark_is_read_and_an_unmarked_empty_one_is_not():
    table = tbl(tr(tc("", bookmark=KEY_A), tc(), tc()), tr(tc("3"), tc(), tc()), tr(tc(), tc(), tc("عربي")))
    assert read_rows(table) == [ReadRow(1, 1, [KEY_A], "", ""), ReadRow(3, 3, [], "", "عربي")]


def test_numbered_properties_join_in_number_order_and_skip_names_that_are_no_number():
    properties = {
        "tt_p2": "c d",
        "tt_p10": "e",
        "tt_p1": "a b",
        "tt_p²": "x",
        "tt_p١": "y",
        "tt_p": "z",
        "other1": "w",
    }
    assert _numbered(properties, "tt_p") == ["a", "b", "c", "d", "e"]
    assert _numbered({"tt_p²": "x"}, "tt_p") is None
    assert _numbered({"tt_p1": "  "}, "tt_p") == []


@pytest.mark.parametrize("older", [False, True], ids=["export", "older-export"])
@pytest.mark.parametrize("surviving_style", ["English", "flag"])
@pytest.mark.parametrize(
    ("english", "glue"), [(OLD, ""), (OLD, " "), ("Sixty were there.", "")], ids=["glued", "space", "retyped"]
)
def test_a_flag_line_joined_to_the_english_above_it_is_not_english(
    exported, tmp_path, older, surviving_style, english, glue
):
    """Delete at the end of the English: the flag's text joins it, in one paragraph's style or the other's."""

    def review(document):
        cell = english_cell(document, 3)
        first, flag = cell.paragraphs[0], cell.paragraphs[1]
        keep, drop = (first, flag) if surviving_style == "English" else (flag, first)
        retype(keep, f"{english}{glue}⚑ {FLAG}")
        drop._p.getparent().remove(drop._p)

    edit(exported, review)
    cell = english_cell(Document(str(exported)), 3)
    assert [p.text for p in cell.paragraphs] == [f"{english}{glue}⚑ {FLAG}"]
    path = without_flag_list(exported, tmp_path / "older.docx") if older else exported
    assert row_english(path, 3) == english
    result = read_review(path)
    if english == OLD:
        assert (result.changes, result.unchanged, result.unmatched) == ([], ROWS, [])
    else:
        assert [(c.row, c.change.target) for c in result.changes] == [(3, english)]


# --- the package's relationships, through read_docx -----------------------------------------------


def repack(source: Path, target: Path, rename: dict[str, str], drop=(), edit=lambda name, data: data) -> Path:
    """The briefing with parts renamed or dropped, and any part's bytes passed through `edit`."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename in drop:
                continue
            out.writestr(rename.get(info.filename, info.filename), edit(info.filename, src.read(info)))
    return target


def test_a_main_document_under_another_name_is_found_through_the_package_relationships(exported, tmp_path):
    """Some tools save `word/document2.xml`; the package's `_rels/.rels` says which part is the document."""

    def retarget(name: str, data: bytes) -> bytes:
        if name in ("_rels/.rels", "[Content_Types].xml"):
            return data.replace(b"word/document.xml", b"word/document2.xml")
        return data

    moved = repack(
        exported,
        tmp_path / "moved.docx",
        {
            "word/document.xml": "word/document2.xml",
            "word/_rels/document.xml.rels": "word/_rels/document2.xml.rels",
        },
        edit=retarget,
    )
    assert b"word/document2.xml" in zipfile.ZipFile(moved).read("_rels/.rels")
    assert read_docx(moved).rows == read_docx(exported).rows
    result = read_review(moved)
    assert (result.changes, result.unchanged, result.unmatched) == ([], ROWS, [])


def with_author(name: str, data: bytes) -> bytes:
    """docProps/core.xml saying the file was last saved by Rana Haddad."""
    if name != "docProps/core.xml":
        return data
    return re.sub(
        rb"<cp:lastModifiedBy>.*?</cp:lastModifiedBy>|(?=</cp:coreProperties>)",
        b"<cp:lastModifiedBy>Rana Haddad</cp:lastModifiedBy>",
        data,
        count=1,
    )


def renamed_flag_style(name: str, data: bytes) -> bytes:
    """The flag style's id changed to `a7` (a re-save), and the ⚑ of every flag line deleted."""
    data = flag_marks_deleted(name, data)
    if name == "word/styles.xml":
        return data.replace(b'w:styleId="TTFlag"', b'w:styleId="a7"')
    if name == "word/document.xml":
        return data.replace(b'<w:pStyle w:val="TTFlag"/>', b'<w:pStyle w:val="a7"/>')
    return data


def test_without_relationship_parts_the_usual_part_names_are_read(exported, tmp_path):
    """The custom properties, the core properties (the author) and the styles (the flag id)."""
    bare = repack(
        exported,
        tmp_path / "bare.docx",
        {},
        drop=("_rels/.rels", "word/_rels/document.xml.rels"),
        edit=lambda name, data: renamed_flag_style(name, with_author(name, data)),
    )
    document = read_docx(bare)
    assert document.rows == read_docx(exported).rows and document.provenance.author == "Rana Haddad"
    assert read_review(bare).unchanged == ROWS


@pytest.mark.parametrize("part", ["_rels/.rels", "word/_rels/document.xml.rels"])
def test_a_broken_relationships_part_is_named_in_the_error(exported, tmp_path, part):
    broken = repack(
        exported, tmp_path / "broken.docx", {}, edit=lambda name, data: data[:40] if name == part else data
    )
    with pytest.raises(InputError) as caught:
        read_docx(broken)
    assert str(caught.value).startswith(f"{broken}: damaged DOCX ({part} is not well-formed XML: ")


def test_a_briefing_without_its_table_or_body_says_so_naming_the_file(exported, tmp_path):
    def without_tables(name: str, data: bytes) -> bytes:
        if name != "word/document.xml":
            return data
        root = etree.fromstring(data)
        body = root.find(w("body"))
        for table in body.findall(w("tbl")):
            body.remove(table)
        return etree.tostring(root)

    tableless = repack(exported, tmp_path / "tableless.docx", {}, edit=without_tables)
    with pytest.raises(InputError) as caught:
        read_docx(tableless)
    assert str(caught.value) == f"{tableless}: the table of passages is missing; nothing to import"
    bodiless = repack(
        exported,
        tmp_path / "bodiless.docx",
        {},
        edit=lambda name, data: (
            f'<w:document xmlns:w="{W_NS}"/>'.encode() if name == "word/document.xml" else data
        ),
    )
    with pytest.raises(InputError) as caught:
        read_docx(bodiless)
    assert str(caught.value) == f"{bodiless}: not a Word document (no document body)"


def test_only_bookmarks_name_rows_not_other_ranges_with_a_name():
    row = one(tr(f'<w:tc><w:p><w:moveFromRangeStart w:id="1" w:name="tt_{KEY_A}"/></w:p></w:tc>'))
    assert not _has_row_bookmark(row) and _row_keys(row, None) == []


def test_row_keys_come_from_the_number_cell_first_wherever_the_columns_are():
    table = tbl(
        tr(tc("Notes"), tc("#"), tc("English"), tc("العربية")),  # a column added before #
        tr(tc("n", bookmark=KEY_A), tc("1", bookmark=KEY_B), tc("one"), tc("واحد")),
        tr(tc("n"), tc("2"), tc("two", bookmark=KEY_A), tc("اثنان")),  # the bookmark moved with the text
        tr(tc(), tc(), tc("only English"), tc()),  # no key, no Arabic: still a row, not an empty one
    )
    assert read_rows(table) == [
        ReadRow(1, 1, [KEY_B, KEY_A], "one", "واحد"),
        ReadRow(2, 2, [KEY_A], "two", "اثنان"),
        ReadRow(3, 3, [], "only English", ""),
    ]


FORMAT = {"translate-tool-format": "translate-tool briefing", "translate-tool-keys-1": "k1 k2"}


@pytest.mark.parametrize(
    ("properties", "result"),
    [
        ({**FORMAT, "translate-tool-format-version": "1"}, ["k1", "k2"]),
        ({**FORMAT, "translate-tool-format-version": "1.0"}, ["k1", "k2"]),  # as LibreOffice rewrites it
        (FORMAT, "format version ?,"),
        ({**FORMAT, "translate-tool-format-version": "2"}, "format version 2,"),
        ({**FORMAT, "translate-tool-format-version": "one"}, "format version one,"),
        ({**FORMAT, "translate-tool-format-version": "nan"}, "format version nan,"),
        (
            {**FORMAT, "translate-tool-format": "another tool", "translate-tool-format-version": "1"},
            "no row keys",
        ),
        (
            {"translate-tool-format": "translate-tool briefing", "translate-tool-format-version": "1"},
            "no row keys",
        ),
    ],
    ids=["1", "1.0", "no-version", "2", "words", "nan", "other-format", "no-keys"],
)
def test_the_format_properties_decide_whether_a_file_is_read(properties, result):
    from translate_tool.review.docx import _check_format

    if isinstance(result, list):
        assert _check_format(Path(WHERE), properties) == result
        return
    with pytest.raises(InputError) as caught:
        _check_format(Path(WHERE), properties)
    message = str(caught.value)
    assert message.startswith(f"{WHERE}: is ") and result in message


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"<w:document", "damaged DOCX (word/document.xml is not well-formed XML: "),
        (
            b'<w:document xmlns:w="http://purl.oclc.org/ooxml/wordprocessingml/main"><w:body/></w:document>',
            "saved as Strict Open XML; save it as Word Document (.docx) and import that",
        ),
        (f'<w:other xmlns:w="{W_NS}"><w:body/></w:other>'.encode(), "not a Word document (no document body)"),
    ],
    ids=["not-xml", "strict", "not-a-document"],
)
def test_a_document_part_that_is_no_word_body_is_refused_naming_the_file(
    exported, tmp_path, document, message
):
    bad = repack(
        exported, tmp_path / "bad.docx", {}, edit=lambda n, d: document if n == "word/document.xml" else d
    )
    with pytest.raises(InputError) as caught:
        read_docx(bad)
    assert str(caught.value).startswith(f"{bad}: {message}")


def test_an_old_doc_or_an_unreadable_file_is_refused_in_one_line(tmp_path):
    from translate_tool.review.docx import _check_file

    old = tmp_path / "old.docx"
    old.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504)  # the OLE2 header of .doc files
    with pytest.raises(InputError) as caught:
        _check_file(old)
    assert str(caught.value) == (
        f"{old}: not a DOCX (an old .doc, or a password-protected document); "
        "save it in Word as Word Document (.docx) without a password"
    )
    unreadable = Path("/proc/self/mem")  # a regular file whose first bytes cannot be read (EIO)
    with pytest.raises(InputError) as caught:
        _check_file(unreadable)
    assert str(caught.value) == f"{unreadable}: cannot read (Input/output error)"


OURS = {"translate-tool-format": "translate-tool briefing", "translate-tool-format-version": "1"}
FP_A, FP_B = "0123456789ab", "ba9876543210"


@pytest.mark.parametrize(
    ("keys", "english", "damaged"),
    [
        (f"{KEY_A} {KEY_B}", f"{FP_A} {FP_B}", False),
        (f"{KEY_A} {KEY_B}", FP_A, True),  # one fingerprint short
        (f"{KEY_A} not-a-key", f"{FP_A} {FP_B}", True),  # counts agree, a key is no key
        (f"{KEY_A} {KEY_B}", f"{FP_A} XYZ", True),  # counts agree, a fingerprint is none
    ],
    ids=["whole", "short", "bad-key", "bad-fingerprint"],
)
def test_the_exported_rows_are_read_only_when_keys_and_fingerprints_match_up(keys, english, damaged):
    from translate_tool.review.core import ExportedRow
    from translate_tool.review.docx import _exported_rows

    properties = {**OURS, "translate-tool-keys-1": keys, "translate-tool-en-1": english}
    if not damaged:
        assert _exported_rows(Path(WHERE), properties) == [ExportedRow(KEY_A, FP_A), ExportedRow(KEY_B, FP_B)]
        return
    with pytest.raises(InputError) as caught:
        _exported_rows(Path(WHERE), properties)
    assert (
        str(caught.value)
        == f"{WHERE}: damaged translate-tool properties (row keys and English do not match up)"
    )


def test_an_export_that_did_not_record_its_english_or_is_not_ours_is_refused_naming_the_file():
    from translate_tool.review.docx import _exported_rows

    with pytest.raises(InputError) as caught:
        _exported_rows(Path(WHERE), {**OURS, "translate-tool-keys-1": KEY_A})
    assert str(caught.value) == (
        f"{WHERE}: this briefing was exported by an older translate-tool that did not record its "
        "English, so changed rows cannot be told from unchanged ones; export the article again "
        "and copy the corrections into the new document"
    )
    with pytest.raises(InputError) as caught:
        _exported_rows(Path(WHERE), {"translate-tool-keys-1": KEY_A, "translate-tool-en-1": FP_A})
    assert str(caught.value) == f"{WHERE}: is not a translate-tool briefing (no row keys)"


def flag_marks_deleted(name: str, data: bytes) -> bytes:
    """The reviewer deleted the ⚑ of every flag line: only the paragraph style still tells them."""
    return data.replace("<w:t>⚑ ".encode(), b"<w:t>") if name == "word/document.xml" else data


@pytest.mark.parametrize("older", [False, True], ids=["export", "older-export"])
def test_flag_lines_without_their_flag_are_known_by_the_style_id_when_the_styles_part_is_gone(
    exported, tmp_path, older
):
    bare = repack(
        exported, tmp_path / "no-styles.docx", {}, drop=("word/styles.xml",), edit=flag_marks_deleted
    )
    assert "⚑".encode() not in zipfile.ZipFile(bare).read("word/document.xml").split(b"<w:tbl>", 1)[1]
    path = without_flag_list(bare, tmp_path / "older.docx") if older else bare
    assert row_english(path, 3) == OLD


def test_flag_lines_without_their_flag_are_known_by_a_renamed_style_id_through_the_styles_part(
    exported, tmp_path
):
    """A re-save can give the style another id (here `a7`); its name stays, and styles.xml maps it."""

    resaved = repack(exported, tmp_path / "resaved.docx", {}, edit=renamed_flag_style)
    assert b"TTFlag" not in zipfile.ZipFile(resaved).read("word/document.xml")
    assert row_english(resaved, 3) == OLD
    assert read_review(resaved).unchanged == ROWS


def test_damaged_or_missing_properties_are_refused_naming_the_file(exported, tmp_path):
    broken = repack(
        exported, tmp_path / "broken.docx", {}, edit=lambda n, d: d[:30] if n == "docProps/custom.xml" else d
    )
    with pytest.raises(InputError) as caught:
        read_docx(broken)
    assert str(caught.value).startswith(
        f"{broken}: damaged DOCX (docProps/custom.xml is not well-formed XML: "
    )
    bare = repack(exported, tmp_path / "bare.docx", {}, drop=("docProps/custom.xml",))
    with pytest.raises(InputError) as caught:
        read_docx(bare)
    assert str(caught.value) == f"{bare}: is not a translate-tool briefing (no row keys)"


def test_in_an_older_export_all_that_follows_the_first_flag_is_flag(two_flags, tmp_path):
    """Both flag lines joined onto the English: only what precedes the first ⚑ is the reviewer's."""

    def review(document):
        cell = english_cell(document, 3)
        first, second, third = cell.paragraphs
        retype(first, f"{OLD}⚑ {FLAG} ⚑ {ONE_WORD}")
        for paragraph in (second, third):
            paragraph._p.getparent().remove(paragraph._p)

    edit(two_flags, review)
    older = without_flag_list(two_flags, tmp_path / "older.docx")
    assert row_english(older, 3) == OLD
    assert row_english(two_flags, 3) == OLD


def test_a_styles_part_without_the_flag_style_keeps_the_exported_style_id(exported, tmp_path):
    """A re-save that drops the unused-looking style definition: the paragraphs keep `TTFlag`."""

    def styleless(name: str, data: bytes) -> bytes:
        data = flag_marks_deleted(name, data)
        if name == "word/styles.xml":
            root = etree.fromstring(data)
            for style in root.findall(w("style")):
                if style.get(w("styleId")) == "TTFlag":
                    root.remove(style)
            return etree.tostring(root)
        return data

    resaved = repack(exported, tmp_path / "resaved.docx", {}, edit=styleless)
    assert b'w:styleId="TTFlag"' not in zipfile.ZipFile(resaved).read("word/styles.xml")
    document = read_docx(resaved)
    assert document.path == resaved and document.rows[2].english == OLD


@pytest.mark.parametrize("part", ["word/styles.xml", "docProps/core.xml"])
def test_a_broken_styles_or_core_part_is_named_with_the_file(exported, tmp_path, part):
    broken = repack(exported, tmp_path / "broken.docx", {}, edit=lambda n, d: d[:30] if n == part else d)
    with pytest.raises(InputError) as caught:
        read_docx(broken)
    assert str(caught.value).startswith(f"{broken}: damaged DOCX ({part} is not well-formed XML: ")


def test_properties_and_styles_under_other_names_are_found_through_the_relationships(exported, tmp_path):
    """Every part the reader needs is looked up by relationship type, not by its usual name."""
    moved = {"docProps/custom.xml": "docProps/custom2.xml", "docProps/core.xml": "docProps/core2.xml"}

    def retarget(name: str, data: bytes) -> bytes:
        data = renamed_flag_style(name, data)  # so only the moved styles part can tell the flag lines
        if name in ("_rels/.rels", "[Content_Types].xml"):
            for old, new in moved.items():
                data = data.replace(old.encode(), new.encode())
        if name == "[Content_Types].xml":
            data = data.replace(b"/word/styles.xml", b"/word/styles2.xml")
        if name == "word/_rels/document.xml.rels":
            data = data.replace(b'Target="styles.xml"', b'Target="styles2.xml"')
        return with_author(name, data)

    renamed = repack(
        exported, tmp_path / "renamed.docx", {**moved, "word/styles.xml": "word/styles2.xml"}, edit=retarget
    )
    names = zipfile.ZipFile(renamed).namelist()
    assert (
        "docProps/custom2.xml" in names
        and "docProps/custom.xml" not in names
        and "word/styles.xml" not in names
    )
    document = read_docx(renamed)
    assert document.rows[2].english == OLD  # flag lines known by the id the moved styles part gives
    assert document.provenance.author == "Rana Haddad"  # from the moved core part
    assert read_review(renamed).unchanged == ROWS  # and the moved custom part has the row keys


def test_a_package_naming_a_main_document_it_lacks_is_refused(exported, tmp_path):
    def retarget(name: str, data: bytes) -> bytes:
        return data.replace(b"word/document.xml", b"word/main.xml") if name == "_rels/.rels" else data

    broken = repack(exported, tmp_path / "broken.docx", {}, edit=retarget)
    with pytest.raises(InputError) as caught:
        read_docx(broken)
    assert str(caught.value) == f"{broken}: not a Word document (no word/main.xml in the package)"


def test_a_read_error_inside_the_package_is_one_line_naming_the_file(exported, monkeypatch):
    """A disk or network-share error after the first bytes read (injected: it cannot be made here)."""
    import errno

    from translate_tool.review import docx as docx_reader

    def failing(*args, **kwargs):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(docx_reader, "open_untrusted", failing)
    with pytest.raises(InputError) as caught:
        read_docx(exported)
    assert str(caught.value) == f"{exported}: cannot read (Input/output error)"
