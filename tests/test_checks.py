import pytest

from translate_tool.article import Article, Block, BlockKind, Flag, Origin, Sentence
from translate_tool.checks import check_block, run_checks, summary, summary_line
from translate_tool.glossary import Glossary

LONG_AR = (
    "أعلنت وزارة الدفاع الأذربيجانية في بيان نشرته على موقعها الإلكتروني إطلاق عمليات عسكرية في الإقليم."
)
LONG_EN = (
    "The Azerbaijani Ministry of Defence announced in a statement published on its website "
    "the launch of military operations in the region."
)


def flags(source: str, target: str, origin: Origin = Origin.MACHINE, glossary=None, **kw) -> dict[str, str]:
    block = Block(BlockKind.PARAGRAPH, source, target=target, origin=origin, **kw)
    return {f.check: f.message for f in check_block(block, glossary)}


def test_clean_passage_is_quiet():
    assert flags(LONG_AR, LONG_EN) == {}


# --- numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source,target",
    [
        ("قتل ٦ أشخاص", "6 people were killed"),
        ("قتل ٦ أشخاص", "Six people were killed"),
        ("قتل ۶ أشخاص", "6 people were killed"),  # Eastern Arabic-Indic digit
        ("قتل 6 أشخاص", "6 people were killed"),
        ("ارتفعت بنسبة ٢٥٪", "rose by 25%"),
        ("ارتفعت بنسبة 25%", "rose by 25 per cent"),
        ("بنسبة ٣٫٥٪", "by 3.5 percent"),
        ("بنسبة 3.5%", "by 3.5 percent"),
        ("قتل ١٬٠٠٠ شخص", "1,000 people were killed"),
        ("قتل ١٬٠٠٠ شخص", "1000 people were killed"),
        ("قتل 1,000 شخص", "1000 people were killed"),
        ("بلغ ١٢ ٥٠٠ دولار", "reached $12,500"),
        ("في عام ٢٠٢٠", "in 2020"),
        ("بلغ 1.5 مليون", "reached 1,500,000"),
        ("بلغ 1500000", "reached 1.5 million"),
        ("قتل 25 و60", "twenty-five and sixty were killed"),
        ("في 20/9/2023", "on September 20, 2023"),
        ("في 20/9/2023", "on 20/9/2023"),
        ("الساعة 10:30", "at 10:30"),
        ("لا أرقام هنا", "no numbers here"),
    ],
)
def test_numbers_present(source, target):
    assert "numbers" not in flags(source, target)


@pytest.mark.parametrize(
    "source,target,missing",
    [
        ("قتل ٦ أشخاص", "people were killed", "number 6"),
        ("قتل ۶ أشخاص", "seven people were killed", "number 6"),
        ("ارتفعت بنسبة ٢٥٪", "rose by 52%", "number 25"),
        ("بنسبة ٣٫٥٪", "by 35 percent", "number 3.5"),
        ("قتل ١٬٠٠٠ شخص", "100 people were killed", "number 1000"),
        ("في عام ٢٠٢٠", "in 2021", "number 2020"),
        ("قتل ٢٥ وأصيب ٦٠", "25 were killed", "number 60"),
        ("قتل ٢٥ وأصيب ٦٠", "many were killed", "numbers 25, 60"),
        ("بلغ ٢٥٠٠٠", "reached 2,500", "number 25,000"),
    ],
)
def test_numbers_missing(source, target, missing):
    assert flags(source, target)["numbers"] == f"{missing} missing from the English"


# --- Arabic left in the English -----------------------------------------------------------


def test_arabic_left_in_the_english():
    found = flags(LONG_AR, LONG_EN.replace("region", "الإقليم region"))
    assert found["arabic"] == "Arabic text left in the English (1 word)"
    assert "arabic" not in flags(LONG_AR, LONG_EN)
    # presentation forms are Arabic too
    assert "arabic" in flags(LONG_AR, LONG_EN + " \ufefb")


