from pathlib import Path

import pytest

from translate_tool.article import BlockKind
from translate_tool.errors import InputError
from translate_tool.readers import article_from_bytes, read_article
from translate_tool.readers.structure import chrome_rule
from translate_tool.readers.txt import decode_bytes, parse_article

SEED = next((Path(__file__).parent.parent / "seeds").glob("*.txt"))


def kinds(article):
    return [b.kind for b in article.blocks]


def test_seed_blocks():
    article = read_article(SEED)
    assert kinds(article).count(BlockKind.TITLE) == 1
    assert kinds(article).count(BlockKind.DATELINE) == 1
    assert len(article.paragraphs) == 31
    headings = [b.source for b in article.blocks if b.kind is BlockKind.HEADING]
    assert headings == ["أرمينيا", "الولايات المتحدة", "روسيا", "الإتحاد الأوروبي", "فرنسا", "تركيا"]
    assert article.blocks[0].kind is BlockKind.TITLE
    assert article.blocks[1].source == "(رويترز)."
    # the headline is repeated in the page; it appears once
    assert sum(b.source == article.blocks[0].source for b in article.blocks) == 1


def test_seed_chrome_is_set_aside_not_dropped():
    article = read_article(SEED)
    assert len(article.chrome) == 3
    assert not any("آخر تحديث" in b.source or "يقرأون الآن" in b.source for b in article.blocks)


@pytest.mark.parametrize(
    "line",
    ["آخر تحديث في 12 سبتمبر 2023", "اقتصاد آخر تحديث في", "يقرأون الآن", "الأكثر قراءة", "شارك على فيسبوك"],
)
def test_chrome_rules_are_about_kinds_of_line(line):
    assert chrome_rule(line)


@pytest.mark.parametrize(
    "line", ["أعلنت أذربيجان عن آخر تحديث في برنامجها النووي الذي يثير القلق في المنطقة.", "روسيا"]
)
def test_article_text_is_not_chrome(line):
    assert chrome_rule(line) is None


def test_bom_crlf_and_nbsp_are_normalised():
    text = "عنوان الخبر\r\n\r\nقال\u00a0المتحدث إن الوضع هادئ.\r\n"
    article = article_from_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"), Path("a.txt"))
    assert [b.source for b in article.blocks] == ["عنوان الخبر", "قال المتحدث إن الوضع هادئ."]


def test_cp1256_is_decoded_correctly():
    text = "أعلنت الحكومة اليوم عن خطة جديدة."
    assert decode_bytes(text.encode("cp1256")) == text


def test_utf16_with_bom():
    text = "أعلنت الحكومة اليوم عن خطة جديدة."
    assert decode_bytes(text.encode("utf-16")) == text


def test_latin1_garbage_is_refused_not_mojibake():
    with pytest.raises(InputError, match="UTF-8"):
        decode_bytes("Café crème brûlée, déjà vu.".encode("latin-1"))


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "empty"),
        (b"  \n\t\r\n ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "unsupported format, a PNG image"),
        (b"Hello world.", "no Arabic"),
    ],
)
def test_bad_inputs(data, message):
    with pytest.raises(InputError, match=message):
        article_from_bytes(data, Path("x.txt"))


def test_english_allowed_with_force():
    article = article_from_bytes(
        b"Hello world.\n\nSecond paragraph here.", Path("x.txt"), require_arabic=False
    )
    assert len(article.blocks) == 2


def test_missing_and_folder(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_article(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="folder"):
        read_article(tmp_path)


def test_heading_needs_no_closing_punctuation():
    article = parse_article("العنوان\n\nفقرة أولى طويلة بما يكفي لتكون فقرة.\n\nقسم جديد\n\nفقرة ثانية هنا.")
    assert kinds(article) == [BlockKind.TITLE, BlockKind.PARAGRAPH, BlockKind.HEADING, BlockKind.PARAGRAPH]


def test_damaged_utf8_is_refused_not_read_as_cp1256():
    data = "قال الرئيس إن الوضع هادئ في المنطقة اليوم.".encode()
    with pytest.raises(InputError, match="damaged UTF-8"):
        decode_bytes(data[:10] + b"\xff" + data[10:])


def test_tatweel_alone_is_not_arabic():
    with pytest.raises(InputError, match="no Arabic"):
        article_from_bytes("ـــ ـــ\n".encode(), Path("t.txt"))
