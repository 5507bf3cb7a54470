"""Command line: parse arguments, call one function, print, and map errors to exit codes.

Exit codes: 0 success; 1 runtime failure (no model, download failed, decoder error);
2 bad usage or bad input, a --tm file that is not a memory included (nothing is written);
3 `--strict` and passages were flagged (documents written); 4 `review import` found rows in
conflict (the rest is stored); 5 the translation memory was busy (the documents are written, or the English
printed, and the new machine text waits in a journal); 129, 130, 143 stopped by SIGHUP, SIGINT,
SIGTERM (cleaned up: no temporary files, no half-written documents).
Heavy libraries (ctranslate2, python-docx) are imported only by the commands that need them.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from . import __version__
from .errors import Flagged, MemoryPending, TranslateToolError
from .text import plural

log = logging.getLogger("translate_tool")

FORMATS = ("docx", "md", "xliff", "xliff-omegat")
DEFAULT_FORMATS = ("docx", "md")  # what export writes without --format


class State:
    def __init__(self, debug: bool, verbose: int, quiet: bool):
        self.debug = debug
        self.verbose = verbose
        self.quiet = quiet


def _configure_logging(verbose: int, quiet: bool, debug: bool) -> None:
    level = logging.WARNING
    if quiet:
        level = logging.ERROR
    elif debug or verbose >= 2:
        level = logging.DEBUG
    elif verbose == 1:
        level = logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr, force=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="translate-tool")
@click.option("--debug", is_flag=True, help="Show full tracebacks and debug logging.")
@click.option("-v", "--verbose", count=True, help="More detail on stderr (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr; no progress bar.")
@click.pass_context
def cli(ctx: click.Context, debug: bool, verbose: int, quiet: bool) -> None:
    """Translate Arabic news articles offline into English briefing documents.

    \b
    Typical use:
      translate-tool models install --from-index     # once, online: get the ar->en model
      translate-tool export article.txt               # writes exports/article.docx and .md
      translate-tool translate article.txt            # English text on stdout

    Everything runs offline once a model is installed; only `models install --from-index`
    uses the network.
    """
    _configure_logging(verbose, quiet, debug)
    ctx.obj = State(debug, verbose, quiet)


# --- shared pieces -----------------------------------------------------------------------


@contextlib.contextmanager
def _progress(total: int, label: str, quiet: bool) -> Iterator:
    """A progress bar on stderr, only on a terminal; otherwise a no-op callback."""
    if quiet or total == 0 or not sys.stderr.isatty():
        yield lambda n: None
        return
    with (
        click.progressbar(length=total, label=label, file=sys.stderr, show_eta=True, show_pos=True) as bar,
        _lines_before_logs(_BarLine(sys.stderr)),
    ):
        yield bar.update


class _BarLine:
    """click's bar, which redraws itself with its next step: a log message takes its line."""

    def __init__(self, out) -> None:
        self.out = out

    def end_line(self) -> None:
        self.out.write("\r\x1b[K")  # back to the start of the bar's line, and clear it


class _EndLineFirst(logging.Filter):
    """Ends a progress line before a log message is written, so the message has a line of its own."""

    def __init__(self, line) -> None:
        super().__init__()
        self.line = line

    def filter(self, record: logging.LogRecord) -> bool:
        self.line.end_line()
        return True


@contextlib.contextmanager
def _lines_before_logs(line) -> Iterator[None]:
    """While a progress line is on the terminal, `line.end_line()` runs before each log message."""
    handlers, first = logging.getLogger().handlers, _EndLineFirst(line)
    for handler in handlers:
        handler.addFilter(first)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(first)


def _progress_bar(state: State):
    """The API's progress hook: a bar on stderr unless quiet or not a terminal."""
    return lambda total, label: _progress(total, label, state.quiet)


model_option = click.option(
    "--model",
    type=click.Path(path_type=Path),
    help="An .argosmodel file or an extracted package folder (default: the installed ar->en package).",
)
beam_option = click.option(
    "--beam-size",
    type=click.IntRange(1, 32),
    default=4,
    show_default=True,
    help="Beam width: larger is slower and sometimes better.",
)
force_option = click.option(
    "--force",
    is_flag=True,
    help="Translate files even if they contain no Arabic; export: replace documents open in Word or LibreOffice.",
)
tm_option = click.option(
    "--tm",
    "tm_path",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="TRANSLATE_TOOL_TM",
    help="Translation memory file (default: TRANSLATE_TOOL_TM, else the user data folder).",
)
glossary_option = click.option(
    "--glossary",
    "glossary_files",
    type=click.Path(path_type=Path, dir_okay=False),
    multiple=True,
    help="CSV of Arabic term,required English; repeatable. The user's glossary.csv in the config "
    "folder is read first if it exists. Example: seeds/glossary.csv.",
)
no_tm_option = click.option(
    "--no-tm", is_flag=True, help="Ignore the translation memory: translate everything, record nothing."
)