# --- length ----------------------------------------------------------------------------


def test_english_much_shorter():
    assert flags(LONG_AR, "The ministry.")["length"] == "English much shorter than the Arabic (0.1x)"


def test_english_much_longer():
    source = "وأضاف أن اثنين من القتلى مدنيون."
    target = "He added that two of the dead were civilians, " * 4
    assert flags(source, target)["length"].startswith("English much longer than the Arabic (")


def test_length_ignores_short_sources():
    assert "length" not in flags("روسيا", "Russia and the Russian Federation's position")
    assert "length" not in flags("أرمينيا", "A")


def test_empty_translation():
    assert flags(LONG_AR, "") == {"empty": "no English for this passage"}
    assert flags(LONG_AR, "   ") == {"empty": "no English for this passage"}
    assert flags("...", "") == {}  # nothing to translate


# --- repetition ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target,message",
    [
        ("The ministry said the the the the the the the operation.", 'repeats "the" 7 times in a row'),
        ("Forces in the in the in the region.", 'repeats "in the" 3 times in a row'),
        ("He said: not not not not not not not not not not", 'repeats "not" 10 times in a row'),
        (
            "Karabakh forces attacked Karabakh and Karabakh said Karabakh people in Karabakh now",
            '"karabakh" makes up 42% of the English',
        ),
        ("The the ministry announced an operation.", 'the word "the" is doubled'),
    ],
)
def test_repetition(target, message):
    assert flags("قالت الوزارة إن العملية مستمرة في الإقليم", target)["repetition"] == message


@pytest.mark.parametrize(
    "target",
    [
        LONG_EN,
        "He said that that was the end of it.",
        "The head of the office of the president of the council of the ministers of the republic said.",
        "Armenia. Armenia said it would respond.",
    ],
)
def test_no_repetition_in_normal_english(target):
    assert "repetition" not in flags(LONG_AR, target)


# --- glossary --------------------------------------------------------------------------

GLOSSARY = Glossary.from_pairs([("ستيباناكرت", "Stepanakert"), ("باكو", "Baku")])


def test_glossary_term_missing():
    source = "وأفاد شهود بسماع دوي انفجارات في العاصمة ستيباناكرت وفي باكو"
    found = flags(source, "Witnesses heard explosions in the capital, Baku.", glossary=GLOSSARY)
    assert found["glossary"] == "glossary: Stepanakert missing"
    assert "glossary" not in flags(
        source, "Witnesses heard explosions in the capital STEPANAKERT and in Baku.", glossary=GLOSSARY
    )


def test_glossary_terms_recorded_by_the_pipeline_are_checked_without_a_glossary():
    sentences = [Sentence("في ستيباناكرت", "in the capital", terms=["Stepanakert"])]
    assert flags("في ستيباناكرت", "in the capital", sentences=sentences) == {
        "glossary": "glossary: Stepanakert missing"
    }


def test_spliced_and_split_sentences_are_flagged():
    sentences = [
        Sentence("في ستيباناكرت", "xx Stepanakert", terms=["Stepanakert"], spliced=True),
        Sentence(LONG_AR, LONG_EN, pieces=2),
    ]
    found = flags(LONG_AR, "xx Stepanakert " + LONG_EN, sentences=sentences)
    assert found["glossary"] == "the model dropped Stepanakert: translated in pieces around it"
    assert found["split"] == "a sentence too long for the model was translated in 2 pieces"


# --- reviewed passages -------------------------------------------------------------------


def test_reviewed_blocks_get_only_number_and_glossary_checks():
    source = "قتل ٦ أشخاص في ستيباناكرت، كما ذكرت الوزارة في بيان رسمي طويل"
    found = flags(source, "People died (ستيباناكرت).", origin=Origin.REVIEWED, glossary=GLOSSARY)
    assert set(found) == {"numbers", "glossary"}
    assert flags(source, "", origin=Origin.REVIEWED) == {}


# --- confidence ------------------------------------------------------------------------


