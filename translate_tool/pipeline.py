"""The translate stage: split blocks into sentences and fill in the English, in one batch.

Sentences of every article in the run go to the translator together, and the translator is
only created (the model only loaded) when at least one sentence still needs translating.

With a glossary, each sentence goes to the model with its terms already in English
(`glossary.protect`). Sentences whose output still lacks a term's English are translated
again in pieces around the terms, all of them in one more call, and the required English is
spliced between the pieces: at most two translator calls per run, and every term appears.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .article import Article, Block, BlockKind, Flag, Origin, Sentence, normalise_source
from .cluster import ClusterSpec
from .engine import Hypothesis, Progress, Translator
from .errors import InputError
from .glossary import Glossary, TermMatch, missing_english, needs_translation, protect, splice, split_around
from .segment import split_sentences
from .text import plural

if TYPE_CHECKING:
    from .memory import TranslationMemory

log = logging.getLogger(__name__)

# Called with (sentences to translate, a label) around the translate stage; yields the callback
# the translator reports finished sentences to. The CLI passes a progress bar.
ProgressFactory = Callable[[int, str], contextlib.AbstractContextManager[Progress]]


def no_progress(total: int, label: str) -> contextlib.AbstractContextManager[Progress]:
    return contextlib.nullcontext(lambda n: None)


CONFLICT_FLAG = (
    "reviewers disagree on this passage ({versions}); see `translate-tool tm history`"
)


@dataclass
class Applied:
    """How many blocks `apply_memory` filled: reviewer English, imported English, reused machine English."""

    reviewed: int = 0
    memory: int = 0
    imported: int = 0


def apply_memory(memory: TranslationMemory, articles: Iterable[Article], model_label: str | None) -> Applied:
    """Fill blocks that have no English yet from the memory; the precedence rules live here.

    - a reviewed entry always wins: the block gets it with origin REVIEWED;
    - an imported entry (another CAT tool's memory, `tm import`) comes next, whatever the
      model: origin IMPORTED;
    - a machine entry is reused (origin MEMORY, its score kept) only if it was made by
      `model_label`, so installing a different model retranslates machine text;
    - anything else is left empty for the translate stage;
    - a passage with an unresolved review conflict is flagged, so the reader sees it.

    `model_label` is the "package version" label of the model that *would* translate,
    found from the installed package's metadata (cheap) without loading the model, so
    an export whose every block is in the memory loads no model at all. Pass None when
    no model is installed: reviewed entries still apply, machine entries do not.
    """
    articles = list(articles)
    blocks = [block for article in articles for block in article.blocks]
    entries = memory.lookup(block.source for block in blocks if not block.target)
    applied = Applied()
    for article in articles:
        reused = False
        for block in article.blocks:
            entry = None if block.target else entries.get(normalise_source(block.source))
            if entry is None:
                continue
            if entry["origin"] == Origin.REVIEWED.value:
                block.target, block.score, block.origin = entry["target"], None, Origin.REVIEWED
                applied.reviewed += 1
            elif entry["origin"] == Origin.IMPORTED.value:
                block.target, block.score, block.origin = entry["target"], None, Origin.IMPORTED
                applied.imported += 1
            elif model_label and entry["model"] == model_label:
                block.target, block.score, block.origin = entry["target"], entry["score"], Origin.MEMORY
                applied.memory += 1
                reused = True
        if reused and not article.model:
            article.model = model_label or ""  # the model that made this machine text
    _flag_conflicts(memory, blocks)
    return applied


def _flag_conflicts(memory: TranslationMemory, blocks: list[Block]) -> None:
    from .memory_history import open_conflicts

    conflicts = open_conflicts(memory, (block.source for block in blocks))
    for block in blocks:
        pending = conflicts.get(normalise_source(block.source))
        if pending:
            n = len(pending)
            block.flags.append(Flag("conflict", CONFLICT_FLAG.format(versions=plural(n, "unresolved version"))))


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


def count_pending_sentences(articles: Sequence[Article], glossary: Glossary | None = None) -> int:
    """How many distinct sentences the translate stage will decode (what the progress bar counts)."""
    sentences = [s for b in pending(articles) for s in b.sentences]
    return len({normalise_source(text) for text in _model_inputs(sentences, glossary)[0]})


def _model_inputs(
    sentences: Sequence[Sentence], glossary: Glossary | None
) -> tuple[list[str], list[list[TermMatch]]]:
    """What goes to the model for each sentence (its terms already in English), and the terms."""
    matches = [glossary.find(s.source) for s in sentences] if glossary else [[] for _ in sentences]
    inputs = [
        protect(s.source, found) if found else s.source for s, found in zip(sentences, matches, strict=True)
    ]
    return inputs, matches


def translate_once(
    translator: Translator, texts: Sequence[str], progress: Progress | None = None
) -> list[Hypothesis]:
    """`translator.translate(texts)`, decoding each distinct text once.

    Texts are the same when their `normalise_source` forms are, the rule the translation memory
    keys on: an archive repeats bylines, boilerplate and quotes, and a repeated sentence costs
    a dictionary lookup instead of a decode. The translator (and `progress`) sees each once.
    """
    slot: dict[str, int] = {}
    unique: list[str] = []
    keys = []
    for text in texts:
        key = normalise_source(text)
        if key not in slot:
            slot[key] = len(unique)
            unique.append(text)
        keys.append(key)
    log.info("decoding %d distinct sentences of %d", len(unique), len(keys))
    results = translator.translate(unique, progress) if unique else []
    if len(results) != len(unique):
        raise ValueError(f"the translator returned {len(results)} translations for {len(unique)} sentences")
    return [results[slot[key]] for key in keys]


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
    inputs, matches = _model_inputs(sentences, glossary)
    hypotheses = translate_once(translator, inputs, progress)
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
    results = translate_once(translator, queue)
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


class _Labelled:
    """A caller's translator under the label its output is recorded with (glossary included)."""

    def __init__(self, inner: Translator, label: str):
        self.inner, self.label = inner, label

    def translate(self, sentences: Sequence[str], progress: Progress | None = None) -> list[Hypothesis]:
        return self.inner.translate(sentences, progress)


class ModelRef:
    """The model named by the caller (or the installed one), loaded only on first use.

    Its label ("package version") is read from metadata alone, so the translation memory can
    be consulted without loading, or even having, a model. A caller may pass a ready
    `translator` instead (any object with `label` and `translate(sentences, progress)`, such
    as a cluster translator); then no model file is opened here at all.
    """

    def __init__(
        self,
        path: Path | None,
        beam_size: int,
        stack: contextlib.ExitStack,
        glossary: Glossary | None = None,
        translator: Translator | None = None,
        cluster: ClusterSpec | None = None,
    ):
        self.path, self.beam_size, self.stack, self.glossary = path, beam_size, stack, glossary
        self.given = translator
        self.cluster = cluster  # decode on Dask workers instead of in this process
        # The glossary changes the machine text, so it is part of what made it.
        self.suffix = f" + glossary {glossary.fingerprint()}" if glossary else ""
        self.translator: Translator | None = None

    @functools.cached_property
    def installed(self):
        """The installed ar->en package (metadata only), or None; looked up once per run."""
        from .errors import ModelError
        from .packages import find_installed

        try:
            return find_installed("ar", "en")
        except ModelError:
            return None

    def label(self) -> str | None:
        from .packages import peek

        if self.given is not None:
            return self.given.label + self.suffix
        if self.path is not None:
            return peek(self.path).label + self.suffix
        return self.installed.label + self.suffix if self.installed else None

    def load(self) -> Translator:
        if self.given is not None:
            self.translator = _Labelled(self.given, self.given.label + self.suffix)
            return self.translator
        from .engine import ArgosTranslator, DecodeSettings
        from .packages import find_installed, open_model

        if self.path is None:
            package = self.installed or find_installed("ar", "en")  # raises, naming the install commands
        else:
            package = open_model(self.path)  # a package file is unpacked once, into the model cache
            if (package.from_code, package.to_code) != ("ar", "en"):
                raise InputError(
                    f"{self.path}: translates {package.from_code}->{package.to_code}, not ar->en"
                )
        settings = DecodeSettings(beam_size=self.beam_size)
        if self.cluster is not None:
            decoder = self.cluster.open(self.stack, self.path or package.path)
            translator = ArgosTranslator(package, settings, decoder=decoder)
        else:
            log.info("loading model %s from %s", package.label, package.path)
            translator = ArgosTranslator(package, settings)
        translator.label += self.suffix
        self.translator = translator
        return translator


def translate_and_check(
    articles: Sequence[Article],
    model: ModelRef,
    tm_path: Path | None,
    progress: ProgressFactory = no_progress,
    keep: Callable[[Article], bool] | None = None,
) -> tuple[list[Article], Path | None]:
    """Memory first (reviewed, then same-model machine text), the model for the rest; then QA.

    `keep`, asked after the memory has filled what it can, leaves out of translation an article
    it returns False for (one whose documents are up to date); every article is still checked.
    Returns the articles translated (all of them without `keep`) and the pending journal's path
    when the memory was too busy to take the new machine text (see `journal.py`), else None.
    """
    from .checks import run_checks

    memory = None
    if tm_path is not None:
        from .memory import TranslationMemory

        memory = model.stack.enter_context(TranslationMemory(tm_path))
        store_pending(memory)
        applied = apply_memory(memory, articles, model.label())
        log.info("translation memory: %d reviewed, %d reused", applied.reviewed, applied.memory)
    todo = [a for a in articles if keep(a)] if keep is not None else list(articles)
    total = count_pending_sentences(todo, model.glossary)
    label = f"Translating {plural(len(todo), 'article')}, sentences"
    with progress(total, label) as update:
        translate_articles(todo, model.load, update, glossary=model.glossary)
    pending = None
    if memory is not None and model.translator is not None:
        pending = record_or_set_aside(memory, todo, model.translator.label)
    run_checks(articles, model.glossary)
    return todo, pending


def record_or_set_aside(memory: TranslationMemory, articles: Sequence[Article], label: str) -> Path | None:
    """Store the new machine text; when the memory stays busy, keep it in the pending journal.

    Returns the journal's path when rows were set aside (the caller still writes its documents
    and then says so), else None.
    """
    from .journal import set_aside
    from .memory import MemoryBusy

    rows = memory.machine_rows(articles, label)
    try:
        memory.store_machine_rows(rows)
    except MemoryBusy:
        path = set_aside(memory.path, rows)
        log.info("translation memory busy: %d entries kept in %s", len(rows), path)
        return path
    return None


def store_pending(memory: TranslationMemory) -> int:
    """Store what earlier runs left in the pending journal; leave it there if the memory is busy."""
    from .journal import claims, read_claim
    from .memory import MemoryBusy

    stored = 0
    for claim in claims(memory.path):
        try:
            stored += memory.store_machine_rows(read_claim(claim))
        except MemoryBusy:
            log.warning("translation memory busy: %s waits for the next run", claim)
            return stored
        claim.unlink(missing_ok=True)
    return stored
