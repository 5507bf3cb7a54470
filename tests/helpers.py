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