cluster_option = click.option(
    "--cluster",
    metavar="tcp://HOST:8786",
    envvar="TRANSLATE_TOOL_CLUSTER",
    help="Decode on the Dask cluster whose scheduler is at this address (or TRANSLATE_TOOL_CLUSTER). "
    "Needs the cluster extra: pip install 'translate-tool[cluster]'.",
)
workers_option = click.option(
    "--workers",
    type=click.IntRange(1, 512),
    help="Decode on N single-threaded worker processes on this machine (a local Dask cluster). "
    "Default: one translator in this process. Needs the cluster extra.",
)


def translation_options(command):
    """The options every translating command shares: beam, --force, memory and glossary."""
    for option in reversed((beam_option, force_option, tm_option, no_tm_option, glossary_option)):
        command = option(command)
    return command


def _tm_path(tm_path: Path | None, no_tm: bool = False) -> Path | None:
    from .api import default_memory_path

    return None if no_tm else (tm_path or default_memory_path())


# --- commands ----------------------------------------------------------------------------


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@model_option
@click.option(
    "--out-dir",
    type=click.Path(path_type=Path),
    default=Path("exports"),
    show_default=True,
    help="Folder for the documents; created if missing.",
)
@click.option(
    "--format",
    "formats",
    type=click.Choice(FORMATS),
    multiple=True,
    help="Output format; repeat for several (default: docx and md). xliff: XLIFF 1.2 for CAT tools; "
    "xliff-omegat: the same for OmegaT 3.x, whose XLIFF filter translates the <target> text.",
)
@translation_options
@click.option(
    "--strict", is_flag=True, help="Exit 3 if any passage is flagged (documents are still written)."
)
@click.option(
    "--combine",
    metavar="NAME",
    help="Write one briefing OUT_DIR/NAME.docx/.md with a section per article, instead of one per input.",
)
@click.option(
    "--rebuild",
    is_flag=True,
    help="Export every article of an INPUT folder, even those whose documents are up to date "
    "(same source, model, glossary and memory entries); without it they are skipped.",
)
@cluster_option
@workers_option
@click.pass_obj
def export(
    state: State,
    inputs: tuple[Path, ...],
    model: Path | None,
    out_dir: Path,
    formats: tuple[str, ...],
    beam_size: int,
    force: bool,
    tm_path: Path | None,
    no_tm: bool,
    glossary_files: tuple[Path, ...],
    strict: bool,
    combine: str | None,
    rebuild: bool,
    cluster: str | None,
    workers: int | None,
) -> None:
    """Translate INPUT articles and write side-by-side DOCX and Markdown briefings.

    Each INPUT becomes OUT_DIR/INPUT.docx and OUT_DIR/INPUT.md: a table with one row per
    passage, English beside the Arabic, with doubtful passages flagged. INPUT may be

    \b
      plain text (.txt)       UTF-8, UTF-16 with BOM, or Windows-1256 Arabic
      web page (.html, .htm)  saved from a browser; the article without the page furniture
      Word document (.docx)   styles give title and headings; tracked changes accepted
      PDF (.pdf)              with a text layer (no OCR); not encrypted

    The format is read from the file's content, not its name. A folder INPUT stands for
    every file of these formats in it. The model is
    loaded once for the whole run; passages already in the translation memory (reviewed
    or translated before by the same model) are reused. Files are written only after every
    input has been read and translated, and each file is replaced atomically, so a failure
    never leaves half a document. An article of a folder INPUT whose documents are up to date
    (same source, model, glossary and memory entries) is skipped: "N up to date, M exported".

    \b
    Examples:
      translate-tool export seeds/article.txt
      translate-tool export saved-page.html report.docx statement.pdf
      translate-tool export a.txt b.txt --out-dir briefings --format docx
      translate-tool export article.txt --model translate-ar_en-1_9.argosmodel
      translate-tool export inbox/ --combine monday-briefing --glossary seeds/glossary.csv
      translate-tool export article.txt --strict || echo "needs a reviewer"
      translate-tool export archive/ --workers 8
      translate-tool export archive/ --cluster tcp://scheduler:8786
    """
    from .api import ExportOptions
    from .api import export as run_export

    options = ExportOptions(
        **_translation(model, beam_size, force, tm_path, no_tm, glossary_files),
        out_dir=out_dir,
        formats=formats or DEFAULT_FORMATS,
        combine=combine,
        rebuild=rebuild,
        cluster=cluster,
        workers=workers,
    )
    result = run_export(inputs, options, progress=_progress_bar(state))
    for target in result.documents:
        click.echo(str(target))
    if result.up_to_date and not state.quiet:
        exported = len(result.articles) - len(result.up_to_date)
        click.echo(f"{len(result.up_to_date)} up to date, {exported} exported", err=True)
    if result.flagged and not state.quiet:
        click.echo(f"QA: {result.summary} (see the flags in the documents)", err=True)
    if result.pending is not None:
        raise MemoryPending(_pending_message("the documents are written", result.pending))
    if strict and result.flagged:
        raise Flagged(f"--strict: {result.summary}")


