"""The engine's decode-length bound (normal output untouched, a looping model stopped early) and its calls of one batch each."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from translate_tool.engine import ArgosTranslator, DecodeSettings, LocalDecoder, one_batch_calls
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


# --- calls of one batch each: a stop signal waits for one batch, not for 128 sentences --------


def _ctranslate2_batches(lengths: list[int], max_tokens: int) -> list[int]:
    """Batch sizes as CTranslate2's rebatch_input forms them (longest first, padding counted)."""
    sizes, count, longest = [], 0, 0
    for length in lengths:
        grown = max(longest, length)
        if count and (count + 1) * grown > max_tokens:
            sizes.append(count)
            count, grown = 0, length
        count, longest = count + 1, grown
    return sizes + [count] if count else sizes


@given(
    lengths=st.lists(st.integers(0, 200), max_size=300).map(lambda xs: sorted(xs, reverse=True)),
    max_sentences=st.integers(1, 200),
    max_tokens=st.sampled_from([None, 1, 64, 1024]),
)
def test_calls_are_whole_batches_of_ctranslate2_in_order(lengths, max_sentences, max_tokens):
    calls = one_batch_calls(lengths, max_sentences, max_tokens)
    assert [i for call in calls for i in call] == list(range(len(lengths)))
    assert all(0 < len(call) <= max_sentences for call in calls)
    if max_tokens is not None:
        if max_sentences >= len(lengths):  # no sentence cap in the way: exactly CTranslate2's batches
            assert [len(call) for call in calls] == _ctranslate2_batches(lengths, max_tokens)
        for call in calls:  # so CTranslate2 never cuts a call again
            assert _ctranslate2_batches([lengths[i] for i in call], max_tokens) == [len(call)]


class CountingDecoder(LocalDecoder):
    """The real decoder, recording the token lengths of each translate_batch call."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls: list[list[int]] = []

    def decode_batch(self, batch, options):
        self.calls.append([len(tokens) for tokens in batch])
        return super().decode_batch(batch, options)


def test_each_translate_batch_call_is_one_batch(synthetic_model, tmp_path, seed_path):
    package = open_model(synthetic_model, tmp_path / "model")
    sentences = _seed_sentences(seed_path) * 4
    settings = DecodeSettings(max_batch_size=256)  # several batches from four seeds
    decoder = CountingDecoder(package.model_dir, settings.threads)
    results = ArgosTranslator(package, settings, decoder=decoder).translate(sentences)
    assert len(results) == len(sentences) and all(h.tokens for h in results)
    everything = sorted((n for call in decoder.calls for n in call), reverse=True)
    assert len(everything) == len(sentences)  # every sentence decoded once, in one call
    assert [len(call) for call in decoder.calls] == _ctranslate2_batches(everything, 256)
    assert len(decoder.calls) > 4
    for call in decoder.calls:
        assert call == sorted(call, reverse=True) and len(call) * call[0] <= 256
