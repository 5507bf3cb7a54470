"""The engine's decode-length bound: normal output untouched, a looping model stopped early."""

from __future__ import annotations

import dataclasses

import pytest

from translate_tool.engine import ArgosTranslator, DecodeSettings
from translate_tool.packages import open_model
from translate_tool.pipeline import pending
from translate_tool.readers import read_article

# issue 10's synthetic `looping=True` sets this very eos_bias: </s> is never chosen.
LOOPING_EOS_BIAS = -1.0e7


def _seed_sentences(seed_path) -> list[str]:
    return [s.source for b in pending([read_article(seed_path)]) for s in b.sentences]


def _tokens(translator, sentence: str) -> int:
    return len(translator.tokenizer.encode(sentence))


def test_normal_outputs_are_unchanged_by_the_bound(synthetic_model, tmp_path, seed_path):
    package = open_model(synthetic_model, tmp_path / "model")
    sentences = _seed_sentences(seed_path)
    bounded = ArgosTranslator(package).translate(sentences)
    unbounded_settings = dataclasses.replace(DecodeSettings(), decoding_length_factor=None)
    unbounded = ArgosTranslator(package, unbounded_settings).translate(sentences)
    assert [(h.text, h.tokens) for h in bounded] == [(h.text, h.tokens) for h in unbounded]
    assert [h.score for h in bounded] == pytest.approx([h.score for h in unbounded])


@pytest.fixture(scope="module")
def looping_model(tmp_path_factory, seed_path):
    from translate_tool.testing.synthetic import build_package

    out = tmp_path_factory.mktemp("looping") / "translate-ar_en-1_9.argosmodel"
    return build_package(out, seed_path.read_text(encoding="utf-8"), eos_bias=LOOPING_EOS_BIAS)


def test_a_looping_model_stops_at_twice_the_source_plus_ten(looping_model, tmp_path, seed_path):
    translator = ArgosTranslator(open_model(looping_model, tmp_path / "model"))
    short = [s for s in _seed_sentences(seed_path) if _tokens(translator, s) < 20][:4]
    assert short
    for sentence in short:  # one at a time: each is its own batch and gets its own bound
        (hyp,) = translator.translate([sentence])
        source = _tokens(translator, sentence)
        assert hyp.tokens <= 2 * (source + 1) + 10  # + 1: the target prefix, if any
        assert hyp.tokens < 256
    unbounded = dataclasses.replace(DecodeSettings(), decoding_length_factor=None)
    (looping,) = ArgosTranslator(translator.package, unbounded).translate(short[:1])
    assert looping.tokens >= 200  # without the bound the same model does run on
