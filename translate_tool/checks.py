"""Per-passage QA: flag where a machine translation is doubtful, so the briefing can say so.

`run_checks` gives every block a list of `Flag(check, message)`; a message is one short line
for the reader ("number 25 missing from the English"). Call it after translation: a block
whose English is empty is flagged as such. Checks, by name:

- ``empty``: no English for a passage with Arabic text.
- ``numbers``: every number in the Arabic must appear in the English. Western, Arabic-Indic
  (٠-٩) and Eastern (۰-۹) digits, the Arabic decimal and thousands separators (٫ ٬), "." and
  "," either way, space-grouped thousands, ٪ and %, numeric dates (a month may become its
  name), Arabic and English scale words (مليون / million) and English number words up to the
  tens ("six", "twenty-five") are all brought to one canonical value before comparing.
- ``arabic``: Arabic script left in the English.
- ``length``: English/Arabic length far outside the normal band (see LENGTH_* below).
- ``repetition``: an n-gram (n = 1..4) repeated three or more times in a row, a content
  n-gram making up a large share of the output (the usual NMT failure loops), or a doubled
  word.
- ``confidence``: the model's score for the passage is an outlier low for this document.
- ``glossary``: a glossary term in the Arabic whose required English is not in the English;
  also a passage that had to be translated in pieces around a term the model dropped.
- ``split``: a sentence too long for the model, translated in pieces and joined.

Reviewed passages (a person's English) get only the ``numbers`` and ``glossary`` checks.

translate-toolkit (the pofilter checks, `translate.filters.checks.StandardChecker`) is used
where its checks fit news MT: `untranslated` and `blank` decide ``empty``, and `doublewords`
finds a doubled word in each English sentence (``repetition``). The others do not fit:
`numbers` only knows ٠-٩ through `translate.lang.ar`, not ۰-۹, ٫ or ٬, compares exact digit
strings and counts (so "1,000" ≠ "1000" and "six" ≠ "6"); `short`/`long` use a 10x ratio
meant for UI strings, far too loose for paragraphs; `urls` compares URL lists exactly and trips
over trailing punctuation that differs between scripts; `acronyms`, `startcaps` and
`simplecaps` need a cased source; `printf`, `xmltags`, `accelerators`, `escapes` and the like
are about software strings. translate-toolkit is imported lazily; without it the ``empty``
check falls back to a plain test and doubled words are not reported.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal

from .article import Article, Block, Flag, Origin, has_content
from .briefing import unsafe_count
from .glossary import Glossary, has_english
from .text import plural

log = logging.getLogger(__name__)

CHECKS = (
    "characters", "empty", "numbers", "arabic", "length", "repetition", "confidence", "glossary", "split",
)  # fmt: skip

# Length: Arabic->English news English runs about 1.0-1.6x the Arabic's characters (Arabic
# writes no short vowels and attaches and/the/in/to to the next word). A paragraph at under
# 0.4x has lost most of its content; over 3x is almost always a loop or hallucination. Short
# sources (headings, names) vary too much to judge.
LENGTH_LOW = 0.4
LENGTH_HIGH = 3.0
LENGTH_MIN_SOURCE_CHARS = 20

# Repetition.
REPEAT_MAX_N = 4
REPEAT_MIN_RUN = 3  # "the the the", "in the in the in the"
SHARE_MIN_TOKENS = 10
SHARE_MIN_COUNT = 4
SHARE_LIMIT = 0.4  # one content n-gram covering 40% of the words
STOPWORDS = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "had", "has", "have", "he", "in"]
    + ["is", "it", "its", "of", "on", "or", "said", "that", "the", "their", "they", "this", "to", "was"]
    + ["were", "which", "who", "will", "with"]
)
# English allows these doubled ("he said that that was wrong", "had had").
VALID_DOUBLES = frozenset(["that", "had", "is"])

# Confidence: a passage is flagged only when it is both in the document's bottom decile and
# clearly below its median: by more than CONFIDENCE_K robust standard deviations (1.4826 x MAD)
# and by at least CONFIDENCE_MIN_GAP nats per token (e^-0.2 ~ 18% lower mean token probability),
# so a document of uniformly scored passages gets no flags. Fewer than CONFIDENCE_MIN_BLOCKS
# scored passages are too few to compare; passages of fewer than CONFIDENCE_MIN_WORDS Arabic
# words (names, headings) have noisy scores and are left out. Counted on the source, not on
# decoded tokens, so a passage reused from the memory is judged exactly as when it was new.
CONFIDENCE_MIN_BLOCKS = 8
CONFIDENCE_DECILE = 0.10
CONFIDENCE_K = 2.0
CONFIDENCE_MIN_GAP = 0.2
CONFIDENCE_MIN_WORDS = 3
LOW_CONFIDENCE = f"low model confidence (bottom {CONFIDENCE_DECILE:.0%} of this document)"


def run_checks(articles: Sequence[Article], glossary: Glossary | None = None) -> None:
    """Set each block's flags from the checks (flags other stages set are kept)."""
    for article in articles:
        low = low_confidence(article)
        for block in article.blocks:
            block.flags = [f for f in block.flags if f.check not in CHECKS]
            block.flags.extend(check_block(block, glossary))
            if id(block) in low:
                block.flags.append(Flag("confidence", LOW_CONFIDENCE))


