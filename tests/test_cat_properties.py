"""Property tests where text crosses the CAT-tool boundary: XLIFF out and back, TMX out and back."""

from __future__ import annotations

import sqlite3

from helpers import translated_seed
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from translate_tool.article import Article, Block, BlockKind, normalise_source
from translate_tool.export.tmx import write_tmx
from translate_tool.export.xliff import XLIFF_NS, render_xliff
from translate_tool.memory import TranslationMemory
from translate_tool.memory_history import ReviewChange, record_reviews
from translate_tool.review import read_review
from translate_tool.tmx import read_tmx, record_imported

# Text a model or a reviewer could produce, characters XML cannot hold included: the export
# replaces those by U+FFFD (the one boundary rule), so what comes back is that, never an error.
ANY_TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], include_characters="\x00\x01\x0b\r\t\n\ufffe"),
    max_size=60,
)
XML_TEXT = st.text(
    alphabet=st.characters(
        exclude_categories=["Cs", "Cc"], exclude_characters="\ufffe\uffff", include_characters="\t"
    ),
    min_size=1,
    max_size=60,
)
ARABIC = st.text(alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهوي ،.0123456789", min_size=1, max_size=40)


def _xml_safe(text: str) -> str:
    from translate_tool.briefing import clean_text

    return clean_text(text)


@given(english=ANY_TEXT, correction=ANY_TEXT)
def test_xliff_target_edited_to_anything_comes_back_as_that_english(tmp_path_factory, english, correction):
    article = translated_seed(english=lambda i: english if i == 1 else f"English {i}")
    root = etree.fromstring(render_xliff(article))
    unit = list(root.iter(f"{{{XLIFF_NS}}}trans-unit"))[1]
    assert unit.find(f"{{{XLIFF_NS}}}target") is not None or not english.strip()
    target = unit.find(f"{{{XLIFF_NS}}}target")
    if target is None:
        target = etree.SubElement(unit, f"{{{XLIFF_NS}}}target")
    target.text = _xml_safe(correction)
    path = tmp_path_factory.mktemp("xliff") / "reviewed.xlf"
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    result = read_review(path)
    exported = " ".join(_xml_safe(english).split())
    came_back = " ".join(_xml_safe(correction).split())
    if came_back == exported:
        assert result.changes == [] and not result.unmatched
    elif not came_back:
        assert [u.reason for u in result.unmatched] == ["English text deleted"]
    else:
        assert [c.change.target for c in result.changes] == [came_back]
        assert result.changes[0].change.source == article.blocks[1].source


@given(pairs=st.dictionaries(ARABIC.filter(lambda s: normalise_source(s)), XML_TEXT, min_size=1, max_size=4))
def test_tmx_export_then_import_into_an_empty_memory_gives_the_same_entries(tmp_path_factory, pairs):
    folder = tmp_path_factory.mktemp("tmx")
    pairs = {s: t for s, t in pairs.items() if t.strip()}
    originals = {normalise_source(s): t for s, t in pairs.items()}
    if not originals:
        return
    with TranslationMemory(folder / "a.sqlite3") as memory:
        items = list(pairs.items())
        machine = Article(blocks=[Block(BlockKind.PARAGRAPH, s, target=t, score=-0.5) for s, t in items[::2]])
        memory.record_machine([machine], "model 1")
        record_reviews(memory, [ReviewChange(s, t) for s, t in items[1::2]], "r.docx")
        write_tmx(memory, folder / "out.tmx")
    with TranslationMemory(folder / "b.sqlite3") as memory:
        record_imported(memory, read_tmx(folder / "out.tmx").units, str(folder / "out.tmx"))

    def rows(name):
        conn = sqlite3.connect(folder / name)
        try:
            return conn.execute("SELECT * FROM entries ORDER BY source").fetchall()
        finally:
            conn.close()

    assert rows("b.sqlite3") == rows("a.sqlite3")
