from pathlib import Path

import pytest

from translate_tool.readers import read_article
from translate_tool.segment import split_long, split_sentences

SEED = next((Path(__file__).parent.parent / "seeds").glob("*.txt"))


@pytest.mark.parametrize(
    "text,expected",
    [
        ("هل جاء؟ نعم جاء.", ["هل جاء؟", "نعم جاء."]),
        ("انتظر! ثم ذهب.", ["انتظر!", "ثم ذهب."]),
        ("الأول؛ الثاني.", ["الأول؛", "الثاني."]),
        ("انتظر… ثم ذهب.", ["انتظر…", "ثم ذهب."]),
        ("قال «انتهى الأمر.» ثم ذهب.", ["قال «انتهى الأمر.»", "ثم ذهب."]),
        ('قال "انتهى الأمر." ثم ذهب.', ['قال "انتهى الأمر."', "ثم ذهب."]),
        ("نسبة 3.5% من السكان. ثم عاد.", ["نسبة 3.5% من السكان.", "ثم عاد."]),
        ("قال د. أحمد إن ذلك صحيح.", ["قال د. أحمد إن ذلك صحيح."]),
        (
            "أعلنت أذربيجان، اليوم الثلاثاء، عن إطلاق عملية.",
            ["أعلنت أذربيجان، اليوم الثلاثاء، عن إطلاق عملية."],
        ),
    ],
)
def test_split(text, expected):
    assert split_sentences(text) == expected


def test_seed_keeps_every_word():
    for block in read_article(SEED).paragraphs:
        assert " ".join(split_sentences(block.source)).split() == block.source.split()


def test_split_long_keeps_every_token_and_respects_limit():
    tokens = [("▁" if i % 3 == 0 else "") + f"t{i}" for i in range(1000)]
    pieces = split_long(tokens, 64)
    assert [t for piece in pieces for t in piece] == tokens
    assert all(len(p) <= 64 for p in pieces)
    assert all(p[0].startswith("▁") for p in pieces)


def test_split_long_hard_cut_without_word_starts():
    tokens = [f"x{i}" for i in range(130)]
    assert [len(p) for p in split_long(tokens, 50)] == [50, 50, 30]
