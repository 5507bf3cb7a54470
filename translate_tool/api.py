"""The public API: the export job and the translate job as functions scripts and notebooks call.

Inputs and options go in; documents and a report come out. The command line is a thin wrapper
around these functions, so what the CLI does, a script can do the same way:

    from translate_tool.api import ExportOptions, export

    result = export(["inbox/"], ExportOptions(out_dir="briefings", formats=("docx",)))
    print(result.summary, *result.documents, sep="\\n")

The `tm` commands have theirs too: `memory_stats`, `export_memory`, `import_tmx`,
`post_edit_report`, `passage_history` and `resolve_conflict` each open the memory, do one job
and close it (`find_passage` names a passage by its Arabic or a briefing's row); `review import`
is `import_review` and `review_report`.

Failures are `translate_tool.errors.TranslateToolError` subclasses with a one-line message.
The translator is injectable: pass any object with a `label` and
`translate(sentences, progress) -> list[Hypothesis]` (see `engine.Translator`), for example a
translator that runs on a cluster, and no model file is opened.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from . import stamps
from .article import Article
from .briefing import output_stem
from .cluster import ClusterSpec
from .engine import Translator
from .errors import InputError
from .glossary import Glossary
from .pipeline import ModelRef, ProgressFactory, no_progress, translate_and_check

if TYPE_CHECKING:
    from .memory import TranslationMemory
    from .memory_history import HistoryEntry, ReviewCounts
    from .metrics import PostEdit
    from .review import ReviewResult
    from .tmx import ImportCounts, TmxContents

DEFAULT_FORMATS = ("docx", "md")


@dataclass(frozen=True)
class TranslateOptions:
    """What every translating job takes; the defaults are the CLI's."""

    model: Path | None = None  # an .argosmodel file or package folder; None: the installed ar->en
    beam_size: int = 4
    force: bool = False  # translate files without Arabic; export: replace documents open in Word/LibreOffice
    use_memory: bool = True  # False: translate everything and record nothing (--no-tm)
    tm_path: Path | None = None  # None: $TRANSLATE_TOOL_TM, else the user data folder
    glossary_files: Sequence[Path] = ()  # read after the user's default glossary, if it exists
    cluster: str | None = None  # decode on the Dask scheduler at this address (tcp://HOST:8786)
    workers: int | None = None  # decode on a local Dask cluster of this many worker processes

    def decoding(self) -> ClusterSpec | None:
        """Where decoding runs: None for this process, else the checked cluster to use."""
        if self.cluster is None and self.workers is None:
            return None
        if self.cluster is not None and self.workers is not None:
            raise InputError("give --cluster or --workers, not both")
        spec = ClusterSpec(address=self.cluster, workers=self.workers)
        spec.check()
        return spec

    def memory_path(self) -> Path | None:
        from .memory import default_tm_path

        return (Path(self.tm_path) if self.tm_path else default_tm_path()) if self.use_memory else None

    def glossary(self) -> Glossary | None:
        """The user's default glossary (if present), then each glossary file; None if none."""
        from .glossary import default_glossary_path, load_glossary

        default = default_glossary_path()
        paths = ([default] if default.is_file() else []) + [Path(p) for p in self.glossary_files]
        return load_glossary(paths) if paths else None


@dataclass(frozen=True)
class ExportOptions(TranslateOptions):
    out_dir: Path = Path("exports")
    formats: Sequence[str] = DEFAULT_FORMATS
    combine: str | None = None  # one briefing OUT_DIR/NAME.* with a section per article
    # Without --combine, an article found in an input folder whose documents carry the build
    # stamp it would get now (stamps.py, `_Builds`) is skipped, unless `rebuild`.
    rebuild: bool = False


@dataclass
class ExportResult:
    documents: list[Path]  # every file written, in the order written
    articles: list[Article]  # every input article, checked, with its flags (up-to-date ones too)
    flagged: int  # passages with at least one QA flag
    summary: str  # "4 of 39 passages need attention"
    pending: Path | None = None  # the journal holding machine text the busy memory could not take
    up_to_date: list[Path] = field(default_factory=list)  # inputs skipped: documents up to date


# --- models ----------------------------------------------------------------------------------


def installed_models() -> tuple[list, Path]:
    """The installed model packages (`packages.Package`), and the folder they are looked for in."""
    from .packages import installed_packages, packages_dir

    return installed_packages(), packages_dir()


def install_model(
    file: Path | None = None,
    *,
    index: str | None = None,
    sha256: str | None = None,
    allow_http: bool = False,
    progress=None,
):
    """Install the package `file`, or (file None) the ar->en package the index lists; the Package.

    `index` is a URL or path (None: ARGOS_PACKAGE_INDEX, else Argos's own); `progress(done, size)`
    is called as the download goes.
    """
    from .packages import install_file, install_from_index

    if file is not None:
        if allow_http:
            raise InputError("--allow-http is for --from-index")
        return install_file(Path(file), sha256=sha256)
    return install_from_index(
        "ar", "en", progress=progress, index=index, sha256=sha256, allow_http=allow_http
    )