def _pending_message(done: str, journal: Path) -> str:
    return (
        f"the translation memory was busy: {done}, and the new machine translations wait in "
        f"{journal} for the next run to store"
    )


def _translation(model, beam_size, force, tm_path, no_tm, glossary_files) -> dict:
    """The `translation_options` every translating command takes, as `api.TranslateOptions` fields."""
    return {
        "model": model,
        "beam_size": beam_size,
        "force": force,
        "use_memory": not no_tm,
        "tm_path": tm_path,
        "glossary_files": glossary_files,
    }


@cli.command()
@click.argument("input", type=click.Path(path_type=Path, allow_dash=True))
@model_option
@translation_options
@click.pass_obj
def translate(
    state: State,
    input: Path,
    model: Path | None,
    beam_size: int,
    force: bool,
    tm_path: Path | None,
    no_tm: bool,
    glossary_files: tuple[Path, ...],
) -> None:
    """Translate one article and print the English to stdout, a blank line between passages.

    Use - to read the article from standard input.
    """
    from .api import TranslateOptions
    from .api import translate as run_translate

    options = TranslateOptions(**_translation(model, beam_size, force, tm_path, no_tm, glossary_files))
    source = sys.stdin.buffer.read() if str(input) == "-" else input
    pending: list[Path] = []
    article = run_translate(source, options, progress=_progress_bar(state), on_pending=pending.append)
    click.echo("\n\n".join(block.target for block in article.blocks))
    if pending:
        raise MemoryPending(_pending_message("the English is printed", pending[0]))


@cli.group()
def models() -> None:
    """List and install Argos Translate model packages.

    Packages live where argostranslate keeps them (ARGOS_PACKAGES_DIR, or
    ~/.local/share/argos-translate/packages), so both tools share them.
    """


@models.command("list")
def models_list() -> None:
    """Show the installed model packages."""
    from .api import installed_models

    found, folder = installed_models()
    if not found:
        click.echo(f"No packages installed in {folder}.", err=True)
        click.echo("Install one with: translate-tool models install --from-index", err=True)
        return
    for package in found:
        click.echo(
            f"{package.from_code}->{package.to_code}\t{package.code}\t{package.version}\t{package.path}"
        )


def _sha256_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not (len(value) == 64 and all(c in "0123456789abcdefABCDEF" for c in value)):
        raise click.BadParameter("give the 64 hexadecimal digits of a SHA-256")
    return value.lower() if value else None


