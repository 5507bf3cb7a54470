"""The translate stage: each distinct sentence of a run is decoded once, whatever repeats it."""

from __future__ import annotations

from helpers import FakeTranslator, run_cli
from hypothesis import given
from hypothesis import strategies as st

from translate_tool.article import Article, Block, BlockKind, normalise_source
from translate_tool.engine import Hypothesis
from translate_tool.memory import TranslationMemory
from translate_tool.pipeline import count_pending_sentences, translate_articles

SENTENCES = [
    "قال المتحدث إن المحادثات ستستأنف الأسبوع المقبل.",
    "وأضاف أن الوفد سيصل إلى العاصمة يوم الاثنين.",
    "ولم يصدر أي تعليق من الحكومة.",
]


class Echo:
    """Returns each sentence's normalised text as its English, so a mix-up cannot pass unseen."""

    label = "echo 1.0"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.progressed = 0

    def translate(self, sentences, progress=None):
        self.calls.append(list(sentences))
        if progress:
            progress(len(sentences))
        return [Hypothesis(f"<{normalise_source(s)}>", score=-0.5, tokens=3) for s in sentences]


# A sentence as a web page or Word might repeat it: NBSP, doubled spaces, tatweel, trailing space.
variant = st.sampled_from(
    [
        lambda s: s,
        lambda s: "  " + s.replace(" ", "\u00a0", 1) + " ",
        lambda s: s.replace(" ", "  "),
        lambda s: s.replace("ال", "الـ", 1),
    ]
)


@given(st.lists(st.tuples(st.sampled_from(SENTENCES), variant), min_size=1, max_size=40))
def test_each_distinct_sentence_is_decoded_once_and_every_copy_gets_its_own_english(picks):
    sources = [make(text) for text, make in picks]
    article = Article([Block(BlockKind.HEADING, s) for s in sources])  # headings: one sentence each
    translator = Echo()
    seen: list[int] = []
    assert count_pending_sentences([article]) == len({normalise_source(s) for s in sources})
    translate_articles([article], lambda: translator, seen.append)
    sent = [s for call in translator.calls for s in call]
    assert len(sent) == len({normalise_source(s) for s in sent}) == len({text for text, _ in picks})
    assert sum(seen) == len(sent)  # the progress bar counts what is decoded
    for block in article.blocks:
        assert block.target == f"<{normalise_source(block.source)}>"


def test_the_same_passage_500_times_is_decoded_once_and_stored_once(tmp_path, capsys, monkeypatch):
    text = "عنوان\n\n" + "\n\n".join([SENTENCES[0]] * 500 + [SENTENCES[1]]) + "\n"
    source = tmp_path / "repeats.txt"
    source.write_text(text, encoding="utf-8")
    from translate_tool.api import ExportOptions, export

    fake = FakeTranslator()
    result = export([source], ExportOptions(out_dir=tmp_path / "out", formats=("md",)), translator=fake)
    assert [len(call) for call in fake.calls] == [3]  # the title and two distinct sentences
    assert len(result.articles[0].blocks) == 502
    with TranslationMemory(tmp_path / "home" / "tm.sqlite3") as memory:
        assert memory.stats()["entries"] == 3
        # and the memory's own write is one row per distinct source too
        assert memory.record_machine(result.articles, "another-model 1.0") == 3


def test_cli_export_of_repeats_still_writes_every_row(tmp_path, capsys, synthetic_model):
    source = tmp_path / "repeats.txt"
    source.write_text("عنوان\n\n" + "\n\n".join([SENTENCES[2]] * 20) + "\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "export", source, "--model", synthetic_model, "--out-dir", tmp_path)
    assert code == 0, err
    md = (tmp_path / "repeats.md").read_text(encoding="utf-8")
    rows = [line for line in md.splitlines() if SENTENCES[2] in line and line.startswith("|")]
    assert len(rows) == 20 and len({row.split("|")[2] for row in rows}) == 1  # same English in each
