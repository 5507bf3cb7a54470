"""The translate stage: split blocks into sentences and fill in the English, in one batch.

Sentences of every article in the run go to the translator together, and the translator is
only created (the model only loaded) when at least one sentence still needs translating.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .article import Article, Block, BlockKind, Origin, Sentence
from .engine import Progress, Translator
from .segment import split_sentences


def segment_article(article: Article) -> Article:
    for block in article.blocks:
        if block.sentences:
            continue
        if block.kind is BlockKind.PARAGRAPH:
            block.sentences = [Sentence(s) for s in split_sentences(block.source)]
        else:
            block.sentences = [Sentence(block.source)]
    return article


def pending(articles: Sequence[Article]) -> list[Block]:
    """Blocks that still need a machine translation."""
    return [b for a in articles for b in a.blocks if not b.target and b.origin is Origin.MACHINE]


def count_pending_sentences(articles: Sequence[Article]) -> int:
    for article in articles:
        segment_article(article)
    return sum(len(b.sentences) for b in pending(articles))


def translate_articles(
    articles: Sequence[Article],
    make_translator: Callable[[], Translator],
    progress: Progress | None = None,
) -> Sequence[Article]:
    """Fill every pending block's English; the model is loaded only if there is work."""
    for article in articles:
        segment_article(article)
    blocks = pending(articles)
    sentences = [s for b in blocks for s in b.sentences]
    if not sentences:
        return articles
    translator = make_translator()
    hypotheses = translator.translate([s.source for s in sentences], progress)
    for sentence, hyp in zip(sentences, hypotheses, strict=True):
        sentence.target, sentence.score, sentence.tokens, sentence.pieces = hyp.text, hyp.score, hyp.tokens, hyp.pieces
    for block in blocks:
        block.target = " ".join(s.target for s in block.sentences if s.target)
        tokens = sum(s.tokens for s in block.sentences)
        block.score = sum((s.score or 0.0) * s.tokens for s in block.sentences) / tokens if tokens else None
    translated = {id(b) for b in blocks}
    for article in articles:
        if any(id(b) in translated for b in article.blocks):
            article.model = translator.label
    return articles