def check_block(block: Block, glossary: Glossary | None = None) -> list[Flag]:
    """Every per-passage check except confidence, which needs the whole document."""
    characters = check_characters(block.source, block.target)
    return ([characters] if characters else []) + _content_checks(block, glossary)


def check_characters(source: str, target: str) -> Flag | None:
    """Characters the briefing shows as � (`briefing.clean_text`): the reader must know they were there."""
    count = unsafe_count(source) + unsafe_count(target)
    if not count:
        return None
    what = plural(count, "character")
    return Flag("characters", f"{what} a document cannot hold (control codes, noncharacters) shown as �")


def _content_checks(block: Block, glossary: Glossary | None) -> list[Flag]:
    if not has_content(block.source):
        return []
    reviewed = block.origin is Origin.REVIEWED
    target = block.target
    if not reviewed and (flag := check_empty(block.source, target)):
        return [flag]
    if not reviewed and (flag := check_empty_sentence(block)):
        return [flag]
    if not target.strip():
        return []
    found = [
        check_numbers(block.source, target),
        check_glossary(block.source, target, glossary, _sentence_terms(block)),
    ]
    if not reviewed:
        sentences = [s.target for s in block.sentences if s.target] or None
        found += [
            check_arabic(target),
            check_length(block.source, target),
            check_repetition(target, sentences),
            check_spliced(block),
            check_split(block),
        ]
    return [flag for flag in found if flag]


def summary(articles: Sequence[Article]) -> tuple[int, int]:
    """(passages with at least one flag, all passages), for "4 of 39 passages need attention"."""
    blocks = [b for a in articles for b in a.blocks]
    return sum(1 for b in blocks if b.flags), len(blocks)


def summary_line(articles: Sequence[Article]) -> str:
    flagged, total = summary(articles)
    if not flagged:
        return f"none of the {total} passages was flagged" if total != 1 else "the passage was not flagged"
    verb = "needs" if flagged == 1 else "need"
    return f"{flagged} of {plural(total, 'passage')} {verb} attention"


# --- translate-toolkit -----------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _toolkit():
    """(StandardChecker for English, FilterFailure), or None without translate-toolkit."""
    try:
        from translate.filters.checks import CheckerConfig, FilterFailure, StandardChecker
    except ImportError:  # pragma: no cover - translate-toolkit is a dependency
        log.warning("translate-toolkit is not installed: doubled words are not checked")
        return None
    return StandardChecker(checkerconfig=CheckerConfig(targetlanguage="en")), FilterFailure


def _toolkit_fails(check: str, source: str, target: str) -> str | None:
    """The failure message of a pofilter check, or None if it passes (or is unavailable)."""
    toolkit = _toolkit()
    if toolkit is None:
        return None
    checker, failure = toolkit
    try:
        passed = getattr(checker, check)(source, target)
    except failure as exc:
        return str(exc)
    return None if passed else check


# --- empty -----------------------------------------------------------------------------


def check_empty(source: str, target: str) -> Flag | None:
    if _toolkit() is None:
        empty = not target.strip()
    else:
        empty = bool(
            _toolkit_fails("untranslated", source, target) or _toolkit_fails("blank", source, target)
        )
    return Flag("empty", "no English for this passage") if empty else None


def check_empty_sentence(block: Block) -> Flag | None:
    """A sentence the model left empty vanishes from the joined English: say which one."""
    if block.origin is not Origin.MACHINE or len(block.sentences) < 2:
        return None
    empty = [i for i, s in enumerate(block.sentences, 1) if has_content(s.source) and not s.target.strip()]
    if not empty:
        return None
    which = ", ".join(str(i) for i in empty)
    return Flag("empty", f"no English for sentence {which} of {len(block.sentences)}")


