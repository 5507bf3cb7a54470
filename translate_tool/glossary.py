"""Required English for Arabic names and terms: load CSV glossaries, find terms, enforce them.

A glossary file has rows `arabic,english` (UTF-8, BOM allowed; an optional header row; blank
lines and lines starting with `#` are skipped). Later files override earlier ones.

Matching works on a normalised copy of the Arabic and reports spans in the original text:

- spelling variants fold together: أ إ آ ٱ → ا, ؤ → و, ئ → ي, ة → ه, ى → ي (and the Persian
  keyboard's ک and ی); tatweel, harakat and other combining marks, and invisible format
  characters are ignored; runs of whitespace count as one space;
- a term may carry the attached prefixes و ف (and), ب ك ل (in, like, to) and the article ال,
  alone or combined (وال، بال، لل، كال، فال، وبال ...), also written with tatweel (الـ);
- a term never matches inside a longer word otherwise (no suffixes: الأذربيجانية is not
  أذربيجان), and the words of a multi-word term may be separated by any whitespace;
- where terms overlap, the one with more words, then more letters, wins.

Enforcement (see `pipeline.translate_articles`) is in three steps, so that a term's English
appears even when the model is poor: `protect` writes the required English into the source
sentence before translation; `has_english` verifies the output; for sentences where a term is
missing, `split_around` cuts the original sentence at the terms, the pieces are translated on
their own and `splice` puts the required English between them.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import APP_NAME
from .article import has_arabic, has_content
from .errors import InputError
from .files import read_user_file
from .text import plural, short_sha1

# Spelling variants folded to one letter before matching.
LETTER_MAP = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ٲ": "ا",
    "ٳ": "ا",
    "ؤ": "و",
    "ئ": "ي",
    "ة": "ه",
    "ى": "ي",
    "ی": "ي",  # Persian yeh, common from Persian keyboards
    "ک": "ك",  # Persian keheh
}
TATWEEL = "\u0640"
# Invisible characters that may sit inside a word: zero-width space/joiners, directional marks,
# the Arabic letter mark, soft hyphen and BOM.
INVISIBLE = set("\u200b\u200c\u200d\u200e\u200f\u061c\u00ad\ufeff")

CONJUNCTIONS = ("", "و", "ف")
ARTICLE = "ال"


def _prefixes() -> dict[str, tuple[str, bool]]:
    """Every attached prefix -> (what to keep when the term is replaced, has an article).

    The kept part is the conjunction/preposition: "وبال" keeps "وب" ("and in"), "لل" keeps
    "ل" ("to/for the"); the article itself is dropped in front of an English name.
    """
    table: dict[str, tuple[str, bool]] = {}
    for conj in CONJUNCTIONS:
        for prep in ("", "ب", "ك", "ل"):
            table[conj + prep] = (conj + prep, False)
            if prep == "ل":
                table[conj + "لل"] = (conj + "ل", True)  # ل + ال is written لل
            else:
                table[conj + prep + ARTICLE] = (conj + prep, True)
    return table


PREFIXES = _prefixes()
# Longest first, so that "وال" is tried before "و".
PREFIX_ORDER = sorted(PREFIXES, key=len, reverse=True)
WORD = re.compile(r"\w+")
# What may separate the words of a multi-word term, after normalisation.
WORD_GAP = re.compile(r" ?[-\u2010\u2011\u2013] ?| ")


@dataclass(frozen=True)
class Term:
    arabic: str  # as written in the glossary
    english: str  # the English the translation must contain
    origin: str = ""  # "file.csv:12", for messages


@dataclass(frozen=True)
class TermMatch:
    """One occurrence of a term; offsets are into the original text."""

    start: int  # start of the word, attached prefix included
    term_start: int  # start of the term itself, after the prefix
    end: int
    term: Term
    kept_prefix: str = ""  # the prefix without its article ("و", "ب", "ول"...), kept in translation

    @property
    def english(self) -> str:
        return self.term.english


def normalise(text: str) -> tuple[str, list[int], list[int]]:
    """Fold `text` for matching; return it with each folded character's original [start, end).

    A character that is dropped (a diacritic, tatweel, an invisible mark) is counted in the
    end of the character before it, so a match that ends a word covers its trailing marks.
    """
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    after_tatweel = False
    for index, char in enumerate(text):
        if char.isspace():
            if out and out[-1] == " ":
                ends[-1] = index + 1
                continue
            if after_tatweel and _current_word(out) in PREFIXES.keys() - {""}:
                continue  # "الـ كاراباخ": the prefix written apart with a tatweel
            out.append(" ")
            starts.append(index)
            ends.append(index + 1)
            continue  # after_tatweel is next read after a non-space character, which resets it
        after_tatweel = False
        if char == TATWEEL or char in INVISIBLE or unicodedata.category(char) == "Mn":
            after_tatweel = char == TATWEEL
            if ends and out[-1] != " ":
                ends[-1] = index + 1
            continue
        for folded in unicodedata.normalize("NFKC", char):
            for piece in LETTER_MAP.get(folded, folded).casefold():
                out.append(piece)
                starts.append(index)
                ends.append(index + 1)
    return "".join(out), starts, ends


def _current_word(out: list[str]) -> str:
    word: list[str] = []
    for char in reversed(out):
        if not (char.isalnum() or char == "_"):
            break
        word.append(char)
    return "".join(reversed(word))


def fold(text: str) -> str:
    """The normalised form of `text`, the key glossary terms are compared by."""
    return " ".join(WORD.findall(normalise(text)[0]))


class Glossary:
    """Terms keyed by their folded Arabic; a later term with the same key replaces an earlier one."""

    def __init__(self, terms: Iterable[Term] = ()) -> None:
        self._terms: dict[str, Term] = {}
        self._words: dict[str, tuple[str, ...]] = {}
        self._by_first: dict[str, list[str]] = {}
        for term in terms:
            self.add(term)

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> Glossary:
        return cls(Term(arabic, english) for arabic, english in pairs)

    def add(self, term: Term) -> None:
        key = fold(term.arabic)
        if not key:
            raise ValueError(f"glossary term {term.arabic!r} has no letters")
        if key not in self._terms:
            words = tuple(key.split(" "))
            self._words[key] = words
            self._by_first.setdefault(words[0], []).append(key)
        self._terms[key] = term

    @property
    def terms(self) -> list[Term]:
        return list(self._terms.values())

    def __len__(self) -> int:
        return len(self._terms)

    def fingerprint(self) -> str:
        """A short hash of the terms: machine text made with another glossary is not reused."""

        pairs = sorted((key, term.english) for key, term in self._terms.items())
        return short_sha1(repr(pairs), 8)

    def __iter__(self) -> Iterator[Term]:
        return iter(self._terms.values())

    def find(self, text: str) -> list[TermMatch]:
        """Every term occurrence in `text`, left to right, longest term first where they overlap."""
        if not self._terms:
            return []
        folded, starts, ends = normalise(text)
        words = list(WORD.finditer(folded))
        # (words covered, letters in the term, start word, end word, key, prefix)
        candidates: list[tuple[int, int, int, int, str, str]] = []
        for i, word in enumerate(words):
            token = word.group()
            for prefix in PREFIX_ORDER:
                if not token.startswith(prefix) or len(token) == len(prefix):
                    continue
                rest = token[len(prefix) :]
                keys = [rest, ARTICLE + rest] if PREFIXES[prefix][1] else [rest]
                for first in keys:
                    for key in self._by_first.get(first, ()):
                        last = self._match_rest(folded, words, i, self._words[key])
                        if last is not None:
                            candidates.append((last - i + 1, len(key), i, last, key, prefix))
        candidates.sort(key=lambda c: (-c[0], -c[1], c[2], len(c[5])))
        taken: set[int] = set()
        chosen: list[TermMatch] = []
        for _, _, first_word, last_word, key, prefix in candidates:
            span = set(range(first_word, last_word + 1))
            if span & taken:
                continue
            taken |= span
            begin = words[first_word].start()
            chosen.append(
                TermMatch(
                    start=starts[begin],
                    term_start=starts[begin + len(prefix)],
                    end=ends[words[last_word].end() - 1],
                    term=self._terms[key],
                    kept_prefix=PREFIXES[prefix][0],
                )
            )
        return sorted(chosen, key=lambda m: m.start)

    @staticmethod
    def _match_rest(
        folded: str, words: list[re.Match[str]], i: int, term_words: tuple[str, ...]
    ) -> int | None:
        """Index of the last text word if the term's later words follow word i, else None."""
        for offset, expected in enumerate(term_words[1:], start=1):
            j = i + offset
            if j >= len(words) or words[j].group() != expected:
                return None
            if not WORD_GAP.fullmatch(folded[words[j - 1].end() : words[j].start()]):
                return None
        return i + len(term_words) - 1


