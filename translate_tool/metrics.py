"""Translation quality figures: post-edit distance per model (`tm report`) and `evaluate HYP REF`.

Scores are sacrebleu's corpus-level chrF, BLEU and TER with its default settings, so they can be
compared with figures published elsewhere. sacrebleu is imported only when a score is computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import InputError


@dataclass
class PostEdit:
    """How much reviewers changed one model's English (machine English vs the reviewed English)."""

    model: str
    reviewed: int  # machine passages of this model later reviewed
    unreviewed: int  # machine passages of this model still unreviewed in the memory
    chrf: float | None  # corpus chrF of the machine English against the reviewed English
    ter: float | None  # corpus TER (edits per reference word, x100): lower is less post-editing
    unchanged_share: float | None  # reviewed passages whose English the reviewer left as it was

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def post_edit_figures(pairs: dict[str, list[tuple[str, str]]], unreviewed: dict[str, int]) -> list[PostEdit]:
    """Per model label: `pairs[model]` is [(machine English, reviewed English), ...]."""
    import sacrebleu

    out = []
    for model in sorted(set(pairs) | set(unreviewed)):
        items = pairs.get(model, [])
        if items:
            hyps = [machine for machine, _ in items]
            refs = [[reviewed for _, reviewed in items]]
            chrf = sacrebleu.corpus_chrf(hyps, refs).score
            ter = sacrebleu.corpus_ter(hyps, refs).score
            unchanged = sum(_same(m, r) for m, r in items) / len(items)
        else:
            chrf = ter = unchanged = None
        out.append(PostEdit(model, len(items), unreviewed.get(model, 0), chrf, ter, unchanged))
    return out


@dataclass
class Evaluation:
    segments: int
    chrf: float
    bleu: float

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def evaluate(hypotheses: Sequence[str], references: Sequence[str]) -> Evaluation:
    """chrF and BLEU of `hypotheses` against one reference each, aligned by position."""
    import sacrebleu

    if len(hypotheses) != len(references):
        raise InputError(
            f"{len(hypotheses)} hypothesis segments but {len(references)} reference segments; "
            "they must be aligned one to one"
        )
    if not hypotheses:
        raise InputError("nothing to evaluate: no segments")
    refs = [list(references)]
    return Evaluation(
        len(hypotheses),
        sacrebleu.corpus_chrf(list(hypotheses), refs).score,
        sacrebleu.corpus_bleu(list(hypotheses), refs).score,
    )


def read_segments(path: Path) -> list[str]:
    """The English segments of a file: an XLIFF briefing's targets, a DOCX briefing's English
    column, or a text file's lines (UTF-8; blank lines count, so line N stays line N)."""
    from .files import read_user_file

    data = read_user_file(path)
    suffix = path.suffix.lower()
    if suffix in (".xlf", ".xliff"):
        return _xliff_targets(path, data)
    if suffix == ".docx":
        return _docx_english(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (invalid byte at offset {exc.start})") from None
    if "\x00" in text:
        raise InputError(f"{path}: looks like a binary file, not text")
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()  # a trailing newline is not a segment
    return [" ".join(line.split()) for line in lines]


def _xliff_targets(path: Path, data: bytes) -> list[str]:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise InputError(f"{path}: not an XLIFF file ({exc})") from None
    if root.getroottree().docinfo.internalDTD is not None:
        raise InputError(f"{path}: refusing an XLIFF file with a DOCTYPE")
    units = [
        el for el in root.iter() if isinstance(el.tag, str) and etree.QName(el).localname == "trans-unit"
    ]
    if not units:
        raise InputError(f"{path}: no trans-unit elements; not an XLIFF briefing")
    out = []
    for unit in units:
        target = next(
            (c for c in unit if isinstance(c.tag, str) and etree.QName(c).localname == "target"), None
        )
        out.append(" ".join("".join(target.itertext()).split()) if target is not None else "")
    return out


def _docx_english(path: Path) -> list[str]:
    """The English column of a DOCX briefing's passage tables, without the ⚑ flag lines."""
    import docx

    from .briefing import FLAG_STYLE

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many kinds for a file that is not a DOCX
        raise InputError(f"{path}: not a readable DOCX ({exc.__class__.__name__})") from None
    out = []
    for table in document.tables:
        header = [cell.text.strip() for cell in table.rows[0].cells] if table.rows else []
        if "English" not in header:
            continue
        column = header.index("English")
        for row in table.rows[1:]:
            cell = row.cells[column]
            text = " ".join(p.text for p in cell.paragraphs if p.style is None or p.style.name != FLAG_STYLE)
            out.append(" ".join(text.split()))
    if not out:
        raise InputError(f"{path}: no briefing table with an English column")
    return out