def document(scores, origins=None) -> Article:
    origins = origins or [Origin.MACHINE] * len(scores)
    return Article(
        [
            Block(BlockKind.PARAGRAPH, LONG_AR, target=LONG_EN, score=score, origin=origin)
            for score, origin in zip(scores, origins, strict=True)
        ]
    )


SPREAD = [-0.30, -0.35, -0.28, -0.40, -0.33, -0.31, -0.37, -0.29, -0.36, -0.32, -0.34, -0.38, -0.27, -0.39]


def confidence_flags(article: Article) -> list[int]:
    run_checks([article])
    return [i for i, b in enumerate(article.blocks) if any(f.check == "confidence" for f in b.flags)]


def test_low_confidence_outlier_is_flagged():
    article = document([*SPREAD, -1.2])
    assert confidence_flags(article) == [len(SPREAD)]
    assert article.blocks[-1].flags == [
        Flag("confidence", "low model confidence (bottom 10% of this document)")
    ]


def test_confidence_needs_enough_blocks():
    assert confidence_flags(document([-0.3, -0.3, -0.3, -2.0])) == []


def test_confidence_needs_a_real_gap():
    # one passage a little lower than very uniform others: not an outlier worth a flag
    assert confidence_flags(document([-0.30] * 12 + [-0.42])) == []


def test_confidence_flags_at_most_the_bottom_decile():
    # Four clear outliers in twenty passages: all four are far below the median, but the
    # bottom decile of twenty is two passages, so only the two lowest are flagged.
    outliers = [-1.5, -1.8, -1.6, -1.7]
    scores = [*SPREAD, -0.31, -0.33, *outliers]
    article = document(scores)
    low = len(SPREAD) + 2
    assert len(scores) == 20 and confidence_flags(article) == [low + 1, low + 3]  # -1.8 and -1.7


def test_reviewed_blocks_are_not_scored_for_confidence():
    origins = [Origin.MACHINE] * len(SPREAD) + [Origin.REVIEWED, Origin.MEMORY]
    article = document([*SPREAD, -3.0, -1.2], origins)
    assert confidence_flags(article) == [len(SPREAD) + 1]


def test_unscored_blocks_are_ignored():
    article = document([*SPREAD, None])  # e.g. a passage the glossary alone translated
    assert confidence_flags(article) == []


# --- run_checks and the summary ----------------------------------------------------------


def test_run_checks_keeps_other_flags_and_is_idempotent():
    block = Block(BlockKind.PARAGRAPH, "قتل ٦ أشخاص", target="People were killed.")
    block.flags = [Flag("memory", "from the translation memory")]
    article = Article([block, Block(BlockKind.PARAGRAPH, LONG_AR, target=LONG_EN)])
    run_checks([article])
    run_checks([article])
    assert [f.check for f in block.flags] == ["memory", "numbers"]
    assert summary([article]) == (1, 2)
    assert summary_line([article]) == "1 of 2 passages needs attention"
    block.flags = []
    assert summary_line([article]) == "none of the 2 passages was flagged"
    article.blocks[1].flags = block.flags = [Flag("numbers", "x")]
    assert summary_line([article]) == "2 of 2 passages need attention"


def test_a_sentence_left_empty_is_flagged():
    from translate_tool.article import Block, BlockKind, Sentence

    block = Block(BlockKind.PARAGRAPH, "قال أحمد. ثم ذهب. وعاد إلى البيت.")
    block.sentences = [
        Sentence("قال أحمد.", "Ahmed said."),
        Sentence("ثم ذهب.", ""),
        Sentence("وعاد إلى البيت.", "He came home."),
    ]
    block.target = "Ahmed said. He came home."
    flags = check_block(block)
    assert [f.message for f in flags] == ["no English for sentence 2 of 3"]
    block.sentences[1].target = "Then he left."
    block.target = "Ahmed said. Then he left. He came home."
    assert not [f for f in check_block(block) if f.check == "empty"]


