"""Batched CTranslate2 translation with an Argos package's own tokenizer and target prefix.

argostranslate's `translate()` calls the decoder once per paragraph, so each call sees one
to three sentences. Here every sentence of every article in the run goes through one model,
sorted by length and decoded in full batches: the same model and decoding settings, fewer and
fuller batches. See BENCHMARKS.md for the measured difference.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .errors import ModelError
from .packages import Package
from .segment import split_long

log = logging.getLogger(__name__)

Progress = Callable[[int], None]  # called with the number of sentences just finished


@dataclass(frozen=True)
class DecodeSettings:
    """Decoding parameters; the defaults are argostranslate's, so output quality matches it."""

    beam_size: int = 4
    length_penalty: float = 0.2
    # Batches are capped in tokens, not sentences: as fast as 32 sentences per batch on the seed
    # (BENCHMARKS.md), but the decoder's memory no longer grows with how long the longest
    # sentences of a run happen to be (531 -> 401 MB peak on ten seed articles).
    max_batch_size: int = 1024
    batch_type: str = "tokens"
    # Each translate_batch call is one batch, formed as CTranslate2 would (longest first, count x
    # longest <= max_batch_size tokens), and at most this many sentences: the same batches as
    # one big call, but a stop signal (handled between calls) waits for one batch, not for
    # 128 sentences, and the progress bar moves batch by batch.
    sentences_per_call: int = 128
    threads: int = 0  # CTranslate2 intra_threads; 0 lets it use every core
    # Real Argos models were trained on sentences well under this; longer input is cut into
    # pieces at word starts (never truncated) and the translations are joined again.
    max_input_tokens: int = 200
    max_decoding_length: int = 256
    # Each batch may decode at most factor x its longest source + extra tokens (and never more
    # than max_decoding_length): an English sentence is about as long as its Arabic (ratio
    # 1.0 on the seed), so real output never meets the bound, but a model caught in a loop
    # stops there instead of running every short sentence out to 256 tokens.
    decoding_length_factor: float | None = 2.0  # None: only max_decoding_length bounds it
    decoding_length_extra: int = 10


@dataclass
class Hypothesis:
    text: str
    score: float  # mean log-probability per target token
    tokens: int
    pieces: int = 1


class Translator(Protocol):
    """Anything that turns Arabic sentences into English ones, in order."""

    label: str

    def translate(self, sentences: Sequence[str], progress: Progress | None = None) -> list[Hypothesis]: ...


def load_tokenizer(package: Package):
    """The package's own tokenizer, through argostranslate's tokenizer classes."""
    from argostranslate.tokenizer import BPETokenizer, SentencePieceTokenizer

    sp_model = package.path / "sentencepiece.model"
    if sp_model.exists():
        return SentencePieceTokenizer(sp_model)
    return BPETokenizer(package.path / "bpe.model", package.from_code, package.to_code)


def one_batch_calls(lengths: Sequence[int], max_sentences: int, max_tokens: int | None) -> list[range]:
    """Cut sentences of these token `lengths` (longest first) into calls of one batch each.

    CTranslate2 fills a batch while (examples + 1) x its longest stays within max_batch_size
    tokens (batch_reader.cc: padding counted), so a call cut the same way is not split again:
    the batches decoded are those of one call over everything. A call also holds at most
    `max_sentences`. Each range gives positions in `lengths`.
    """
    calls: list[range] = []
    start = 0
    for end in range(1, len(lengths) + 1):
        if end == len(lengths):
            calls.append(range(start, end))
            break
        size = end - start + 1  # the call with the next sentence in it
        if size > max_sentences or (max_tokens is not None and size * lengths[start] > max_tokens):
            calls.append(range(start, end))
            start = end
    return calls


class LocalDecoder:
    """A CTranslate2 Translator on this machine: turns batches of tokens into (tokens, score).

    The cluster decoder (cluster.py) has the same `decode` method, so `ArgosTranslator` does the
    tokenizing, length sorting and joining once, whichever machine decodes.
    """

    def __init__(self, model_dir: Path, threads: int = 0):
        import ctranslate2

        try:
            self.model = ctranslate2.Translator(
                str(model_dir), device="cpu", inter_threads=1, intra_threads=threads
            )
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"cannot load the model in {model_dir}: {exc}") from None

    def decode_batch(self, batch: list[list[str]], options: dict) -> list[tuple[list[str], float]]:
        """The best hypothesis and its score for each token list of one batch."""
        options = dict(options)
        prefix = options.pop("target_prefix", "")
        factor, extra = options.pop("length_bound", (None, 0))
        if factor is not None:
            longest = max(len(tokens) for tokens in batch) + (1 if prefix else 0)
            options["max_decoding_length"] = min(
                options.get("max_decoding_length", 256), int(factor * longest) + extra
            )
        try:
            results = self.model.translate_batch(
                batch, target_prefix=[[prefix]] * len(batch) if prefix else None, **options
            )
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"the model failed while translating: {exc}") from None
        return [(list(r.hypotheses[0]), float(r.scores[0])) for r in results]

    def decode(
        self, batches: Iterable[list[list[str]]], options: dict
    ) -> Iterator[list[tuple[list[str], float]]]:
        """Each batch's results, in order; an empty batch gives an empty list."""
        for batch in batches:
            yield self.decode_batch(batch, options) if batch else []