def evaluate(hypothesis: Path, reference: Path):
    """chrF and BLEU of `hypothesis` (text, or a briefing's English) against `reference`."""
    from .metrics import evaluate as score
    from .metrics import read_segments

    return score(read_segments(Path(hypothesis)), read_segments(Path(reference)))


def default_memory_path() -> Path:
    """Where the translation memory is when no path is given ($TRANSLATE_TOOL_TM, else user data)."""
    from .memory import default_tm_path

    return default_tm_path()


def _check_targets(paths: Sequence[Path], options: ExportOptions) -> None:
    """Refuse a --combine name with folders in it, or two inputs that would write the same files."""
    combine = options.combine
    if combine is not None:
        if not combine.strip() or "/" in combine or "\\" in combine or combine.startswith("."):
            raise InputError(f"--combine {combine!r}: give a plain file name, without folders")
        return
    owners: dict[str, Path] = {}
    for path in paths:
        stem = output_stem(path.stem)
        if stem.casefold() in owners:  # a.txt and A.txt collide on Windows and macOS
            raise InputError(
                f"{path} and {owners[stem.casefold()]} would both write {options.out_dir / stem}.*; use --combine"
            )
        owners[stem.casefold()] = path


def translate(
    source: Path | bytes,
    options: TranslateOptions = TranslateOptions(),
    *,
    translator: Translator | None = None,
    progress: ProgressFactory = no_progress,
    on_pending: Callable[[Path], None] | None = None,
) -> Article:
    """One article (a file, or the bytes of one) translated, from memory first, and checked.

    When the memory is busy, the article is still translated; its new machine English waits in
    a journal for the next run, and `on_pending(journal_path)` is called (the CLI exits 5).
    """
    from .readers import article_from_bytes, read_article

    if isinstance(source, bytes):
        article = article_from_bytes(source, None, require_arabic=not options.force)
    else:
        article = read_article(Path(source), require_arabic=not options.force)
    with contextlib.ExitStack() as stack:
        model = ModelRef(
            options.model, options.beam_size, stack, options.glossary(), translator, options.decoding()
        )
        _, pending = translate_and_check([article], model, options.memory_path(), progress)
    if pending is not None and on_pending is not None:
        on_pending(pending)
    return article


def export(
    inputs: Sequence[Path | str],
    options: ExportOptions = ExportOptions(),
    *,
    translator: Translator | None = None,
    progress: ProgressFactory = no_progress,
) -> ExportResult:
    """Translate every input article and write its briefings; nothing is written on failure.

    Every input is read and translated, and every document rendered, before the first file is
    written; each file is replaced atomically.
    """
    from .checks import summary, summary_line
    from .export import EXPORTERS
    from .files import check_out_dir, refuse_open, remove_dead_parts, write_atomic
    from .readers import expand_inputs, read_article

    out_dir = Path(options.out_dir)
    formats = tuple(options.formats) or DEFAULT_FORMATS
    check_out_dir(out_dir)
    paths = expand_inputs([Path(p) for p in inputs])
    _check_targets(paths, options)
    stems = [options.combine] if options.combine is not None else [path.stem for path in paths]
    targets = [out_dir / (stem + EXPORTERS[fmt][1]) for fmt in formats for stem in stems]
    refuse_open(targets, options.force)
    glossary = options.glossary()
    tm_path = options.memory_path()
    with contextlib.ExitStack() as stack:
        articles = [read_article(path, require_arabic=not options.force) for path in paths]
        model = ModelRef(options.model, options.beam_size, stack, glossary, translator, options.decoding())
        builds = _Builds(inputs, options, model, articles) if options.combine is None and tm_path else None
        todo, pending = translate_and_check(
            articles, model, tm_path, progress, builds.outdated if builds else None
        )
    generated = datetime.now(timezone.utc).replace(microsecond=0)
    for article in todo:
        article.generated_at = generated
        if builds:
            article.build = builds.stamp(article)
    # Render everything before writing anything: a rendering failure leaves old exports alone.
    remove_dead_parts(out_dir, [target.name for target in targets])  # once for the folder
    written = [
        write_atomic(target, data, sweep=False) for target, data in _render(articles, todo, options, formats)
    ]
    flagged, _ = summary(articles)
    kept = {id(a) for a in todo}
    skipped = [a.source_path for a in articles if id(a) not in kept]
    return ExportResult(written, articles, flagged, summary_line(articles), pending, skipped)