def test_summary_line_for_a_single_passage():
    block = Block(BlockKind.PARAGRAPH, LONG_AR, target=LONG_EN)
    assert summary_line([Article([block])]) == "the passage was not flagged"
    block.flags = [Flag("numbers", "x")]
    assert summary_line([Article([block])]) == "1 of 1 passage needs attention"


# --- reading a number token (found by mutation testing: these branches were never decided) -------


@pytest.mark.parametrize(
    ("token", "readings", "groups"),
    [
        ("7", ["7"], ["7"]),
        ("1,000", ["1000", "1"], ["1", "0"]),  # thousands, or a decimal comma
        ("123,456", ["123456", "123.456"], ["123", "456"]),  # a first group of three still groups
        ("3٫5", ["3.5"], ["3", "5"]),  # the Arabic decimal separator
        ("1٫234", ["1.234"], ["1", "234"]),  # ...is never a thousands separator
        ("1 000 000", ["1000000"], ["1", "0", "0"]),  # a space groups, never divides
        ("1,23", ["1.23"], ["1", "23"]),  # two digits after the comma: only a decimal
        ("1234,567", ["1234.567"], ["1234", "567"]),  # four digits before it: only a decimal
        ("1,234.5", ["1234.5"], ["1", "234", "5"]),  # grouped, then a decimal point
        ("123,456.5", ["123456.5"], ["123", "456", "5"]),
        ("1234,567.5", [], ["1234", "567", "5"]),  # a badly grouped head reads as nothing whole
        ("1,23,456.5", [], ["1", "23", "456", "5"]),
        ("1,234,5", [], ["1", "234", "5"]),  # the decimal separator cannot also group the head
        ("1234.567,5", [], ["1234", "567", "5"]),
        ("1.234,567,5", [], ["1", "234", "567", "5"]),  # two kinds of separator in the head
    ],
)
def test_number_token_readings(token, readings, groups):
    from translate_tool.checks import _readings

    assert _readings(token) == (readings, groups)


# --- boundaries and branches found by mutation testing ------------------------------------------


def test_run_checks_uses_the_glossary_it_is_given():
    glossary = Glossary.from_pairs([("أذربيجان", "Azerbaijan")])
    block = Block(
        BlockKind.PARAGRAPH, "قالت أذربيجان إن القتال توقف في المنطقة", target="The fighting stopped."
    )
    run_checks([Article([block])], glossary)
    assert [f.check for f in block.flags] == ["glossary"]


def _sentences(*targets: str, origin: Origin = Origin.MACHINE) -> Block:
    sources = ["قال أحمد.", "ثم ذهب.", "وعاد إلى البيت."][: len(targets)]
    block = Block(BlockKind.PARAGRAPH, " ".join(sources), origin=origin)
    block.sentences = [Sentence(s, t) for s, t in zip(sources, targets, strict=True)]
    block.target = " ".join(t for t in targets if t)
    return block


def test_empty_sentences_are_named_from_two_sentences_on_for_machine_text_only():
    assert [(f.check, f.message) for f in check_block(_sentences("Ahmed said.", ""))] == [
        ("empty", "no English for sentence 2 of 2")
    ]
    assert [(f.check, f.message) for f in check_block(_sentences("", "Then he left.", ""))] == [
        ("empty", "no English for sentence 1, 3 of 3")
    ]
    # English reused from the memory was whole when it was stored: its sentences are not judged
    assert not [
        f for f in check_block(_sentences("Ahmed said.", "", origin=Origin.MEMORY)) if f.check == "empty"
    ]


@pytest.mark.parametrize(
    ("arabic", "value"), [("٣ آلاف", "3000"), ("٢ ألف", "2000"), ("٤ ملايين", "4000000")]
)
def test_arabic_scale_words_with_hamza_or_madda_scale_the_number(arabic, value):
    from translate_tool.checks import source_numbers

    ((_, options),) = source_numbers(arabic)
    assert frozenset({value}) in options


