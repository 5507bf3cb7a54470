"""Shared fixtures: an isolated home for every test, the seed article, and the synthetic model."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# One hypothesis profile for the whole suite: a bounded number of examples, derandomised (a fixed
# seed), no example database, so CI and every run on a developer machine try the same inputs.
# HYPOTHESIS_PROFILE=thorough tries many more (still reproducible) when hunting a bug locally.
settings.register_profile(
    "ci",
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,  # the machine is shared; speed is measured in benchmarks, not asserted
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile("thorough", parent=settings.get_profile("ci"), max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The signal tests send SIGINT and SIGHUP to child processes and expect the tool to stop. A
# shell starts background jobs (`.ci/run &`, `nohup .ci/run`) with those signals ignored, and an
# ignored signal stays ignored in every child, which the tool rightly honours (as nohup asks).
# The suite restores the defaults for itself and its children, however it was started.
signal.signal(signal.SIGINT, signal.default_int_handler)
signal.signal(signal.SIGHUP, signal.SIG_DFL)

ROOT = Path(__file__).resolve().parent.parent
SEED = next((ROOT / "seeds").glob("[0-9]*.txt"))


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Keep every test away from the user's packages, translation memory and settings."""
    home = tmp_path / "home"
    for var, sub in [
        ("HOME", ""),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_CACHE_HOME", ".cache"),
    ]:
        (home / sub).mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(home / "packages"))
    monkeypatch.setenv("TRANSLATE_TOOL_TM", str(home / "tm.sqlite3"))
    monkeypatch.delenv("ARGOS_PACKAGE_INDEX", raising=False)
    return home


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED


@pytest.fixture(scope="session")
def synthetic_model(tmp_path_factory) -> Path:
    """A real .argosmodel with random weights and a sentencepiece model trained on the seed."""
    from translate_tool.testing.synthetic import build_package

    out = tmp_path_factory.mktemp("model") / "translate-ar_en-1_9.argosmodel"
    return build_package(out, SEED.read_text(encoding="utf-8"))