class _Builds:
    """Incremental runs: which articles of an input folder have up-to-date documents (stamps.py).

    Only articles found in a folder named as input are skipped when up to date (`export DIR`,
    the daily inbox); a file named on its own is always exported. Needs the memory: without it
    nothing is known about the English before translating, so everything is exported.
    """

    def __init__(self, inputs: Sequence[Path | str], options: ExportOptions, model: ModelRef, articles):
        from .export import EXPORTERS

        self.rebuild = options.rebuild
        self.out_dir = Path(options.out_dir)
        self.suffixes = [EXPORTERS[f][1] for f in tuple(options.formats) or DEFAULT_FORMATS]
        self.folders = {Path(p).resolve() for p in inputs if Path(p).is_dir()}
        self.label = model.label()
        self.digests = {id(a): stamps.source_digest(a.source_path) for a in articles}

    def stamp(self, article: Article) -> str:
        return stamps.build_stamp(article, self.digests[id(article)], self.label)

    def outdated(self, article: Article) -> bool:
        if article.source_path.resolve().parent not in self.folders:
            return True
        if self.rebuild or any(not b.target for b in article.blocks):
            return True  # something still needs the model: its English is not known yet
        stamp = self.stamp(article)
        stem = output_stem(article.source_path.stem)  # the name `_render` writes
        return any(stamps.recorded_stamp(self.out_dir / (stem + s)) != stamp for s in self.suffixes)


def _render(articles: list[Article], todo: list[Article], options: ExportOptions, formats: tuple[str, ...]):
    """(target, content) of every document of the run, in the order they are written."""
    from .export import COMBINED, EXPORTERS

    out_dir = Path(options.out_dir)
    documents: list[tuple[Path, bytes | str]] = []
    for fmt in formats:
        render, suffix = EXPORTERS[fmt]
        if options.combine is not None:
            name = output_stem(options.combine)
            documents.append((out_dir / (name + suffix), COMBINED[fmt](articles, options.combine)))
        else:
            documents.extend((out_dir / (output_stem(a.source_path.stem) + suffix), render(a)) for a in todo)
    return documents


# --- the translation memory (`translate-tool tm ...`) -------------------------------------
# tm_path None: $TRANSLATE_TOOL_TM, else the user data folder. Only `import_tmx` creates a memory.


def _memory(tm_path: Path | None, create: bool = False) -> TranslationMemory:
    from .memory import TranslationMemory

    return TranslationMemory(Path(tm_path) if tm_path else default_memory_path(), create=create)


def memory_stats(tm_path: Path | None = None) -> dict[str, object]:
    """`tm stats`: the memory's file and size, and its entries by origin and by model."""
    with _memory(tm_path) as memory:
        return memory.stats()


def export_memory(
    tm_path: Path | None = None, out: Path | None = None, *, include_machine: bool = True
) -> bytes:
    """`tm export`: the memory as TMX 1.4b; written to `out` too (atomically) when given."""
    from .export.tmx import write_tmx
    from .files import write_atomic

    with _memory(tm_path) as memory:
        data = write_tmx(memory, include_machine=include_machine)
    if out is not None:
        write_atomic(Path(out), data)
    return data


def import_tmx(tmx_file: Path, tm_path: Path | None = None) -> tuple[TmxContents, ImportCounts]:
    """`tm import`: read a CAT tool's TMX (all checked before the memory opens), then store its units."""
    from .tmx import read_tmx, record_imported

    contents = read_tmx(Path(tmx_file))
    with _memory(tm_path, create=True) as memory:
        return contents, record_imported(memory, contents.units, str(Path(tmx_file).resolve()))


def post_edit_report(tm_path: Path | None = None) -> list[PostEdit]:
    """`tm report`: per model, how much reviewers changed its English."""
    from .memory_history import post_edit_pairs
    from .metrics import post_edit_figures

    with _memory(tm_path) as memory:
        pairs, unreviewed = post_edit_pairs(memory)
    return post_edit_figures(pairs, unreviewed)


def find_passage(arabic: str | None, briefing: Path | None = None, row: int | None = None) -> str:
    """The normalised Arabic of one passage: given as text, or as row `row` of the briefing `briefing`."""
    from .review.history import passage

    return passage(arabic, Path(briefing) if briefing is not None else None, row)


def passage_history(source: str, tm_path: Path | None = None) -> list[str]:
    """`tm history`: the lines that show every reviewed English offered for `source`."""
    from .review.history import history_lines

    with _memory(tm_path) as memory:
        return history_lines(memory, source)


def resolve_conflict(source: str, take: int | None, tm_path: Path | None = None) -> HistoryEntry:
    """`tm resolve`: keep the current English for `source` (take=None) or store history row `take`."""
    from .memory_history import resolve

    with _memory(tm_path) as memory:
        return resolve(memory, source, take)


# --- review import (`translate-tool review import`) -----------------------------------------


def import_review(
    reviewed: Path, tm_path: Path | None = None, *, take_theirs: bool = False
) -> tuple[ReviewResult, ReviewCounts]:
    """Read a reviewed briefing and offer its corrections to the memory (see `review.import_review`)."""
    from .review import import_review as run

    return run(Path(reviewed), Path(tm_path) if tm_path else default_memory_path(), take_theirs=take_theirs)


def review_report(result: ReviewResult, counts: ReviewCounts) -> list[str]:
    """What `review import` prints: one summary line, then one line per row that needs a look."""
    from .review import report_lines

    return report_lines(result, counts)
