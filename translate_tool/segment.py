"""Offline, Arabic-aware sentence splitting.

Built on sentencex (rule-based, no model, no network). Measured on the seed article it keeps
the Arabic comma and colon inside sentences, where pysbd splits on them (80 pieces for 31
paragraphs against sentencex's 34, most of pysbd's being clause fragments). sentencex does
not break on the Arabic semicolon or on an ellipsis, so those are handled here.

argostranslate's own splitter (MiniSBD) downloads a model on first use; it is never used.
"""

from __future__ import annotations

import re

# Boundaries sentencex leaves alone: "؛" and "…" (or "...") followed by a space and more text.
EXTRA_BOUNDARY = re.compile(r"(?<=[؛…])\s+(?=\S)|(?<=\.\.\.)\s+(?=\S)")
# One-letter abbreviations such as "د." (Dr) or "م." (eng.) must not end a sentence.
ABBREVIATION_END = re.compile(r"(?:^|\s)[\u0621-\u064A]\.\s*$")


def split_sentences(text: str) -> list[str]:
    """Split one paragraph into sentences; concatenating them gives back the words in order."""
    from sentencex import segment

    text = text.strip()
    if not text:
        return []
    pieces: list[str] = []
    for sentence in segment("ar", text):
        if pieces and ABBREVIATION_END.search(pieces[-1]):
            pieces[-1] = pieces[-1] + sentence
            continue
        pieces.append(sentence)
    sentences: list[str] = []
    for piece in pieces:
        sentences.extend(part.strip() for part in EXTRA_BOUNDARY.split(piece) if part.strip())
    return sentences


def split_long(tokens: list[str], limit: int) -> list[list[str]]:
    """Cut a token sequence longer than the model accepts into pieces of at most `limit` tokens.

    Prefer cutting just before a word start (sentencepiece marks it with "▁") in the last
    quarter of each window, so words stay whole; fall back to a hard cut. Nothing is dropped.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    pieces: list[list[str]] = []
    start = 0
    while len(tokens) - start > limit:
        end = start + limit
        cut = end
        for i in range(end, start + (3 * limit) // 4, -1):
            if tokens[i].startswith("▁"):
                cut = i
                break
        pieces.append(tokens[start:cut])
        start = cut
    pieces.append(tokens[start:])
    return pieces
