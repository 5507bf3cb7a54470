"""The translate stage: split blocks into sentences and fill in the English, in one batch.

Sentences of every article in the run go to the translator together, and the translator is
only created (the model only loaded) when at least one sentence still needs translating.

With a glossary, each sentence goes to the model with its terms already in English
(`glossary.protect`). Sentences whose output still lacks a term's English are translated
again in pieces around the terms, all of them in one more call, and the required English is
spliced between the pieces: at most two translator calls per run, and every term appears.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from .article import Article, Block, BlockKind, Origin, Sentence
from .engine import Hypothesis, Progress, Translator
from .glossary import Glossary, TermMatch, missing_english, needs_translation, protect, splice, split_around
from .segment import split_sentences

log = logging.getLogger(__name__)


def segment(block: Block) -> Block:
    """Split a paragraph into sentences (once); titles, datelines and headings stay whole."""
    if not block.sentences:
        if block.kind is BlockKind.PARAGRAPH:
            block.sentences = [Sentence(s) for s in split_sentences(block.source)]
        else:
            block.sentences = [Sentence(block.source)]
    return block


def pending(articles: Sequence[Article]) -> list[Block]:
    """Blocks that still need a machine translation, split into sentences.

    Blocks already filled (from the memory) are not segmented: nothing will be translated.
    """
    return [segment(b) for a in articles for b in a.blocks if not b.target and b.origin is Origin.MACHINE]


def count_pending_sentences(articles: Sequence[Article]) -> int:
    return sum(len(b.sentences) for b in pending(articles))


def translate_articles(
    articles: Sequence[Article],
    make_translator: Callable[[], Translator],
    progress: Progress | None = None,
    glossary: Glossary | None = None,
) -> Sequence[Article]:
    """Fill every pending block's English; the model is loaded only if there is work.

    With a `glossary`, every term found in a sentence is guaranteed to appear in its English
    as the glossary spells it (see the module docstring); `Sentence.terms` lists them.
    """
    blocks = pending(articles)
    sentences = [s for b in blocks for s in b.sentences]
    if not sentences:
        return articles
    translator = make_translator()
    log.info("translating %d sentences", len(sentences))
    matches = [glossary.find(s.source) for s in sentences] if glossary else [[] for _ in sentences]
    inputs = [
        protect(s.source, found) if found else s.source for s, found in zip(sentences, matches, strict=True)
    ]
    hypotheses = translator.translate(inputs, progress)
    for sentence, hyp, found in zip(sentences, hypotheses, matches, strict=True):
        sentence.target, sentence.score = hyp.text, hyp.score
        sentence.tokens, sentence.pieces = hyp.tokens, hyp.pieces
        sentence.terms = list(dict.fromkeys(m.english for m in found))
    _splice_missing_terms(sentences, matches, translator)
    for block in blocks:
        block.target = " ".join(s.target for s in block.sentences if s.target)
        tokens = sum(s.tokens for s in block.sentences)
        block.score = sum((s.score or 0.0) * s.tokens for s in block.sentences) / tokens if tokens else None
    translated = {id(b) for b in blocks}
    for article in articles:
        if any(id(b) in translated for b in article.blocks):
            article.model = translator.label
    return articles


def _splice_missing_terms(
    sentences: Sequence[Sentence], matches: Sequence[list[TermMatch]], translator: Translator
) -> None:
    """Re-translate, in pieces around the terms, every sentence whose English lacks one of them.

    All pieces of all such sentences go to the translator in one call. No progress is
    reported for it: the progress bar counts sentences, and these were counted already.
    """
    todo = [
        (s, found)
        for s, found in zip(sentences, matches, strict=True)
        if found and missing_english(s.target, found)
    ]
    if not todo:
        return
    pieces = [split_around(s.source, found) for s, found in todo]
    queue = [piece for mine in pieces for piece in mine if needs_translation(piece)]
    results = translator.translate(queue, None) if queue else []
    if len(results) != len(queue):
        raise ValueError(f"the translator returned {len(results)} translations for {len(queue)} pieces")
    hypotheses = iter(results)
    for (sentence, found), mine in zip(todo, pieces, strict=True):
        done: list[Hypothesis] = [next(hypotheses) for piece in mine if needs_translation(piece)]
        english = iter(h.text for h in done)
        sentence.target = splice([next(english) if needs_translation(p) else p for p in mine], found)
        tokens = sum(h.tokens for h in done)
        sentence.score = sum(h.score * h.tokens for h in done) / tokens if tokens else None
        sentence.tokens = tokens
        sentence.pieces = max([h.pieces for h in done], default=1)
        sentence.spliced = bool(done)  # nothing translated: the glossary alone gave the English
