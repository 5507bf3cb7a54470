"""Saved web pages: the article out of the furniture, in any charset, without fetching or running anything."""

from __future__ import annotations

import pytest
from helpers import run_cli as run
from hypothesis import given
from hypothesis import strategies as st
from pages import FURNITURE, TEMPLATES, page_bytes, portal, seed_article

from translate_tool.errors import InputError
from translate_tool.readers import article_from_bytes, sniff


def rows(article):
    return [(b.kind.value, b.source) for b in article.blocks]


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_each_template_gives_the_seed_rows_and_no_furniture(template):
    page = article_from_bytes(page_bytes(template), None, name=f"{template}.html")
    assert rows(page) == rows(seed_article())
    text = " ".join(b.source for b in page.blocks)
    assert not [f for f in FURNITURE if f in text]


def test_what_precedes_the_headline_is_chrome():
    page = article_from_bytes(page_bytes("amp"), None, name="amp.html")
    assert page.chrome == ["دولي", "آخر تحديث في"]


def test_windows_1256_from_meta_and_without_meta():
    data = page_bytes("newspaper")
    assert b"charset=windows-1256" in data
    assert rows(article_from_bytes(data, None)) == rows(seed_article())
    bare = data.replace(b"charset=windows-1256", b"")
    assert rows(article_from_bytes(bare, None)) == rows(seed_article())


def test_bom_wins_over_a_wrong_meta():
    text = portal(seed_article()).replace('<meta charset="utf-8">', '<meta charset="windows-1256">')
    for data in (b"\xef\xbb\xbf" + text.encode("utf-8"), text.encode("utf-16")):
        assert sniff(data) == "html"
        assert rows(article_from_bytes(data, None)) == rows(seed_article())


def test_a_page_that_lies_about_its_charset_is_refused():
    data = portal(seed_article()).replace('<meta charset="utf-8">', '<meta charset="utf-8">').encode("cp1256")
    with pytest.raises(InputError, match="says it is utf-8"):
        article_from_bytes(data, None, name="p.html")


@pytest.mark.parametrize(
    "page",
    [
        b"<!DOCTYPE html><html><head><title>x</title></head><body></body></html>",
        "<html><body><nav><a href='/'>الرئيسية</a> <a href='/'>أخبار</a></nav></body></html>".encode(),
    ],
)
def test_page_without_article_text_exits_2_and_writes_nothing(tmp_path, capsys, page, synthetic_model):
    path = tmp_path / "empty.html"
    path.write_bytes(page)
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "export", path, "--model", synthetic_model, "--out-dir", out)
    assert code == 2 and stdout == "" and len(err.strip().splitlines()) == 1
    assert "no article text" in err
    assert not out.exists()


def _with(before_footer: bytes) -> bytes:
    return page_bytes("portal").replace(b"</footer>", b"</footer>" + before_footer)


def test_a_50_mb_page_is_refused_in_one_line():
    filler = "<div><p>نص الإعلان رقم</p></div>\n".encode()
    with pytest.raises(InputError, match="refusing a page with .* elements"):
        article_from_bytes(_with(filler * (50 * 2**20 // len(filler))), None)


def test_a_page_over_the_size_cap_is_refused_before_parsing():
    from translate_tool.readers import html

    with pytest.raises(InputError, match="refusing a web page of"):
        article_from_bytes(_with(b" " * (html.MAX_BYTES + 1)), None)


def test_deeply_nested_tags_do_not_crash_or_hang():
    deep = b"<div>" * 100_000 + "قال الرئيس إن الوضع هادئ في المنطقة اليوم.".encode() + b"</div>" * 100_000
    page = article_from_bytes(_with(deep), None)
    assert rows(page) == rows(seed_article())  # the article is still found beside the nesting


def test_an_entity_bomb_is_not_expanded():
    lol = '<!ENTITY a "ههههههههههه">' + "".join(
        f'<!ENTITY e{i} "{(f"&e{i - 1};" if i else "&a;") * 10}">' for i in range(9)
    )
    data = page_bytes("portal").replace(b"<!DOCTYPE html>", f"<!DOCTYPE html [{lol}]>".encode())
    data = data.replace(b"</h1>", b"</h1><p>&e8;</p>")
    page = article_from_bytes(data, None)
    assert max(len(b.source) for b in page.blocks) < 2000
    assert "هههههههههههههههههههههه" not in " ".join(b.source for b in page.blocks)


ARABIC_TEXT = st.text(
    alphabet=st.sampled_from('ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأؤإئةى ،؛؟.0123456789"()'),
    min_size=1,
    max_size=200,
)


@given(text=ARABIC_TEXT, encoding=st.sampled_from(["utf-8", "cp1256", "bom", "utf-16"]))
def test_any_arabic_text_survives_the_page_charset(text, encoding):
    from translate_tool.readers.html import decode_page

    label = "windows-1256" if encoding == "cp1256" else "utf-8"
    page = f'<html><head><meta charset="{label}"></head><body><p>{text}</p></body></html>'
    data = {
        "utf-8": page.encode("utf-8"),
        "cp1256": page.encode("cp1256"),
        "bom": b"\xef\xbb\xbf" + page.encode("utf-8"),
        "utf-16": page.encode("utf-16"),  # the BOM wins over the meta
    }[encoding]
    assert sniff(data) == "html"
    assert decode_page(data, "p.html") == page
