"""The synthetic Argos package must go through the real load/tokenize/decode path."""

from __future__ import annotations

import hashlib
import json
import math
import zipfile
from pathlib import Path

import pytest

from translate_tool.testing.synthetic import TINY, TINY_EOS_BIAS, build_package

SEED_ARTICLE = Path(__file__).resolve().parent.parent / "seeds" / "000_ab347057d505572f.txt"

SENTENCES = [
    "أعلنت أذربيجان، اليوم الثلاثاء، عن إطلاق عمليات لمكافحة الإرهاب في إقليم ناغورني كاراباخ.",
    "وأضاف أن اثنين من القتلى مدنيون.",
]


@pytest.fixture(scope="module")
def corpus() -> str:
    return SEED_ARTICLE.read_text(encoding="utf-8")


def _extract(package: Path, dest: Path) -> Path:
    with zipfile.ZipFile(package) as zf:
        zf.extractall(dest)
    (top,) = list(dest.iterdir())
    return top


def _translate(pkg_dir: Path) -> list[tuple[list[str], str, float]]:
    import ctranslate2
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(pkg_dir / "sentencepiece.model"))
    translator = ctranslate2.Translator(str(pkg_dir / "model"), device="cpu", intra_threads=1)
    batch = [sp.encode(s, out_type=str) for s in SENTENCES]
    results = translator.translate_batch(batch, beam_size=2, return_scores=True, max_decoding_length=64)
    return [(r.hypotheses[0], sp.decode_pieces(r.hypotheses[0]), r.scores[0]) for r in results]


def test_package_layout(tmp_path: Path, corpus: str) -> None:
    package = build_package(tmp_path / "ar_en.argosmodel", corpus, shape=TINY, seed=0)
    assert package == tmp_path / "ar_en.argosmodel"
    with zipfile.ZipFile(package) as zf:
        names = set(zf.namelist())
    top = "translate-ar_en-1_9/"
    for name in ("metadata.json", "sentencepiece.model", "README.md", "model/model.bin", "model/config.json"):
        assert top + name in names
    assert not any("/stanza/" in n or "/minisbd/" in n for n in names)

    pkg_dir = _extract(package, tmp_path / "x")
    meta = json.loads((pkg_dir / "metadata.json").read_text(encoding="utf-8"))
    assert meta["from_code"] == "ar" and meta["to_code"] == "en"
    assert meta["type"] == "translate" and meta["synthetic"] is True
    assert meta["package_version"] == "1.9"
    config = json.loads((pkg_dir / "model" / "config.json").read_text(encoding="utf-8"))
    assert (config["bos_token"], config["eos_token"], config["unk_token"]) == ("<s>", "</s>", "<unk>")


def test_translate_roundtrip_is_deterministic(tmp_path: Path, corpus: str) -> None:
    outputs = []
    digests = []
    for run in range(2):
        package = build_package(
            tmp_path / f"run{run}.argosmodel", corpus, shape=TINY, seed=0, eos_bias=TINY_EOS_BIAS
        )
        digests.append(hashlib.sha256(package.read_bytes()).hexdigest())
        outputs.append(_translate(_extract(package, tmp_path / f"x{run}")))

    assert digests[0] == digests[1], "same seed must give a byte-identical package"
    assert outputs[0] == outputs[1]
    for tokens, text, score in outputs[0]:
        assert tokens, "decoder produced an empty hypothesis"
        assert text.strip()
        assert len(tokens) < 64, "length circuit should stop well before max_decoding_length"
        assert math.isfinite(score)
        assert not any(t.startswith("<synthetic_pad_") for t in tokens)

    other = build_package(tmp_path / "seed1.argosmodel", corpus, shape=TINY, seed=1)
    assert hashlib.sha256(other.read_bytes()).hexdigest() != digests[0]


def test_output_length_tracks_source_length(tmp_path: Path, corpus: str) -> None:
    """Random weights still stop after about one target token per source token."""
    pkg_dir = _extract(build_package(tmp_path / "p.argosmodel", corpus, shape=TINY), tmp_path / "x")
    import ctranslate2
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(pkg_dir / "sentencepiece.model"))
    translator = ctranslate2.Translator(str(pkg_dir / "model"), intra_threads=1)
    lines = [ln for ln in corpus.splitlines() if len(ln.split()) >= 5][:8]
    batch = [sp.encode(ln, out_type=str) for ln in lines]
    results = translator.translate_batch(batch, beam_size=4, length_penalty=0.2, max_decoding_length=512)
    src = sum(len(b) for b in batch)
    tgt = sum(len(r.hypotheses[0]) for r in results)
    assert 0.8 <= tgt / src <= 1.25, (src, tgt)


def test_argostranslate_loader_accepts_package(
    tmp_path: Path, corpus: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # argostranslate.settings creates directories under $HOME at import time.
    for var, sub in (
        ("HOME", "home"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
        ("ARGOS_PACKAGES_DIR", "packages"),
    ):
        monkeypatch.setenv(var, str(tmp_path / sub))
    monkeypatch.setenv("ARGOS_DEVICE_TYPE", "cpu")
    from argostranslate.package import Package
    from argostranslate.tokenizer import SentencePieceTokenizer

    package = build_package(tmp_path / "ar_en.argosmodel", corpus, shape=TINY, eos_bias=TINY_EOS_BIAS)
    pkg = Package(_extract(package, tmp_path / "x"))
    assert (pkg.from_code, pkg.to_code, pkg.type) == ("ar", "en", "translate")
    assert pkg.package_version == "1.9"
    assert pkg.packaged_sbd_path is None
    assert isinstance(pkg.tokenizer, SentencePieceTokenizer)
    pieces = pkg.tokenizer.encode(SENTENCES[1])
    assert pieces and "<unk>" not in pieces
    assert pkg.get_readme() and "random weights" in pkg.get_readme()