# --- loading ---------------------------------------------------------------------------

HEADER_WORDS = ({"arabic", "ar", "source", "term"}, {"english", "en", "target", "translation"})


def default_glossary_path() -> Path:
    """The user's own glossary, read (if it exists) before any given with --glossary."""
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "glossary.csv"


def load_glossary(paths: Sequence[Path]) -> Glossary:
    """Read glossary files in order; a term in a later file overrides the same term earlier."""
    glossary = Glossary()
    for path in paths:
        for term in read_glossary_file(Path(path)):
            glossary.add(term)
    return glossary


def read_glossary_file(path: Path) -> list[Term]:
    data = read_user_file(path, "glossary file")
    if b"\x00" in data:
        raise InputError(f"{path}: not a CSV text file (binary data); save the glossary as CSV UTF-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: not UTF-8 text; save the glossary as CSV UTF-8") from None
    return parse_glossary(text, str(path))


def parse_glossary(text: str, name: str = "glossary") -> list[Term]:
    terms: list[Term] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    seen_row = False
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InputError(f"{name}:{reader.line_num}: not valid CSV ({exc})") from None
        line = reader.line_num
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        while cells and not cells[-1]:
            cells.pop()  # trailing empty columns, as spreadsheets export them
        first_row, seen_row = not seen_row, True
        if first_row and len(cells) >= 2 and _is_header(cells):
            continue
        if len(cells) != 2 or not all(cells):
            found = plural(len(cells), "column")
            hint = " (quote the English if it contains a comma)" if len(cells) > 2 else ""
            raise InputError(
                f"{name}:{line}: expected two non-empty columns, arabic,english; found {found}{hint}"
            )
        arabic, english = cells
        if not has_arabic(arabic):
            raise InputError(f"{name}:{line}: the first column must be the Arabic term, got {arabic!r}")
        if has_arabic(english):
            raise InputError(f"{name}:{line}: the second column must be the English, got {english!r}")
        terms.append(Term(arabic, " ".join(english.split()), f"{name}:{line}"))
    return terms


