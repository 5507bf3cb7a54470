"""Reading a TMX file from a CAT tool (memoQ, Trados, OmegaT, or our own `tm export`).

`read_tmx(path, "ar", "en")` only reads; `record_imported(tm, units, file)` stores what it
found in the memory `tm`, all or nothing, under the precedence reviewed > imported > machine.
(The writing side, `tm export`, is `export/tmx.py`.) TMX 1.1 to 1.4b are read alike: the language of a `<tuv>` is `xml:lang`
(1.4) or `lang` (1.1, what OmegaT 3.6 still writes), matched on its primary subtag
(`ar-SA` is Arabic, `EN-US` English). Inline codes (`<bpt>`, `<ept>`, `<ph>`, `<it>`, `<ut>`)
are the CAT tool's formatting, not text, and are left out; `<hi>` and `<sub>` text counts.

A unit carries its creator and date: `changeid`/`changedate` of the target `<tuv>`, else of
the `<tu>`, else `creationid`/`creationdate`. A file written by translate-tool (`creationtool`
in the header) keeps the origins its `x-origin` props name, so `tm export` followed by
`tm import` into an empty memory gives back the same entries.

The file is untrusted: an internal DTD subset (where entity bombs live) is refused before any
text is read, entities are never expanded, nothing is fetched (OmegaT's `<!DOCTYPE tmx SYSTEM
"tmx11.dtd">` is fine: it is never loaded).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from . import APP_NAME
from .article import normalise_source
from .errors import InputError
from .files import read_user_file
from .text import utc_stamp

if TYPE_CHECKING:
    from .memory import TranslationMemory

MAX_TMX_BYTES = 2 * 1024**3  # a whole agency's memory can be large; an article never is

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
INLINE_CODES = {"bpt", "ept", "ph", "it", "ut"}
TMX_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$")
OUR_ORIGINS = {"machine", "reviewed", "imported"}

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
)


@dataclass(frozen=True)
class TmxUnit:
    """One translation pair to store. `origin` is `imported` unless our own export said otherwise."""

    source: str  # normalise_source() of the Arabic
    target: str
    origin: str = "imported"
    creator: str | None = None
    creator_date: str | None = None  # ISO 8601 UTC
    # Only from a translate-tool TMX, to give back the entry it was exported from:
    model: str | None = None
    reviewed_file: str | None = None
    reviewed_at: str | None = None
    imported_file: str | None = None
    machine_target: str | None = None  # reviewed: the machine English the review replaced
    machine_model: str | None = None
    score: float | None = None
    created_at: str | None = None
    updated_at: str | None = None


@dataclass
class TmxContents:
    path: Path
    units: list[TmxUnit] = field(default_factory=list)
    ours: bool = False  # written by translate-tool's `tm export`
    other_language: int = 0  # units without both an Arabic and an English variant
    empty: int = 0  # units with an empty Arabic or English segment
    repeated: int = 0  # later units for an Arabic already read (the first one is kept)


def iso_from_tmx(value: str | None) -> str | None:
    """`20240501T093000Z` -> `2024-05-01T09:30:00Z`; None for anything else (a bad date is dropped)."""
    match = TMX_DATE.match(value or "")
    if not match:
        return None
    y, mo, d, h, mi, s = match.groups()
    return f"{y}-{mo}-{d}T{h}:{mi}:{s}Z"


def _primary(lang: str | None) -> str:
    return (lang or "").split("-")[0].split("_")[0].strip().casefold()


def _seg_text(seg: etree._Element) -> str:
    """The segment's text without the CAT tool's inline codes (their tails are text)."""
    parts = [seg.text or ""]
    for child in seg:
        name = etree.QName(child).localname if isinstance(child.tag, str) else ""
        if name not in INLINE_CODES and isinstance(child.tag, str):
            parts.append(_seg_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _parse(path: Path) -> etree._Element:
    data = read_user_file(path, "TMX file", MAX_TMX_BYTES)
    try:
        tree = etree.ElementTree(etree.fromstring(data, _PARSER))
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{path}: not a TMX file (not well-formed XML: {exc.msg})") from None
    except ValueError as exc:
        raise InputError(f"{path}: not a TMX file ({exc})") from None
    dtd = tree.docinfo.internalDTD  # lxml gives one for any DOCTYPE; refuse only declarations
    if dtd is not None and (any(True for _ in dtd.iterentities()) or dtd.elements()):
        raise InputError(
            f"{path}: refusing a TMX with its own DTD (entity declarations); nothing was imported"
        )
    root = tree.getroot()
    if not isinstance(root.tag, str) or etree.QName(root).localname != "tmx":
        raise InputError(f"{path}: not a TMX file (the root element is not <tmx>)")
    body = root.find("body")
    if body is None:
        raise InputError(f"{path}: not a TMX file (no <body>)")
    for entity in root.iter(etree.Entity):
        raise InputError(f"{path}: refusing a TMX with an entity reference (&{entity.name};)")
    return root


def read_tmx(path: Path, source_lang: str = "ar", target_lang: str = "en") -> TmxContents:
    """Every Arabic-English pair of a TMX file; InputError (exit 2) if it is not one we can read."""
    root = _parse(path)
    header = root.find("header")
    contents = TmxContents(path=path)
    contents.ours = header is not None and header.get("creationtool") == APP_NAME
    seen: set[str] = set()
    for tu in root.find("body").iter("tu"):
        variants: dict[str, etree._Element] = {}
        for tuv in tu.findall("tuv"):
            lang = _primary(tuv.get(XML_LANG) or tuv.get("lang"))
            variants.setdefault(lang, tuv)
        source_tuv, target_tuv = variants.get(source_lang), variants.get(target_lang)
        if source_tuv is None or target_tuv is None:
            contents.other_language += 1
            continue
        source_seg, target_seg = source_tuv.find("seg"), target_tuv.find("seg")
        source = normalise_source(_seg_text(source_seg)) if source_seg is not None else ""
        # Taken as it is: in a segment, whitespace is the translation's own.
        target = _seg_text(target_seg) if target_seg is not None else ""
        if not source or not target.strip():
            contents.empty += 1
            continue
        if source in seen:
            contents.repeated += 1
            continue
        seen.add(source)
        contents.units.append(_unit(tu, target_tuv, source, target, contents.ours))
    return contents


def _first(*values: str | None) -> str | None:
    return next((v for v in values if v), None)


def _unit(tu, target_tuv, source: str, target: str, ours: bool) -> TmxUnit:
    creator = _first(
        target_tuv.get("changeid"), tu.get("changeid"), target_tuv.get("creationid"), tu.get("creationid")
    )
    date = iso_from_tmx(
        _first(
            target_tuv.get("changedate"),
            tu.get("changedate"),
            target_tuv.get("creationdate"),
            tu.get("creationdate"),
        )
    )
    props = {prop.get("type"): (prop.text or "") for prop in tu.findall("prop")}
    origin = props.get("x-origin")
    if not ours or origin not in OUR_ORIGINS:
        return TmxUnit(source, target, creator=creator, creator_date=date)
    model = props.get("x-model") or None
    if origin == "machine" and not model:
        return TmxUnit(source, target, creator=creator, creator_date=date)  # cannot be machine without one
    try:
        score = float(props["x-score"]) if props.get("x-score") else None
    except ValueError:
        score = None
    if score is not None and not math.isfinite(score):  # "inf", "nan", "1e999": no score at all
        score = None
    return TmxUnit(
        source,
        target,
        origin=origin,
        creator=props.get("x-creator") or None,
        creator_date=iso_from_tmx(props.get("x-creator-date")),
        model=model if origin == "machine" else None,
        reviewed_file=(props.get("x-reviewed-file") or None) if origin == "reviewed" else None,
        reviewed_at=iso_from_tmx(props.get("x-reviewed-at")) if origin == "reviewed" else None,
        imported_file=(props.get("x-imported-file") or None) if origin == "imported" else None,
        machine_target=(props.get("x-machine-target") or None) if origin == "reviewed" else None,
        machine_model=(props.get("x-machine-model") or None) if origin == "reviewed" else None,
        score=score if origin == "machine" else None,
        created_at=iso_from_tmx(tu.get("creationdate")),
        updated_at=iso_from_tmx(tu.get("changedate")),
    )


# Which entry wins when two kinds of English meet for one passage (see `record_imported`).
PRECEDENCE = {"machine": 0, "imported": 1, "reviewed": 2}


@dataclass
class ImportCounts:
    """What `record_imported` did with the units of one TMX file."""

    new: int = 0
    updated: int = 0  # replaced a machine (or an older imported) entry
    unchanged: int = 0  # the memory already holds that English
    kept: int = 0  # the memory's entry ranks higher (a reviewed one, against imported English)

    @property
    def stored(self) -> int:
        return self.new + self.updated


def record_imported(tm: TranslationMemory, units: Sequence[TmxUnit], imported_file: str) -> ImportCounts:
    """Store the units of one TMX file in the memory `tm` (`tm import`), all of them or none of them.

    Precedence, the same as `apply`'s: reviewed > imported > machine. A reviewed entry is
    never replaced (this team checked that English against this Arabic; another memory's
    English may be older or follow other conventions); an imported unit replaces machine
    text (a person made or accepted it) and an older import. A unit whose English the
    memory already holds is left alone, origin and dates included, so re-importing a
    file changes nothing and the machine English a CAT tool hands back unchanged stays
    marked as machine. Units from our own TMX keep the origin they were exported with.
    """
    counts = ImportCounts()
    now = utc_stamp()
    with tm.write("writing to"):
        for unit in units:
            entry = tm.connection.execute(
                "SELECT target, origin FROM entries WHERE source = ? AND source_lang = ? AND target_lang = ?",
                (unit.source, tm.source_lang, tm.target_lang),
            ).fetchone()
            if entry is not None and entry["target"] == unit.target:
                counts.unchanged += 1
                continue
            if entry is not None and PRECEDENCE[entry["origin"]] > PRECEDENCE[unit.origin]:
                counts.kept += 1
                continue
            if entry is None:
                counts.new += 1
            else:
                counts.updated += 1
            _replace_entry(tm, unit, imported_file, now)
    return counts


def _replace_entry(tm: TranslationMemory, unit: TmxUnit, imported_file: str, now: str) -> None:
    tm.connection.execute(
        """
        INSERT OR REPLACE INTO entries (
            source, source_lang, target_lang, target, origin, model, reviewed_file, reviewed_at,
            score, created_at, updated_at, creator, creator_date, imported_file,
            machine_target, machine_model)
        VALUES (:source, :source_lang, :target_lang, :target, :origin, :model, :reviewed_file,
                :reviewed_at, :score, :created_at, :updated_at, :creator, :creator_date,
                :imported_file, :machine_target, :machine_model)
        """,
        {
            **tm.key(unit.source),
            "target": unit.target,
            "origin": unit.origin,
            "model": unit.model,
            "reviewed_file": unit.reviewed_file,
            "reviewed_at": unit.reviewed_at,
            "score": unit.score,
            "created_at": unit.created_at or now,
            "updated_at": unit.updated_at or now,
            "creator": unit.creator,
            "creator_date": unit.creator_date,
            "imported_file": (unit.imported_file or imported_file) if unit.origin == "imported" else None,
            "machine_target": unit.machine_target,
            "machine_model": unit.machine_model,
        },
    )
