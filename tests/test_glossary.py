import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from helpers import FakeTranslator

from translate_tool.article import Article, Block, BlockKind, Origin
from translate_tool.checks import run_checks
from translate_tool.engine import Hypothesis, Progress
from translate_tool.errors import InputError
from translate_tool.glossary import (
    Glossary,
    Term,
    default_glossary_path,
    fold,
    has_english,
    load_glossary,
    normalise,
    parse_glossary,
    protect,
    read_glossary_file,
    split_around,
)
from translate_tool.pipeline import translate_articles
from translate_tool.readers import read_article

ROOT = Path(__file__).resolve().parent.parent
SEED = next((ROOT / "seeds").glob("[0-9]*.txt"))
SEED_GLOSSARY = ROOT / "seeds" / "glossary.csv"

NK = Glossary.from_pairs([("ناغورني كاراباخ", "Nagorno-Karabakh"), ("كاراباخ", "Karabakh")])


def write(tmp_path: Path, text: str, name: str = "g.csv", bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


# --- loading ---------------------------------------------------------------------------


def test_load_with_bom_header_comments_and_blank_lines(tmp_path):
    path = write(
        tmp_path,
        'arabic,english\n# a comment\n\nباكو,Baku\r\n  \n# كاراباخ,Nope\n"نيويورك","New York"\n',
        bom=True,
    )
    glossary = load_glossary([path])
    assert {(t.arabic, t.english) for t in glossary} == {("باكو", "Baku"), ("نيويورك", "New York")}
    assert [t.origin for t in glossary] == [f"{path}:4", f"{path}:7"]


def test_load_without_header_and_quoted_comma(tmp_path):
    path = write(tmp_path, 'باكو,Baku\nواشنطن,"Washington, D.C."\n')
    assert [t.english for t in load_glossary([path])] == ["Baku", "Washington, D.C."]


def test_later_files_override_earlier_ones_for_the_same_term(tmp_path):
    first = write(tmp_path, "أذربيجان,Azerbaidjan\nباكو,Baku\n", "first.csv")
    second = write(tmp_path, "اذربيجان,Azerbaijan\n", "second.csv")  # same term, another spelling
    glossary = load_glossary([first, second])
    assert len(glossary) == 2
    assert [m.english for m in glossary.find("أعلنت أذربيجان")] == ["Azerbaijan"]


@pytest.mark.parametrize(
    "text,line,words",
    [
        ("arabic,english\nباكو,Baku\nكاراباخ\n", 3, "found 1 column"),
        ("باكو,Baku\n\nنيويورك,New,York\n", 3, "found 3 columns"),
        ("باكو,\n", 1, "found 1 column"),
        ("# c\n,Baku\n", 2, "found 2 columns"),
        ("باكو,Baku\nBaku,باكو\n", 2, "first column must be the Arabic"),
        ("باكو,Baku\nباكو,باكو\n", 2, "second column must be the English"),
        ('باكو,"Baku\n', 1, "not valid CSV"),
    ],
)
def test_bad_row_names_file_and_line(tmp_path, text, line, words):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_glossary([path])
    assert f"{path}:{line}:" in str(info.value)
    assert words in str(info.value)


def test_bad_files(tmp_path):
    with pytest.raises(InputError, match="no such glossary file"):
        load_glossary([tmp_path / "missing.csv"])
    binary = tmp_path / "g.xlsx"
    binary.write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(InputError, match="not a CSV text file"):
        load_glossary([binary])
    cp1256 = tmp_path / "old.csv"
    cp1256.write_bytes("باكو,Baku\nكاراباخ,Karabakh\n".encode("cp1256"))
    with pytest.raises(InputError, match=r"old\.csv:1: not UTF-8"):
        load_glossary([cp1256])


def test_default_path_is_in_the_user_config_dir(isolated_home):
    assert default_glossary_path() == isolated_home / ".config" / "translate-tool" / "glossary.csv"


def test_seed_glossary_has_the_seed_names():
    english = {t.arabic: t.english for t in load_glossary([SEED_GLOSSARY])}
    for arabic, expected in {
        "ناغورني كاراباخ": "Nagorno-Karabakh",
        "ناغورنو كاراباخ": "Nagorno-Karabakh",
        "كاراباخ": "Karabakh",
        "كراباخ": "Karabakh",
        "ستيباناكرت": "Stepanakert",
        "باشينيان": "Pashinyan",
        "أذربيجان": "Azerbaijan",
        "أرمينيا": "Armenia",
        "باكو": "Baku",
        "بلينكن": "Blinken",
        "زاخاروفا": "Zakharova",
        "بسكوف": "Peskov",
        "بوريل": "Borrell",
        "أردوغان": "Erdogan",
        "حاجييف": "Hajiyev",
        "رويترز": "Reuters",
        "إنترفاكس": "Interfax",
        "تاس": "TASS",
    }.items():
        assert english[arabic] == expected


# --- matching --------------------------------------------------------------------------


def only(glossary: Glossary, text: str):
    matches = glossary.find(text)
    assert len(matches) == 1, matches
    return matches[0]


@pytest.mark.parametrize(
    "text,prefix,kept",
    [
        ("وناغورني كاراباخ", "و", "و"),
        ("بناغورني كاراباخ", "ب", "ب"),
        ("لناغورني كاراباخ", "ل", "ل"),
        ("كناغورني كاراباخ", "ك", "ك"),
        ("فناغورني كاراباخ", "ف", "ف"),
        ("الناغورني كاراباخ", "ال", ""),
        ("والناغورني كاراباخ", "وال", "و"),
        ("بالناغورني كاراباخ", "بال", "ب"),
        ("للناغورني كاراباخ", "لل", "ل"),
        ("كالناغورني كاراباخ", "كال", "ك"),
        ("فالناغورني كاراباخ", "فال", "ف"),
        ("وبالناغورني كاراباخ", "وبال", "وب"),
        ("الـناغورني كاراباخ", "الـ", ""),
        ("الـ ناغورني كاراباخ", "الـ ", ""),
        ("بالـناغورني كاراباخ", "بالـ", "ب"),
        ("كـناغورني كاراباخ", "كـ", "ك"),
    ],
)
def test_prefixes(text, prefix, kept):
    sentence = f"قالت الوزارة {text} اليوم"
    match = only(NK, sentence)
    assert match.english == "Nagorno-Karabakh"
    assert sentence[match.start : match.term_start] == prefix
    assert sentence[match.term_start : match.end] == "ناغورني كاراباخ"
    assert match.kept_prefix == kept


def test_prefix_attached_to_a_term_that_has_the_article():
    kremlin = Glossary.from_pairs([("الكرملين", "Kremlin")])
    for text, kept in [("الكرملين", ""), ("والكرملين", "و"), ("بالكرملين", "ب"), ("للكرملين", "ل")]:
        assert only(kremlin, text).kept_prefix == kept
    assert kremlin.find("كرملين") == []


@pytest.mark.parametrize(
    "term,text",
    [
        ("أذربيجان", "اذربيجان"),
        ("أذربيجان", "إذربيجان"),
        ("أذربيجان", "آذربيجان"),
        ("أذربيجان", "ٱذربيجان"),
        ("اذربيجان", "أذربيجان"),
        ("مؤتمر", "موتمر"),
        ("رئيس", "رييس"),
        ("الجمعية العامة", "الجمعيه العامه"),
        ("الجمعيه العامه", "الجمعية العامة"),
        ("ناغورني كاراباخ", "ناغورنى كاراباخ"),
        ("ناغورنى كاراباخ", "ناغورني كاراباخ"),
        ("ناغورني كاراباخ", "ناغـورني كارابـــاخ"),
        ("ناغورني كاراباخ", "نَاغُورْنِي كَارَابَاخٌ"),
        ("ناغورني كاراباخ", "ناغورني   كاراباخ"),
        ("ناغورني كاراباخ", "ناغورني\nكاراباخ"),
        ("ناغورني كاراباخ", "ناغورني\u00a0كاراباخ"),
        ("أذربيجان", "أ\u200cذربيجان"),
    ],
)
def test_spelling_variants(term, text):
    glossary = Glossary.from_pairs([(term, "X")])
    sentence = f"في {text}، قال"
    match = only(glossary, sentence)
    # the span is in the original text and covers the word's trailing marks too
    assert sentence[match.start : match.end] == text


@pytest.mark.parametrize(
    ("text", "near_miss"),
    [
        ("القوات الأذربيجانية", "أذربيجان"),  # a suffix makes another word (Azerbaijani)
        ("أذربيجانيون", "أذربيجان"),
        ("كاراباخستان", "كاراباخ"),
        ("التاسع من الشهر", "تاس"),  # تاس inside تاسع
        ("مستاس", "تاس"),
        ("ناغورني، كاراباخ", "ناغورني كاراباخ"),  # punctuation between the words of a multi-word term
    ],
)
def test_no_match_inside_a_longer_word(text, near_miss):
    pairs = [("أذربيجان", "Azerbaijan"), ("كاراباخ", "Karabakh"), ("تاس", "TASS"), ("ناغورني كاراباخ", "NK")]
    glossary = Glossary.from_pairs(pairs)
    # the case is a real near miss: the term's letters are all there, only a word boundary is not
    assert fold(near_miss).replace(" ", "") in fold(text).replace(" ", "")
    english = [m.english for m in glossary.find(text)]
    assert dict(pairs)[near_miss] not in english


@pytest.mark.parametrize("order", [1, -1])
def test_longest_term_wins(order):
    pairs = [("كاراباخ", "Karabakh"), ("ناغورني كاراباخ", "Nagorno-Karabakh"), ("ناغورني", "Nagorny")]
    glossary = Glossary.from_pairs(pairs[::order])
    text = "في ناغورني كاراباخ وفي كاراباخ"
    assert [m.english for m in glossary.find(text)] == ["Nagorno-Karabakh", "Karabakh"]


def test_full_name_before_surname():
    glossary = load_glossary([SEED_GLOSSARY])
    text = "قال رئيس الوزراء نيكول باشينيان إن باشينيان"
    assert [m.english for m in glossary.find(text)] == ["Nikol Pashinyan", "Pashinyan"]


def test_protect_and_split_keep_the_conjunction():
    glossary = load_glossary([SEED_GLOSSARY])
    text = "دعت روسيا أذربيجان وأرمينيا إلى وقف القتال في ناغورني كاراباخ."
    matches = glossary.find(text)
    assert protect(text, matches) == "دعت Russia Azerbaijan و Armenia إلى وقف القتال في Nagorno-Karabakh."
    assert split_around(text, matches) == ["دعت", "", "و", "إلى وقف القتال في", "."]


def test_has_english_is_whole_word_and_case_insensitive():
    assert has_english("In nagorno-karabakh today", "Nagorno-Karabakh")
    assert has_english("in Nagorno - Karabakh", "Nagorno-Karabakh")
    assert has_english("Pashinyan's office", "Pashinyan")
    assert has_english("by  Nikol\nPashinyan", "Nikol Pashinyan")
    assert not has_english("Azerbaijani forces", "Azerbaijan")
    assert not has_english("Karabakh", "Nagorno-Karabakh")


# --- enforcement -----------------------------------------------------------------------


class Gibberish:
    """A broken model: "xx yy" for everything, so every name it was given is lost."""

    label = "gibberish 0"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def translate(self, sentences: Sequence[str], progress: Progress | None = None) -> list[Hypothesis]:
        self.calls.append(list(sentences))
        if progress:
            progress(len(sentences))
        return [Hypothesis("xx yy", score=-3.0, tokens=3) for _ in sentences]


class CopiesNames(Gibberish):
    """Copies Latin-script words through, as real NMT models do, and garbles the rest."""

    def translate(self, sentences, progress=None):
        self.calls.append(list(sentences))
        return [
            Hypothesis(" ".join(["xx", *re.findall(r"[A-Za-z][\w-]*", s)]), score=-1.0, tokens=4)
            for s in sentences
        ]


class CountsWords(Gibberish):
    """Drops names; "[n]" for a piece of n words, so the splice order can be read."""

    def translate(self, sentences, progress=None):
        self.calls.append(list(sentences))
        return [Hypothesis(f"[{len(s.split())}]", score=-1.0, tokens=2) for s in sentences]


def test_seed_with_a_gibberish_model_still_has_every_term():
    glossary = load_glossary([SEED_GLOSSARY])
    article = read_article(SEED)
    translator = Gibberish()
    seen: list[int] = []
    translate_articles([article], lambda: translator, seen.append, glossary=glossary)

    assert len(translator.calls) == 2  # the protected batch, then one batch of all the pieces
    assert sum(seen) == sum(len(b.sentences) for b in article.blocks)  # progress counted once
    nk = [b for b in article.blocks if "ناغورني كاراباخ" in b.source]
    assert len(nk) == 11
    assert all("Nagorno-Karabakh" in b.target for b in nk)
    for block in article.blocks:
        for match in glossary.find(block.source):
            assert has_english(block.target, match.english), (block.source, block.target)
    run_checks([article], glossary)
    assert not any(
        f.message.endswith("missing") for b in article.blocks for f in b.flags if f.check == "glossary"
    )
    spliced = [b for b in article.blocks if any(s.spliced for s in b.sentences)]
    assert spliced and all(any(f.check == "glossary" for f in b.flags) for b in spliced)


def test_seed_with_the_random_weight_model(synthetic_model, tmp_path):
    """The real engine with a structurally real, random-weight package: names survive."""
    from translate_tool.engine import ArgosTranslator
    from translate_tool.packages import open_model

    translator = ArgosTranslator(open_model(synthetic_model, tmp_path / "model"))
    calls: list[int] = []
    real_translate = translator.translate

    def counting(sentences, progress=None):
        calls.append(len(sentences))
        return real_translate(sentences, progress)

    translator.translate = counting  # type: ignore[method-assign]
    glossary = load_glossary([SEED_GLOSSARY])
    article = read_article(SEED)
    translate_articles([article], lambda: translator, glossary=glossary)
    assert 1 <= len(calls) <= 2
    for block in article.blocks:
        if "ناغورني كاراباخ" in block.source:
            assert "Nagorno-Karabakh" in block.target
        for match in glossary.find(block.source):
            assert has_english(block.target, match.english)


def test_a_model_that_copies_names_needs_no_second_call():
    glossary = load_glossary([SEED_GLOSSARY])
    article = read_article(SEED)
    translator = CopiesNames()
    translate_articles([article], lambda: translator, glossary=glossary)
    assert len(translator.calls) == 1
    assert "Nagorno-Karabakh" in translator.calls[0][0]  # the model was sent the English
    assert not any(s.spliced for b in article.blocks for s in b.sentences)
    title = article.blocks[0]
    assert title.sentences[0].terms == ["Azerbaijan", "Nagorno-Karabakh"]


def test_fallback_splices_terms_between_translated_pieces():
    glossary = load_glossary([SEED_GLOSSARY])
    article = Article([Block(BlockKind.PARAGRAPH, "قال بلينكن إن أذربيجان تهدد الوضع في ناغورني كاراباخ.")])
    translator = CountsWords()
    translate_articles([article], lambda: translator, glossary=glossary)
    assert translator.calls[1] == ["قال", "إن", "تهدد الوضع في"]  # the "." is carried over
    sentence = article.blocks[0].sentences[0]
    assert sentence.target == "[1] Blinken [1] Azerbaijan [3] Nagorno-Karabakh."
    assert sentence.spliced and sentence.terms == ["Blinken", "Azerbaijan", "Nagorno-Karabakh"]
    assert sentence.tokens == 6 and sentence.score == pytest.approx(-1.0)


def test_a_passage_that_is_only_a_term_needs_no_model():
    glossary = load_glossary([SEED_GLOSSARY])
    article = Article([Block(BlockKind.HEADING, "أرمينيا"), Block(BlockKind.DATELINE, "(رويترز).")])
    translator = Gibberish()
    translate_articles([article], lambda: translator, glossary=glossary)
    assert len(translator.calls) == 1
    assert [b.target for b in article.blocks] == ["Armenia", "(Reuters)."]
    assert not any(s.spliced for b in article.blocks for s in b.sentences)


def test_fallbacks_of_all_articles_share_one_call():
    glossary = load_glossary([SEED_GLOSSARY])
    articles = [
        read_article(SEED),
        read_article(SEED),
        Article([Block(BlockKind.PARAGRAPH, "لا أسماء هنا.")]),
    ]
    translator = Gibberish()
    translate_articles(articles, lambda: translator, glossary=glossary)
    assert len(translator.calls) == 2
    assert articles[2].blocks[0].target == "xx yy"


def test_without_a_glossary_nothing_changes():
    article = read_article(SEED)
    translator = FakeTranslator()
    translate_articles([article], lambda: translator)
    assert len(translator.calls) == 1
    assert translator.calls[0][0] == article.blocks[0].source
    assert all(not s.terms and not s.spliced for b in article.blocks for s in b.sentences)


def test_reviewed_blocks_are_not_translated():
    glossary = load_glossary([SEED_GLOSSARY])
    block = Block(BlockKind.PARAGRAPH, "في باكو", target="In Baku", origin=Origin.REVIEWED)
    translator = Gibberish()
    translate_articles([Article([block])], lambda: translator, glossary=glossary)
    assert translator.calls == [] and block.target == "In Baku"


def test_a_term_without_letters_is_refused_with_its_line(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("ناغورني كاراباخ,Nagorno-Karabakh\nـــ,Tatweel\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"g\.csv:2: the first column must be the Arabic term"):
        load_glossary([path])


def test_fingerprint_names_the_terms_not_their_order():
    pairs = [("أذربيجان", "Azerbaijan"), ("كاراباخ", "Karabakh")]
    fingerprint = Glossary.from_pairs(pairs).fingerprint()
    assert re.fullmatch(r"[0-9a-f]{8}", fingerprint)
    assert Glossary.from_pairs(pairs[::-1]).fingerprint() == fingerprint
    # a spelling variant of the same term is the same key
    assert Glossary.from_pairs([("اذربيجان", "Azerbaijan"), pairs[1]]).fingerprint() == fingerprint
    assert Glossary.from_pairs([pairs[0], ("كاراباخ", "Karabagh")]).fingerprint() != fingerprint
    assert Glossary.from_pairs(pairs[:1]).fingerprint() != fingerprint


def test_more_words_win_over_more_letters_where_terms_overlap():
    glossary = Glossary.from_pairs(
        [("با تا ثا", "three short words"), ("ثا مستشفياتهمممم", "two long words")]
    )
    assert [m.english for m in glossary.find("با تا ثا مستشفياتهمممم")] == ["three short words"]


def test_a_multi_word_term_cut_off_by_the_end_of_the_text_does_not_match():
    glossary = Glossary.from_pairs([("ناغورني كاراباخ", "Nagorno-Karabakh")])
    assert glossary.find("القتال في ناغورني") == []


def test_missing_english_names_the_terms_and_splice_checks_its_pieces():
    from translate_tool.glossary import missing_english, splice

    glossary = Glossary.from_pairs([("أذربيجان", "Azerbaijan"), ("أرمينيا", "Armenia")])
    found = glossary.find("دعت أذربيجان أرمينيا")
    assert missing_english("Azerbaijan called on the other side", found) == ["Armenia"]
    with pytest.raises(ValueError, match="^need one more piece than matches$"):
        splice(["one piece"], found)


# --- normalise, parse and tie-breaks, value for value (mutation testing: see TESTING.md) --------
# Each expected value is worked out by hand from the rules in the module docstring: folded text,
# then each folded character's [start, end) in the original.


@pytest.mark.parametrize(
    "text, expected",
    [
        # a run of whitespace is one space whose end is the run's end
        ("بب \tك", ("بب ك", [0, 1, 2, 4], [1, 2, 4, 5])),
        # a mark at the very start belongs to nothing; a mark after a space does not stretch it
        ("\u064eبب \u064eك", ("بب ك", [1, 2, 3, 5], [2, 3, 4, 6])),
        # a prefix and a word apart without tatweel stay two words
        ("و ب", ("و ب", [0, 1, 2], [1, 2, 3])),
        # a tatweel after punctuation does not glue the next word on
        ("!ـ ب", ("! ب", [0, 2, 3], [2, 3, 4])),
        # the article written apart with a tatweel joins its word
        ("الـ ب", ("الب", [0, 1, 4], [1, 3, 5])),
    ],
)
def test_normalise_gives_each_folded_character_its_original_span(text, expected):
    assert normalise(text) == expected


def test_more_letters_win_between_terms_over_the_same_word():
    glossary = Glossary.from_pairs([("قدس", "Quds"), ("القدس", "Jerusalem")])
    [match] = glossary.find("في القدس")
    assert (match.english, match.start, match.term_start, match.end, match.kept_prefix) == (
        "Jerusalem",
        3,
        3,
        8,
        "",
    )


def test_more_letters_win_over_a_later_start_between_overlapping_terms():
    glossary = Glossary.from_pairs([("الأعلى جدا", "very highest"), ("المجلس الأعلى", "Supreme Council")])
    [match] = glossary.find("المجلس الأعلى جدا")
    assert (match.english, match.start, match.end) == ("Supreme Council", 0, 13)


def test_a_term_without_letters_is_refused_by_name():
    with pytest.raises(ValueError) as caught:
        Glossary([Term("...", "dots")])
    assert str(caught.value) == "glossary term '...' has no letters"


def test_parse_glossary_messages_word_for_word():
    def message(text: str) -> str:
        with pytest.raises(InputError) as caught:
            parse_glossary(text)
        return str(caught.value)

    assert message("كاراباخ,Karabakh,Azerbaijan\n") == (
        "glossary:1: expected two non-empty columns, arabic,english; found 3 columns"
        " (quote the English if it contains a comma)"
    )
    assert (
        message(" ,Karabakh\n")
        == "glossary:1: expected two non-empty columns, arabic,english; found 2 columns"
    )
    assert (
        message("كاراباخ\n") == "glossary:1: expected two non-empty columns, arabic,english; found 1 column"
    )
    # only the first row may be a header, and only with a header word in both columns
    assert message("كاراباخ,Karabakh\narabic,english\n") == (
        "glossary:2: the first column must be the Arabic term, got 'arabic'"
    )
    assert (
        message("arabic,Karabakh\n") == "glossary:1: the first column must be the Arabic term, got 'arabic'"
    )


def test_parse_glossary_keeps_a_quoted_line_break_as_written():
    [term] = parse_glossary('"ناغورني\r\nكاراباخ",Nagorno-Karabakh\r\n', "g.csv")
    assert term == Term("ناغورني\r\nكاراباخ", "Nagorno-Karabakh", "g.csv:2")


def test_a_glossary_that_is_not_utf8_is_refused_with_its_line(tmp_path):
    path = tmp_path / "g.csv"
    path.write_bytes("كاراباخ,Karabakh\n".encode() + b"\xff\xfe,x\n")
    with pytest.raises(InputError) as caught:
        read_glossary_file(path)
    assert str(caught.value) == f"{path}:2: not UTF-8 text; save the glossary as CSV UTF-8"