# --- numbers ---------------------------------------------------------------------------

ARABIC_DECIMAL = "\u066b"  # ٫
ARABIC_THOUSANDS = "\u066c"  # ٬
SPACES = " \u00a0\u202f\u2009"
NUMBER = re.compile(
    rf"(?<![0-9])[0-9]+(?:(?:[.,{ARABIC_DECIMAL}{ARABIC_THOUSANDS}]|[{SPACES}](?=[0-9]{{3}}(?![0-9])))[0-9]+)*"
)
SEPARATOR = re.compile(rf"[.,{ARABIC_DECIMAL}{ARABIC_THOUSANDS}{SPACES}]")
DATE = re.compile(r"(?<![0-9])([0-9]{1,4})\s*([/-])\s*([0-9]{1,2})\s*\2\s*([0-9]{1,4})(?![0-9])")

ARABIC_SCALES = {
    "الف": 10**3,
    "الاف": 10**3,
    "مليون": 10**6,
    "ملايين": 10**6,
    "مليار": 10**9,
    "مليارات": 10**9,
    "بليون": 10**9,
    "تريليون": 10**12,
}
ENGLISH_SCALES = {
    "hundred": 100,
    "thousand": 10**3,
    "million": 10**6,
    "billion": 10**9,
    "bn": 10**9,
    "trillion": 10**12,
}
UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
UNITS += [
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
NUMBER_WORDS = {word: n for n, word in enumerate(UNITS)} | {word: 20 + 10 * i for i, word in enumerate(TENS)}
NUMBER_WORDS |= {"dozen": 12} | {word: value for word, value in ENGLISH_SCALES.items() if word != "bn"}
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september"]
MONTHS += ["october", "november", "december"]
MONTH_KEYS = {name: f"month:{i}" for i, name in enumerate(MONTHS, start=1)}
MONTH_KEYS |= {name[:3]: key for name, key in MONTH_KEYS.items()} | {"sept": "month:9"}


class _WesternDigits(dict):
    """`str.translate` table: each code point's Western digit, or itself; filled as met."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        self[code] = str(unicodedata.decimal(char)) if char.isdecimal() and not char.isascii() else char
        return self[code]


_WESTERN_DIGITS = _WesternDigits()


def western_digits(text: str) -> str:
    """Every decimal digit (Arabic-Indic, Eastern Arabic-Indic, ...) as 0-9."""
    # One C-level pass (a per-character generator was the largest cost of an export's checks).
    return text if text.isascii() else text.translate(_WESTERN_DIGITS)


def canonical(value: str | Decimal) -> str:
    number = Decimal(value) if isinstance(value, str) else value
    return format(number.normalize(), "f")


def _readings(token: str) -> tuple[list[str], list[str]]:
    """(whole-number readings of a digit token, its digit groups read separately).

    "1,000" reads 1000 or 1 (decimal comma); "3٫5" reads 3.5; "1 000 000" reads 1000000.
    """
    groups = SEPARATOR.split(token)
    seps = SEPARATOR.findall(token)
    if not seps:
        return [canonical(token)], [canonical(token)]
    readings: list[str] = []
    thousands_ok = (
        len(set(seps)) == 1
        and seps[0] != ARABIC_DECIMAL
        and 1 <= len(groups[0]) <= 3
        and all(len(g) == 3 for g in groups[1:])
    )
    if thousands_ok:
        readings.append(canonical("".join(groups)))
    last = seps[-1]
    if last in f".,{ARABIC_DECIMAL}":
        head, head_seps = groups[:-1], seps[:-1]
        head_ok = not head_seps or (
            len(set(head_seps)) == 1
            and head_seps[0] not in (last, ARABIC_DECIMAL)
            and 1 <= len(head[0]) <= 3
            and all(len(g) == 3 for g in head[1:])
        )
        if head_ok:
            readings.append(canonical("".join(head) + "." + groups[-1]))
    return readings, [canonical(g) for g in groups]


def _scale_after(text: str, end: int, scales: dict[str, int]) -> int | None:
    match = re.match(r"\s*(\w+)", text[end:])
    if not match:
        return None
    word = match.group(1)
    if scales is ARABIC_SCALES:
        word = word.replace("أ", "ا").replace("آ", "ا")
    return scales.get(word.lower())


def _scaled(readings: Iterable[str], scale: int | None) -> list[str]:
    if not scale:
        return []
    return [canonical(Decimal(reading) * scale) for reading in readings]


def source_numbers(text: str) -> list[tuple[str, list[frozenset[str]]]]:
    """Each number in the Arabic: (how to show it, alternatives); an alternative is a set of
    canonical values that must all be in the English."""
    text = western_digits(text)
    found: list[tuple[str, list[frozenset[str]]]] = []
    dates = {m.span(): m for m in DATE.finditer(text)}
    covered = [range(*span) for span in dates]
    for match in NUMBER.finditer(text):
        if any(match.start() in r for r in covered):
            continue
        readings, groups = _readings(match.group())
        scale = _scale_after(text, match.end(), ARABIC_SCALES)
        options = [frozenset({r}) for r in readings + _scaled(readings, scale)]
        if len(groups) > 1:
            options.append(frozenset(groups))
        found.append((_display(readings[0] if readings else match.group()), options))
    for _, match in sorted(dates.items()):
        day, _, month, year = match.groups()
        values = [canonical(day), canonical(month), canonical(year)]
        options = [frozenset(values)]
        if 1 <= int(month) <= 12:
            options.append(frozenset({values[0], f"month:{int(month)}", values[2]}))
        if 1 <= int(day) <= 12:  # year/month/day written the other way round
            options.append(frozenset({f"month:{int(day)}", values[1], values[2]}))
        found.append((match.group(), options))
    return found


SHOWN_DIGITS_MAX = 24  # a longer number is shown by its first digits and its length


def _display(value: str) -> str:
    """`12,345` for a whole number; grouped on the string, since int() refuses 4,300+ digits."""
    if len(value) > SHOWN_DIGITS_MAX:
        return f"{value[:12]}… ({len(value):,} digits)"
    if "." not in value and value.isdigit() and len(value) > 4:
        head = len(value) % 3 or 3
        return ",".join([value[:head], *(value[i : i + 3] for i in range(head, len(value), 3))])
    return value


def target_numbers(text: str) -> set[str]:
    """Every canonical value the English expresses, read generously (digits, words, months)."""
    text = western_digits(text)
    values: set[str] = set()
    for match in NUMBER.finditer(text):
        readings, groups = _readings(match.group())
        values.update(readings, groups)
        values.update(_scaled(readings + groups, _scale_after(text, match.end(), ENGLISH_SCALES)))
    words = [m.group() for m in re.finditer(r"[a-z]+", text.lower())]
    for i, word in enumerate(words):
        if word in MONTH_KEYS:
            values.add(MONTH_KEYS[word])
        if word not in NUMBER_WORDS:
            continue
        value = NUMBER_WORDS[word]
        values.add(str(value))
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if word in TENS and nxt in UNITS[1:10]:
            value += NUMBER_WORDS[nxt]
            values.add(str(value))
            nxt = words[i + 2] if i + 2 < len(words) else ""
        if nxt in ENGLISH_SCALES and word not in ENGLISH_SCALES:
            values.add(str(value * ENGLISH_SCALES[nxt]))
    return values


def missing_numbers(source: str, target: str) -> list[str]:
    have = target_numbers(target)
    return [shown for shown, options in source_numbers(source) if not any(opt <= have for opt in options)]


def check_numbers(source: str, target: str) -> Flag | None:
    missing = list(dict.fromkeys(missing_numbers(source, target)))
    if not missing:
        return None
    if len(missing) == 1:
        return Flag("numbers", f"number {missing[0]} missing from the English")
    return Flag("numbers", f"numbers {', '.join(missing)} missing from the English")


# --- Arabic left in the English ---------------------------------------------------------

ARABIC_RUN = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]+")


def check_arabic(target: str) -> Flag | None:
    words = [w for w in ARABIC_RUN.findall(target) if any(unicodedata.category(c).startswith("L") for c in w)]
    if not words:
        return None
    count = plural(len(words), "word")
    return Flag("arabic", f"Arabic text left in the English ({count})")


# --- length ----------------------------------------------------------------------------


def _chars(text: str) -> int:
    return len(" ".join(text.split()))


def check_length(source: str, target: str) -> Flag | None:
    length = _chars(source)
    if length < LENGTH_MIN_SOURCE_CHARS:
        return None
    ratio = _chars(target) / length
    if ratio < LENGTH_LOW:
        return Flag("length", f"English much shorter than the Arabic ({ratio:.1f}x)")
    if ratio > LENGTH_HIGH:
        return Flag("length", f"English much longer than the Arabic ({ratio:.1f}x)")
    return None


# --- repetition ------------------------------------------------------------------------

WORD = re.compile(r"\w+(?:['’]\w+)?")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def longest_run(tokens: Sequence[str]) -> tuple[tuple[str, ...], int] | None:
    """The n-gram (shortest n first) repeated most times in a row, if REPEAT_MIN_RUN or more."""
    for n in range(1, REPEAT_MAX_N + 1):
        best: tuple[tuple[str, ...], int] | None = None
        for start in range(len(tokens) - n + 1):
            gram = tuple(tokens[start : start + n])
            count = 1
            while tuple(tokens[start + count * n : start + (count + 1) * n]) == gram:
                count += 1
            if count >= REPEAT_MIN_RUN and (best is None or count > best[1]):
                best = (gram, count)
        if best:
            return best
    return None


def dominant_ngram(tokens: Sequence[str]) -> tuple[tuple[str, ...], float] | None:
    """A content n-gram covering SHARE_LIMIT or more of the words, with its share."""
    if len(tokens) < SHARE_MIN_TOKENS:
        return None
    for n in range(1, REPEAT_MAX_N + 1):
        grams = Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        for gram, count in grams.most_common():
            if all(word in STOPWORDS for word in gram):
                continue
            share = count * n / len(tokens)
            if count >= SHARE_MIN_COUNT and share >= SHARE_LIMIT:
                return gram, share
            break  # most_common is sorted: the first content n-gram is the largest
    return None


def check_repetition(target: str, sentences: Sequence[str] | None = None) -> Flag | None:
    tokens = [w.lower() for w in WORD.findall(target)]
    if run := longest_run(tokens):
        gram, count = run
        return Flag("repetition", f'repeats "{" ".join(gram)}" {count} times in a row')
    if dominant := dominant_ngram(tokens):
        gram, share = dominant
        return Flag("repetition", f'"{" ".join(gram)}" makes up {share:.0%} of the English')
    for sentence in sentences or SENTENCE_END.split(target):
        if message := _toolkit_fails("doublewords", "", sentence):
            word = re.search(r"'(.+)'", message)
            if word and word.group(1) in VALID_DOUBLES:
                continue
            return Flag("repetition", f'the word "{word.group(1)}" is doubled' if word else message)
    return None


# --- glossary --------------------------------------------------------------------------


def _sentence_terms(block: Block) -> list[str]:
    return list(dict.fromkeys(term for s in block.sentences for term in s.terms))


def check_glossary(
    source: str, target: str, glossary: Glossary | None, recorded: Sequence[str] = ()
) -> Flag | None:
    """Required English missing; without a glossary, the terms the pipeline recorded are used."""
    required = [m.english for m in glossary.find(source)] if glossary else list(recorded)
    missing = [en for en in dict.fromkeys(required) if not has_english(target, en)]
    if not missing:
        return None
    return Flag("glossary", f"glossary: {', '.join(missing)} missing")


def check_spliced(block: Block) -> Flag | None:
    terms = list(dict.fromkeys(t for s in block.sentences if s.spliced for t in s.terms))
    if not terms:
        return None
    them = "it" if len(terms) == 1 else "them"
    return Flag("glossary", f"the model dropped {', '.join(terms)}: translated in pieces around {them}")


def check_split(block: Block) -> Flag | None:
    pieces = max((s.pieces for s in block.sentences), default=1)
    if pieces <= 1:
        return None
    return Flag("split", f"a sentence too long for the model was translated in {pieces} pieces")


# --- confidence ------------------------------------------------------------------------


def low_confidence(article: Article) -> set[int]:
    """ids of the blocks whose score is an outlier low for this article (see CONFIDENCE_*)."""
    scored = [
        (id(b), b.score)
        for b in article.blocks
        if b.score is not None
        and b.origin is not Origin.REVIEWED
        and b.target.strip()
        and len(b.source.split()) >= CONFIDENCE_MIN_WORDS
    ]
    if len(scored) < CONFIDENCE_MIN_BLOCKS:
        return set()
    scores = sorted(score for _, score in scored)
    median = statistics.median(scores)
    spread = 1.4826 * statistics.median([abs(s - median) for s in scores])  # MAD as a standard deviation
    threshold = median - max(CONFIDENCE_K * spread, CONFIDENCE_MIN_GAP)
    decile = scores[max(0, math.ceil(len(scores) * CONFIDENCE_DECILE) - 1)]
    return {key for key, score in scored if score < threshold and score <= decile}
