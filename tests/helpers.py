"""Test helpers: a readable stand-in for the model (same Translator interface), and the CLI runner."""

from __future__ import annotations

from collections.abc import Sequence

from translate_tool.engine import Hypothesis, Progress


class FakeTranslator:
    """Turns each sentence into "EN(<n> words)<i>" so tests can check alignment by eye."""

    label = "fake-ar_en 0.0"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def translate(self, sentences: Sequence[str], progress: Progress | None = None) -> list[Hypothesis]:
        self.calls.append(list(sentences))
        out = [
            Hypothesis(f"EN({len(s.split())} words)", score=-0.5, tokens=len(s.split()) + 1)
            for s in sentences
        ]
        if progress:
            progress(len(sentences))
        return out


def run_cli(capsys, *args) -> tuple[int, str, str]:
    """Run the command line in-process: (exit code, stdout, stderr)."""
    from translate_tool.cli import main

    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def translated_seed(english=lambda i: f"English for passage {i}"):
    """The seed article with readable fake English (`english(i)` for block i) and fixed metadata."""
    from datetime import datetime, timezone
    from pathlib import Path

    from translate_tool.readers.txt import parse_article

    seed = next((Path(__file__).resolve().parent.parent / "seeds").glob("[0-9]*.txt"))
    article = parse_article(seed.read_text(encoding="utf-8"), seed)
    for i, block in enumerate(article.blocks):
        block.target = english(i)
    article.model = "translate-ar_en 1.9"
    article.generated_at = datetime(2024, 5, 1, 9, 30, tzinfo=timezone.utc)
    return article


def unloadable_copy(model, tmp_path):
    """The same package metadata with a model.bin that cannot load: proof that nothing loaded it."""
    import zipfile

    with zipfile.ZipFile(model) as archive:
        archive.extractall(tmp_path / "broken")
    folder = next((tmp_path / "broken").iterdir())
    (folder / "model" / "model.bin").write_bytes(b"not a model")
    return folder