def test_arabic_left_in_the_english_counts_words():
    from translate_tool.checks import check_arabic

    assert check_arabic("The minister said قال today").message == "Arabic text left in the English (1 word)"
    assert check_arabic("He said قال الوزير today").message == "Arabic text left in the English (2 words)"


def test_length_check_boundaries():
    from translate_tool.checks import check_length

    source = "ب" * 20  # exactly LENGTH_MIN_SOURCE_CHARS: judged
    assert check_length(source, "x" * 7) is not None  # 0.35x
    assert check_length(source, "x" * 8) is None  # 0.4x exactly: still in the band
    assert check_length(source, "x" * 60) is None  # 3.0x exactly: still in the band
    assert check_length(source, "x" * 61) is not None
    assert check_length("ب" * 19, "x") is None  # shorter sources are not judged


def test_longest_run_finds_four_grams_only_and_keeps_the_first_of_equal_runs():
    from translate_tool.checks import longest_run

    assert longest_run(list("abcd" * 3)) == (("a", "b", "c", "d"), 3)
    assert longest_run(list("abcde" * 3)) is None  # five-grams are not looked for
    assert longest_run(list("aaabbb")) == (("a",), 3)


def _distinct(n: int) -> list[str]:
    return [f"word{i}" for i in range(n)]


def test_dominant_ngram_boundaries():
    from translate_tool.checks import dominant_ngram

    # ten tokens (SHARE_MIN_TOKENS), four times (SHARE_MIN_COUNT) making 40% (SHARE_LIMIT): found,
    # though a stop word is more frequent still
    assert dominant_ngram(["the"] * 5 + ["attack"] * 4 + ["x"]) == (("attack",), 0.4)
    assert dominant_ngram(["attack"] * 4 + _distinct(16)) is None  # four times is not enough at 20%
    # a three-gram whose words alone are not dominant
    gram = ["red", "blue", "green"]
    tokens = [w for i in range(4) for w in [*gram, *_distinct(18)[i * 4 : i * 4 + 4]]] + _distinct(18)[16:]
    assert len(tokens) == 30 and dominant_ngram(tokens) == (tuple(gram), 0.4)
    five = ["a", "b", "c", "d", "e"]
    assert dominant_ngram(five * 4 + _distinct(30)) is None  # five-grams are not looked for


def test_repetition_message_names_a_dominant_multi_word_phrase():
    from translate_tool.checks import check_repetition

    filler = iter(_distinct(18))
    words = []
    for _ in range(4):
        words += ["red", "blue", "green", next(filler), next(filler), next(filler)]
    words += list(filler)
    flag = check_repetition(" ".join(words))
    assert flag.message == '"red blue green" makes up 40% of the English'


def test_confidence_boundaries():
    # exactly CONFIDENCE_MIN_BLOCKS scored passages are enough
    assert confidence_flags(document([*SPREAD[:7], -1.2])) == [7]
    # a passage of exactly CONFIDENCE_MIN_WORDS Arabic words is scored
    article = document([*SPREAD, -1.2])
    article.blocks[-1].source = "قتل ستة أشخاص"
    assert confidence_flags(article) == [len(SPREAD)]
    # ten passages: the bottom decile is the single lowest, though two are outliers
    assert confidence_flags(document([*SPREAD[:8], -1.3, -1.2])) == [8]


def test_confidence_threshold_is_two_robust_standard_deviations():
    # median -0.5, median absolute deviation 0.1: a robust standard deviation of 0.148 and a
    # threshold 0.297 below the median. -0.9 is below it; so is a passage 0.3 below (-0.8).
    base = [-0.3, -0.4, -0.4, -0.5, -0.5, -0.5, -0.5, -0.6, -0.6, -0.7]
    assert confidence_flags(document([*base, -0.8])) == [len(base)]
    # a score exactly at the threshold is not below it
    uniform = [-0.5] * 10
    assert confidence_flags(document([*uniform, -0.5 - 0.2])) == []
    assert confidence_flags(document([*uniform, -0.5 - 0.2 - 1e-9])) == [len(uniform)]