def _is_header(cells: list[str]) -> bool:
    return cells[0].lower() in HEADER_WORDS[0] and cells[1].lower() in HEADER_WORDS[1]


# --- enforcing -------------------------------------------------------------------------

ARABIC_PUNCTUATION = str.maketrans({"،": ",", "؛": ";", "؟": "?", "٪": "%", "«": '"', "»": '"'})
SPACE_BEFORE = re.compile(r"\s+([,.;:?!%)\]])")
SPACE_AFTER = re.compile(r"([(\[])\s+")


def protect(text: str, matches: Sequence[TermMatch]) -> str:
    """`text` with each matched term replaced by its English (the prefix's conjunction kept)."""
    out: list[str] = []
    position = 0
    for match in matches:
        out.append(text[position : match.start])
        if match.kept_prefix:
            out.append(match.kept_prefix + " ")
        out.append(match.english)
        position = match.end
    out.append(text[position:])
    return "".join(out)


def english_pattern(english: str) -> re.Pattern[str]:
    """Whole-word, case-insensitive; any whitespace between words, spaces allowed around hyphens."""
    parts = [re.escape(word) for word in english.split()]
    body = r"\s+".join(parts).replace(r"\-", r"\s*-\s*")
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


def has_english(text: str, english: str) -> bool:
    return english_pattern(english).search(text) is not None


def missing_english(target: str, matches: Iterable[TermMatch]) -> list[str]:
    """The required English of `matches` not found in `target`, each once, in order."""
    missing: list[str] = []
    for match in matches:
        if match.english not in missing and not has_english(target, match.english):
            missing.append(match.english)
    return missing


def split_around(text: str, matches: Sequence[TermMatch]) -> list[str]:
    """The Arabic between the terms: len(matches) + 1 pieces, each keeping its prefix's conjunction."""
    pieces: list[str] = []
    position = 0
    for match in matches:
        pieces.append((text[position : match.start] + match.kept_prefix).strip())
        position = match.end
    pieces.append(text[position:].strip())
    return pieces


def needs_translation(piece: str) -> bool:
    """A piece with letters or digits goes to the model; bare punctuation is carried over."""
    return has_content(piece)


def splice(english_pieces: Sequence[str], matches: Sequence[TermMatch]) -> str:
    """Join translated pieces with each term's required English between them."""
    if len(english_pieces) != len(matches) + 1:
        raise ValueError("need one more piece than matches")
    parts = [english_pieces[0].translate(ARABIC_PUNCTUATION).strip()]
    for match, piece in zip(matches, english_pieces[1:], strict=True):
        parts.append(match.english)
        parts.append(piece.translate(ARABIC_PUNCTUATION).strip())
    text = " ".join(part for part in parts if part)
    return SPACE_AFTER.sub(r"\1", SPACE_BEFORE.sub(r"\1", text))