class ArgosTranslator:
    """The run's sentences through one decoder: tokenized, length-sorted, batched, joined again."""

    def __init__(self, package: Package, settings: DecodeSettings | None = None, decoder=None):
        self.package = package
        self.settings = settings or DecodeSettings()
        self.label = package.label
        self.tokenizer = load_tokenizer(package)
        try:
            self.tokenizer.encode("")  # argostranslate's tokenizers load lazily: fail here, clearly
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelError(f"cannot load the tokenizer of {package.path}: {exc}") from None
        self.decoder = (
            decoder if decoder is not None else LocalDecoder(package.model_dir, self.settings.threads)
        )

    def translate(self, sentences: Sequence[str], progress: Progress | None = None) -> list[Hypothesis]:
        limit = self.settings.max_input_tokens
        pieces: list[list[str]] = []
        owner: list[int] = []  # pieces[i] belongs to sentences[owner[i]]
        for index, sentence in enumerate(sentences):
            tokens = self.tokenizer.encode(sentence)
            parts = split_long(tokens, limit) if tokens else [[]]
            if len(parts) > 1:
                log.info(
                    "sentence %d has %d tokens: translated in %d pieces", index + 1, len(tokens), len(parts)
                )
            pieces.extend(parts)
            owner.extend([index] * len(parts))

        outputs = self._decode(pieces, owner, progress)
        grouped: list[list[tuple[str, float, int]]] = [[] for _ in sentences]
        for index, output in zip(owner, outputs, strict=True):
            grouped[index].append(output)
        results: list[Hypothesis] = []
        for mine in grouped:
            tokens = sum(t for _, _, t in mine)
            results.append(
                Hypothesis(
                    text=" ".join(text for text, _, _ in mine if text),
                    score=sum(s for _, s, _ in mine) / max(tokens, 1),
                    tokens=tokens,
                    pieces=len(mine),
                )
            )
        return results

    def _decode(
        self, pieces: list[list[str]], owner: list[int], progress: Progress | None
    ) -> list[tuple[str, float, int]]:
        """Decode all pieces, longest first in full batches; return (text, log-prob, tokens) each."""
        s = self.settings
        options = dict(
            target_prefix=self.package.target_prefix,
            beam_size=s.beam_size,
            length_penalty=s.length_penalty,
            max_batch_size=s.max_batch_size,
            batch_type=s.batch_type,
            max_decoding_length=s.max_decoding_length,
            length_bound=(s.decoding_length_factor, s.decoding_length_extra),
            replace_unknowns=True,
            return_scores=True,
        )
        order = sorted(range(len(pieces)), key=lambda i: len(pieces[i]), reverse=True)
        tokens_cap = s.max_batch_size if s.batch_type == "tokens" else None
        cuts = one_batch_calls([len(pieces[i]) for i in order], s.sentences_per_call, tokens_cap)
        calls = [[order[k] for k in cut] for cut in cuts]
        todos = [[i for i in call if pieces[i]] for call in calls]
        batches = ([pieces[i] for i in todo] for todo in todos)
        outputs: list[tuple[str, float, int]] = [("", 0.0, 0)] * len(pieces)
        remaining = Counter(owner)
        for call, todo, results in zip(calls, todos, self.decoder.decode(batches, options), strict=True):
            for i, (tokens, score) in zip(todo, results, strict=True):
                outputs[i] = self._finish(tokens, score)
            if progress:
                finished = 0
                for i in call:
                    remaining[owner[i]] -= 1
                    finished += remaining[owner[i]] == 0
                progress(finished)
        return outputs

    def _finish(self, tokens: list[str], score: float) -> tuple[str, float, int]:
        prefix = self.package.target_prefix
        text = self.tokenizer.decode(tokens)
        if prefix and text.startswith(prefix):
            text = text[len(prefix) :]
        n = max(len(tokens), 1)
        # CTranslate2 reports log-probability / length ** length_penalty (checked against
        # score_batch); undo it so the score is a plain mean per token, whatever the settings.
        logprob = score * (n**self.settings.length_penalty)
        return text.strip(), logprob, n