def test_empty_check_falls_back_without_translate_toolkit(monkeypatch):
    from translate_tool import checks

    monkeypatch.setattr(checks, "_toolkit", lambda: None)  # as without translate-toolkit installed
    assert checks.check_empty("قال الوزير", "  ") is not None
    assert checks.check_empty("قال الوزير", "The minister said") is None


def test_a_valid_double_does_not_hide_a_doubled_word_later():
    from translate_tool.checks import check_repetition

    flag = check_repetition("He said that that was wrong. The the report came out today.")
    assert flag.message == 'the word "the" is doubled'


def test_spliced_message_names_every_dropped_term():
    from translate_tool.checks import check_spliced

    block = _sentences("Azerbaijan said.", "Karabakh and Armenia.")
    block.sentences[0].terms, block.sentences[0].spliced = ["Azerbaijan"], True
    block.sentences[1].terms, block.sentences[1].spliced = ["Karabakh", "Armenia"], True
    assert check_spliced(block).message == (
        "the model dropped Azerbaijan, Karabakh, Armenia: translated in pieces around them"
    )
    block.sentences[1].spliced = False
    assert check_spliced(block).message == "the model dropped Azerbaijan: translated in pieces around it"


def test_english_number_words_with_scales():
    from translate_tool.checks import target_numbers

    assert {"6", "6000000"} <= target_numbers("six million people")
    assert "5000000" in target_numbers("five million")  # the scale is the last word
    assert {"25", "25000000"} <= target_numbers("twenty-five million were displaced")
    assert "25" in target_numbers("twenty-five")
    assert "25000000" in target_numbers("twenty-five million")  # the scale is the last word
    assert "21" in target_numbers("twenty-one")
    assert "30" not in target_numbers("twenty ten")
    assert {"3.5", "3", "5"} <= target_numbers("3,5")  # a decimal comma, or two numbers


def test_numbers_after_a_date_are_still_read():
    from translate_tool.checks import source_numbers

    assert [shown for shown, _ in source_numbers("قتل 6 في 25/5/2024 و 7 جرحى")] == ["6", "7", "25/5/2024"]
    assert [shown for shown, _ in source_numbers("1234,567.5")] == ["1234,567.5"]  # no whole reading


def test_two_numbers_written_with_a_comma_may_be_two_numbers_in_english():
    from translate_tool.checks import missing_numbers

    assert missing_numbers("الفصلان 1,5", "chapters 1 and 5") == []


@pytest.mark.parametrize(
    ("date", "options"),
    [
        ("13/1/2024", [{"13", "1", "2024"}, {"13", "month:1", "2024"}]),
        ("13/12/2024", [{"13", "12", "2024"}, {"13", "month:12", "2024"}]),
        ("12/13/2024", [{"12", "13", "2024"}, {"month:12", "13", "2024"}]),  # year/month/day the other way
        ("1/13/2024", [{"1", "13", "2024"}, {"month:1", "13", "2024"}]),
        ("13/13/2024", [{"13", "2024"}]),  # no month either way
    ],
)
def test_numeric_date_readings(date, options):
    from translate_tool.checks import source_numbers

    assert source_numbers(date) == [(date, [frozenset(o) for o in options])]


def test_repetition_is_judged_per_sentence_when_the_sentences_are_known():
    # the model ended one sentence without a full stop: "home home" is only across the boundary
    block = _sentences("He went home", "Home was far away.")
    assert not [f for f in check_block(block) if f.check == "repetition"]


def test_glossary_message_names_every_missing_term():
    from translate_tool.checks import check_glossary

    glossary = Glossary.from_pairs([("أذربيجان", "Azerbaijan"), ("أرمينيا", "Armenia")])
    flag = check_glossary("دعت أذربيجان أرمينيا إلى الحوار", "They called for talks.", glossary)
    assert flag.message == "glossary: Azerbaijan, Armenia missing"