@models.command("install")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option(
    "--from-index",
    is_flag=True,
    help="Download the ar->en package from the Argos package index (needs the internet).",
)
@click.option(
    "--index",
    metavar="URL|PATH",
    help="The package index to use (implies --from-index; default: ARGOS_PACKAGE_INDEX, else "
    "Argos's own). A local path or file:// URL is read from disk.",
)
@click.option(
    "--sha256",
    metavar="HEX",
    callback=_sha256_option,
    help="Install only if the package file has this SHA-256 (checked before unpacking).",
)
@click.option(
    "--allow-http",
    is_flag=True,
    help="Accept plain http links to hosts other than this machine (https is the default rule).",
)
@click.pass_obj
def models_install(
    state: State,
    file: Path | None,
    from_index: bool,
    index: str | None,
    sha256: str | None,
    allow_http: bool,
) -> None:
    """Install a model package from FILE.argosmodel, or download one with --from-index.

    Downloads follow https links only (plain http only to this machine, or with --allow-http),
    are capped in size (2 GB; 20 MB for the index) and checked against the index's SHA-256 or
    --sha256 when one is given. Links the tool does not follow (ipfs://) are skipped. A
    failure exits 1 (network) or 2 (bad package or index) and leaves any installed package
    as it was.

    \b
    On an air-gapped machine: copy the .argosmodel file over, then
      translate-tool models install translate-ar_en-1_9.argosmodel --sha256 HEX
    """
    from .api import install_model

    from_index = from_index or index is not None
    if bool(file) == from_index:
        raise click.UsageError("give either FILE or --from-index")
    if file is not None and allow_http:
        raise click.UsageError("--allow-http is for --from-index")
    with _download_progress(state.quiet or file is not None) as update:
        package = install_model(file, index=index, sha256=sha256, allow_http=allow_http, progress=update)
    click.echo(f"installed {package.label} ({package.from_code}->{package.to_code}) in {package.path}")


@cli.group()
def tm() -> None:
    """Inspect, export and import the translation memory.

    The memory holds every passage translated before (per model) and every correction a
    reviewer made (`translate-tool review import`); exports reuse it before the model.
    """


@tm.command("stats")
@tm_option
def tm_stats(tm_path: Path | None) -> None:
    """Show how many entries the memory holds, by origin and by model."""
    from .api import memory_stats

    stats = memory_stats(tm_path)
    click.echo(f"file: {stats['path']} ({stats['size_bytes']} bytes)")
    click.echo(f"entries: {stats['entries']}")
    for origin, count in stats["by_origin"].items():
        click.echo(f"  {origin}: {count}")
    for label, count in stats["by_model"].items():
        click.echo(f"  machine, {label}: {count}")


@tm.command("export")
@click.argument("output", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(["tmx"]), default="tmx", show_default=True)
@click.option("--reviewed-only", is_flag=True, help="Leave out unreviewed machine translations.")
@tm_option
def tm_export(output: Path, fmt: str, reviewed_only: bool, tm_path: Path | None) -> None:
    """Write the memory as TMX 1.4b for CAT tools (memoQ, Trados, OmegaT); - for stdout."""
    from .api import export_memory

    if str(output) == "-":
        sys.stdout.buffer.write(export_memory(tm_path, include_machine=not reviewed_only))
    else:
        export_memory(tm_path, output, include_machine=not reviewed_only)
        click.echo(str(output))


@tm.command("import")
@click.argument("tmx_file", metavar="FILE.tmx", type=click.Path(path_type=Path))
@tm_option
def tm_import(tmx_file: Path, tm_path: Path | None) -> None:
    """Bring a TMX file from a CAT tool (memoQ, Trados, OmegaT) into the memory as `imported`.

    Arabic-English units are stored with the creator and date the TMX gives them; units in
    other languages are skipped and counted. Precedence: reviewed > imported > machine, so a
    reviewer's English is never replaced, and imported English replaces machine text. All
    units are stored or none: a file that is not a readable TMX exits 2, memory untouched.
    A TMX from `translate-tool tm export` keeps its origins.

    \b
    Examples:
      translate-tool tm import agency-memory.tmx
      translate-tool tm import omegat-project/omegat/project_save.tmx --tm team.sqlite3
    """
    from .api import import_tmx

    contents, counts = import_tmx(tmx_file, tm_path)
    click.echo(
        f"{len(contents.units)} units read: {counts.new} new, {counts.updated} updated, "
        f"{counts.unchanged} already in the memory, {counts.kept} kept (reviewed English wins); "
        f"skipped {contents.other_language} in other languages, {contents.empty} empty, "
        f"{contents.repeated} repeated"
    )


@tm.command("report")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@tm_option
def tm_report(fmt: str, tm_path: Path | None) -> None:
    """How much reviewers changed each model's English: post-edit chrF and TER, share unchanged.

    For every model label: how many of its machine passages were later reviewed (and how many
    are still unreviewed), and corpus chrF and TER (sacrebleu) of its English against the
    reviewed English. Higher chrF and lower TER mean less post-editing.
    """
    import json

    from .api import post_edit_report

    figures = post_edit_report(tm_path)
    if fmt == "json":
        click.echo(json.dumps({"models": [f.as_dict() for f in figures]}, indent=2, ensure_ascii=False))
        return
    if not figures:
        click.echo("no machine translations in the memory yet")
    for f in figures:
        if f.reviewed:
            click.echo(
                f"{f.model}: {f.reviewed} reviewed, {f.unreviewed} unreviewed; post-edit chrF {f.chrf:.1f}, "
                f"TER {f.ter:.1f}, {f.unchanged_share:.0%} left unchanged"
            )
        else:
            click.echo(f"{f.model}: 0 reviewed, {f.unreviewed} unreviewed")


