"""`tm report` (post-edit figures per model) and `evaluate HYP REF`, checked against sacrebleu itself."""

from __future__ import annotations

import json

import pytest
import sacrebleu
from helpers import run_cli

from translate_tool.article import Article, Block, BlockKind
from translate_tool.memory import TranslationMemory
from translate_tool.memory_history import ReviewChange, post_edit_pairs, record_reviews

MODEL_A = "translate-ar_en 1.9"
MODEL_B = "translate-ar_en 2.0"
PASSAGES = [
    (
        "قال المتحدث إن المحادثات ستستأنف.",
        "The speaker said talks will resumed.",
        "The spokesman said talks would resume.",
    ),
    ("أعلنت الحكومة خطة جديدة.", "Government announced new plan.", "The government announced a new plan."),
    (
        "وصل الوفد إلى العاصمة.",
        "The delegation arrived in the capital.",
        "The delegation arrived in the capital.",
    ),
]


def machine(model_pairs):
    return Article(blocks=[Block(BlockKind.PARAGRAPH, s, target=t, score=-0.3) for s, t in model_pairs])


@pytest.fixture
def memory_with_reviews(tmp_path):
    path = tmp_path / "tm.sqlite3"
    with TranslationMemory(path) as tm:
        tm.record_machine([machine([(s, m) for s, m, _ in PASSAGES])], MODEL_A)
        tm.record_machine([machine([("نص لم يراجعه أحد.", "Nobody reviewed this.")])], MODEL_B)
        # The third passage was "reviewed" with its English left as it was: unchanged.
        record_reviews(tm, [ReviewChange(s, r) for s, _, r in PASSAGES], "briefing-reviewed.docx")
    return path


def test_tm_report_json_matches_sacrebleu_computed_directly(memory_with_reviews, capsys):
    code, out, err = run_cli(capsys, "tm", "report", "--format", "json", "--tm", memory_with_reviews)
    assert code == 0, err
    figures = {m["model"]: m for m in json.loads(out)["models"]}
    hyps = [m for _, m, _ in PASSAGES]
    refs = [[r for _, _, r in PASSAGES]]
    a = figures[MODEL_A]
    assert (a["reviewed"], a["unreviewed"]) == (3, 0)
    assert a["chrf"] == pytest.approx(sacrebleu.corpus_chrf(hyps, refs).score)
    assert a["ter"] == pytest.approx(sacrebleu.corpus_ter(hyps, refs).score)
    assert 0 < a["ter"] < 100 and 0 < a["chrf"] < 100
    assert a["unchanged_share"] == pytest.approx(1 / 3)
    b = figures[MODEL_B]
    assert (b["reviewed"], b["unreviewed"], b["chrf"], b["ter"]) == (0, 1, None, None)


def test_tm_report_text(memory_with_reviews, capsys):
    code, out, _ = run_cli(capsys, "tm", "report", "--tm", memory_with_reviews)
    hyps, refs = [m for _, m, _ in PASSAGES], [[r for _, _, r in PASSAGES]]
    chrf = sacrebleu.corpus_chrf(hyps, refs).score
    assert code == 0
    assert f"{MODEL_A}: 3 reviewed, 0 unreviewed; post-edit chrF {chrf:.1f}," in out
    assert "33% left unchanged" in out
    assert f"{MODEL_B}: 0 reviewed, 1 unreviewed" in out


def test_a_second_review_keeps_the_machine_english_it_started_from(tmp_path):
    path = tmp_path / "tm.sqlite3"
    source, first_machine, _ = PASSAGES[0]
    with TranslationMemory(path) as tm:
        tm.record_machine([machine([(source, first_machine)])], MODEL_A)
        record_reviews(tm, [ReviewChange(source, "First correction.")], "a.docx")
        record_reviews(tm, [ReviewChange(source, "Second correction.")], "b.docx")
        pairs, _ = post_edit_pairs(tm)
    assert pairs == {MODEL_A: [(first_machine, "Second correction.")]}


def test_tm_report_without_a_memory_exits_1(tmp_path, capsys):
    code, _, err = run_cli(capsys, "tm", "report", "--tm", tmp_path / "none.sqlite3")
    assert code == 1 and "no translation memory yet" in err


# --- evaluate -----------------------------------------------------------------------------


def write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_evaluate_identical_text_scores_100(tmp_path, capsys):
    lines = ["The spokesman said talks would resume next week.", "The delegation arrived in the capital."]
    hyp, ref = write(tmp_path / "hyp.txt", lines), write(tmp_path / "ref.txt", lines)
    code, out, err = run_cli(capsys, "evaluate", hyp, ref, "--format", "json")
    assert code == 0, err
    assert json.loads(out) == {"segments": 2, "chrf": pytest.approx(100.0), "bleu": pytest.approx(100.0)}


def test_evaluate_text_with_nothing_in_common_scores_0(tmp_path, capsys):
    hyp = write(tmp_path / "hyp.txt", ["qqq zzz xxx"])
    ref = write(tmp_path / "ref.txt", ["The delegation arrived."])
    code, out, _ = run_cli(capsys, "evaluate", hyp, ref, "--format", "json")
    assert code == 0 and json.loads(out) == {"segments": 1, "chrf": 0.0, "bleu": 0.0}


def test_evaluate_matches_sacrebleu_and_prints_both_scores(tmp_path, capsys):
    hyps = [m for _, m, _ in PASSAGES]
    refs = [r for _, _, r in PASSAGES]
    code, out, _ = run_cli(
        capsys, "evaluate", write(tmp_path / "h.txt", hyps), write(tmp_path / "r.txt", refs)
    )
    chrf = sacrebleu.corpus_chrf(hyps, [refs]).score
    bleu = sacrebleu.corpus_bleu(hyps, [refs]).score
    assert code == 0 and out.strip() == f"chrF {chrf:.2f}  BLEU {bleu:.2f}  (3 segments)"


def test_evaluate_a_briefing_against_a_reference(tmp_path, capsys):
    from helpers import translated_seed

    from translate_tool.export.docx import render_docx
    from translate_tool.export.xliff import render_xliff

    article = translated_seed()
    english = [b.target for b in article.blocks]
    ref = write(tmp_path / "ref.txt", english)
    (tmp_path / "b.xlf").write_bytes(render_xliff(article))
    (tmp_path / "b.docx").write_bytes(render_docx(article))
    for briefing in ("b.xlf", "b.docx"):
        code, out, err = run_cli(capsys, "evaluate", tmp_path / briefing, ref, "--format", "json")
        assert code == 0, err
        assert json.loads(out) == {
            "segments": len(english),
            "chrf": pytest.approx(100.0),
            "bleu": pytest.approx(100.0),
        }, briefing


@pytest.mark.parametrize(
    "hyp_lines, ref_content, message",
    [
        (["one", "two"], b"one\n", "2 hypothesis segments but 1 reference"),
        (["one"], b"\xff\xfe\x00bad", "not UTF-8"),
        ([], b"", "no segments"),
    ],
)
def test_evaluate_bad_input_exits_2(tmp_path, capsys, hyp_lines, ref_content, message):
    hyp = write(tmp_path / "hyp.txt", hyp_lines) if hyp_lines else tmp_path / "hyp.txt"
    if not hyp_lines:
        hyp.write_bytes(b"")
    ref = tmp_path / "ref.txt"
    ref.write_bytes(ref_content)
    code, out, err = run_cli(capsys, "evaluate", hyp, ref)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1