@cli.command()
@click.argument("hypothesis", metavar="HYP", type=click.Path(path_type=Path))
@click.argument("reference", metavar="REF", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def evaluate(hypothesis: Path, reference: Path, fmt: str) -> None:
    """chrF and BLEU (sacrebleu) of a translation HYP against a reference REF.

    HYP and REF are text files aligned by line, or HYP is a briefing (.docx or .xlf, its English
    in row order) and REF a text file with one reference line per row.

    \b
    Examples:
      translate-tool evaluate english.txt reference.txt
      translate-tool evaluate exports/article.docx article-reference.txt --format json
    """
    import json

    from .api import evaluate as score

    result = score(hypothesis, reference)
    if fmt == "json":
        click.echo(json.dumps(result.as_dict()))
    else:
        click.echo(f"chrF {result.chrf:.2f}  BLEU {result.bleu:.2f}  ({result.segments} segments)")


def passage_options(command):
    """The ways to name one passage: its Arabic text, or a row of a briefing."""
    command = click.option(
        "--row", type=click.IntRange(1), help="The row number in the # column of --briefing."
    )(command)
    command = click.option(
        "--briefing",
        type=click.Path(path_type=Path, dir_okay=False),
        help="A briefing (.docx) holding the row.",
    )(command)
    return click.argument("arabic", required=False)(command)


@tm.command("history")
@passage_options
@tm_option
def tm_history(arabic: str | None, briefing: Path | None, row: int | None, tm_path: Path | None) -> None:
    """Show every reviewed English offered for one passage: who, when, from which file, and what became of it.

    \b
    Examples:
      translate-tool tm history --briefing exports/article.docx --row 7
      translate-tool tm history "النص العربي للفقرة"
    """
    from .api import find_passage, passage_history

    for line in passage_history(find_passage(arabic, briefing, row), tm_path):
        click.echo(line)


@tm.command("resolve")
@passage_options
@click.option("--keep", is_flag=True, help="Keep the memory's current English.")
@click.option("--take", "take", type=int, metavar="ID", help="Store version #ID from `tm history` instead.")
@tm_option
def tm_resolve(
    arabic: str | None,
    briefing: Path | None,
    row: int | None,
    keep: bool,
    take: int | None,
    tm_path: Path | None,
) -> None:
    """Settle a review conflict: keep the current English, or take another version from the history.

    \b
    Examples:
      translate-tool tm resolve --briefing exports/article.docx --row 7 --keep
      translate-tool tm resolve --briefing exports/article.docx --row 7 --take 12
    """
    from .api import find_passage, resolve_conflict

    if keep == (take is not None):
        raise click.UsageError("give either --keep or --take ID")
    chosen = resolve_conflict(find_passage(arabic, briefing, row), take, tm_path)
    click.echo(f"{'kept' if keep else 'stored'}: “{chosen.target}”")


@cli.group()
def review() -> None:
    """Bring a reviewer's corrections back from a briefing edited in Word or LibreOffice.

    The corrections go into the translation memory, so later exports use them instead of the
    model and nobody has to make them twice.
    """


@review.command("import")
@click.argument("reviewed", metavar="REVIEWED.docx|REVIEWED.xlf", type=click.Path(path_type=Path))
@click.option(
    "--take-theirs",
    is_flag=True,
    help="Rows in conflict take this file's English (the memory's is kept in the history).",
)
@tm_option
def review_import(reviewed: Path, take_theirs: bool, tm_path: Path | None) -> None:
    """Store every English passage changed in REVIEWED.docx (or .xlf) as a reviewed translation.

    REVIEWED.docx is a briefing from `translate-tool export`, corrected in the English column
    (tracked changes count as accepted; the ⚑ flag lines are ignored). Rows are matched to the
    exported rows by hidden row keys, and a row counts as changed only if its English differs
    from the English exported in that document. All changes are stored, or none. Rows that
    cannot be matched (Arabic edited, rows added or removed) are listed with their English and
    left out. A file that is not a readable briefing exits 2 and the memory is not touched.
    REVIEWED.xlf is an XLIFF briefing (`export --format xliff` or `xliff-omegat`) reviewed in a
    CAT tool: its targets are read the same way, matched by the units' ids.

    A row whose reviewer was shown English that is no longer the memory's reviewed English,
    and who wrote something else, is a conflict: it is listed with both versions, not stored,
    and the command exits 4; `--take-theirs` or `tm resolve` settles it. A row whose English
    was stored before and replaced since is listed as superseded. Every offer is kept in the
    history (`tm history`).

    \b
    Examples:
      translate-tool review import exports/article-reviewed.docx
      translate-tool review import omegat-project/target/article.omegat.xlf
      translate-tool review import reviewed.docx --tm team-memory.sqlite3
      translate-tool review import reviewer-a.docx --take-theirs
    """
    from .api import import_review, review_report
    from .errors import ReviewConflict

    result, counts = import_review(reviewed, _tm_path(tm_path), take_theirs=take_theirs)
    for line in review_report(result, counts):
        click.echo(line)
    if counts.conflicts:
        n = len(counts.conflicts)
        raise ReviewConflict(
            f"{plural(n, 'row')} in conflict kept the memory's English; choose with "
            "`review import --take-theirs` or `tm resolve`"
        )


class _DownloadLine:
    """A download's progress as one line on a terminal: "Downloading 12.3 of 98.1 MB (12%)".

    A server that sends no Content-Length gives a size of 0: the line then shows only what has
    arrived, never a percentage. A download that starts again from 0 (the next link, after one
    failed part-way) starts a new line, so each line tells of one download, and so does a
    log message (`end_line` runs first). The line is rewritten only when its text changes, so
    it costs nothing per chunk.
    """

    def __init__(self, out) -> None:
        self.out = out
        self.done: int | None = None
        self.shown = ""

    def __call__(self, done: int, size: int) -> None:
        if self.done is not None and done < self.done:
            self.end_line()
        self.done = done
        if size:
            text = f"Downloading {done / 1024**2:.1f} of {_mb(size)} ({min(100, 100 * done // size)}%)"
        else:
            text = f"Downloading {_mb(done)}"
        if text != self.shown:
            self.out.write(f"\r{text}\x1b[K")  # ESC[K: clear what a longer line left
            self.out.flush()
            self.shown = text

    def end_line(self) -> None:
        if self.shown:
            self.out.write("\n")
            self.out.flush()
            self.shown = ""


def _mb(size: int) -> str:
    return f"{size / 1024**2:.1f} MB"


@contextlib.contextmanager
def _download_progress(quiet: bool) -> Iterator:
    if quiet or not sys.stderr.isatty():
        yield None
        return
    line = _DownloadLine(sys.stderr)
    try:
        with _lines_before_logs(line):
            yield line
    finally:
        line.end_line()


# --- entry point -------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every known failure becomes one line on stderr and a documented exit code.

    SIGINT, SIGTERM and SIGHUP unwind the run (every cleanup runs) and exit 128 + the signal
    number. Whatever an interrupted step raised on the way out (a C extension may wrap the
    exception in its own), the signal decides the exit code and the one line printed.
    """
    from .signals import StopSignals

    stop = StopSignals()
    try:
        with stop:
            code = _run(argv)
    except BaseException:
        if stop.received is None:
            raise
    if stop.received is None:
        return code
    if stop.received == signal.SIGINT and sys.stderr.isatty():
        click.echo(err=True)  # end the line the terminal's ^C is on
    click.echo(
        f"interrupted by {signal.Signals(stop.received).name}; every file written is whole, "
        "unfinished ones were not written",
        err=True,
    )
    return 128 + stop.received


def _run(argv: list[str] | None) -> int:
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="translate-tool", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.Abort as exc:
        # click turns Ctrl-C (and EOF on a prompt) into Abort when it does not exit itself.
        if isinstance(exc.__context__, EOFError):
            click.echo("error: unexpected end of input", err=True)
            return 1
        click.echo("interrupted; every file written is whole, unfinished ones were not written", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except TranslateToolError as exc:
        return _fail(str(exc), exc.exit_code, debug)
    except OSError as exc:  # a folder we cannot write, a full disk: not a bug, not a traceback
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(f"{where}{exc.strerror or exc}", 1, debug)
    return 0


def _fail(message: str, code: int, debug: bool) -> int:
    from .signals import received

    if received() is not None:
        return code  # the failure came from being stopped; main() reports the signal instead
    if debug:
        import traceback

        traceback.print_exc()
    click.echo(f"error: {message}", err=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
