"""A real CAT tool reads our files: OmegaT (Debian's 3.6) translates our XLIFF from our TMX, headless.

OmegaT runs as `omegat PROJECT --mode=console-translate` with a private HOME and config folder.
Its XLIFF filter translates the text in `<target>`, hence `--format xliff-omegat`; the English
comes from `tm export`'s TMX in the project's `tm/auto/` folder, applied to every exact match.
For the way back, a Groovy script run by OmegaT on project load (`--script`) changes one
translation through OmegaT's own project API and has OmegaT write `omegat/project_save.tmx`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import run_cli

from translate_tool.export.xliff import XLIFF_NS

PROJECT_FILE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<omegat>
    <project version="1.0">
        <source_dir>__DEFAULT__</source_dir>
        <target_dir>__DEFAULT__</target_dir>
        <tm_dir>__DEFAULT__</tm_dir>
        <glossary_dir>__DEFAULT__</glossary_dir>
        <glossary_file>__DEFAULT__</glossary_file>
        <dictionary_dir>__DEFAULT__</dictionary_dir>
        <source_lang>ar</source_lang>
        <target_lang>en</target_lang>
        <source_tok>org.omegat.tokenizer.LuceneArabicTokenizer</source_tok>
        <target_tok>org.omegat.tokenizer.LuceneEnglishTokenizer</target_tok>
        <sentence_seg>false</sentence_seg>
        <support_default_translations>true</support_default_translations>
        <remove_tags>false</remove_tags>
    </project>
</omegat>
"""

# RealProject.saveProject() needs OmegaT 3.6's GUI menu, so the script saves the project TMX the
# way it does (ProjectTMX.save into the project's internal folder).
CHANGE_SCRIPT = """
import org.omegat.core.data.PrepareTMXEntry
def wanted = new File('{source_file}').getText('UTF-8')
def changed = 0
project.allEntries.each {{ ste ->
    if (ste.srcText == wanted) {{
        def entry = new PrepareTMXEntry()
        entry.source = ste.srcText
        entry.translation = new File('{english_file}').getText('UTF-8')
        project.setTranslation(ste, entry, true, null)
        changed++
    }}
}}
if (changed == 0) throw new IllegalStateException('no segment with the wanted source')
project.@projectTMX.save(project.@m_config, project.@m_config.projectInternal + 'project_save.tmx', true)
"""


def _java_runs() -> str | None:
    """None if Java can run here, else why not."""
    java = shutil.which("java")
    if java is None:
        return "no java on PATH"
    try:
        result = subprocess.run([java, "-version"], capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"java cannot run: {exc}"
    return (
        None
        if result.returncode == 0
        else f"java -version failed: {result.stderr.decode(errors='replace')[:200]}"
    )


JAVA_PROBLEM = _java_runs()
pytestmark = pytest.mark.skipif(JAVA_PROBLEM is not None, reason=f"OmegaT needs Java: {JAVA_PROBLEM}")


def run_omegat(project: Path, home: Path, *extra: str) -> str:
    omegat = shutil.which("omegat")
    assert omegat, "omegat is not installed (apt-get install omegat; .ci/run does)"
    # Debian's wrapper passes its arguments unquoted ($*): keep every path free of spaces.
    assert " " not in str(project) + str(home)
    env = {**os.environ, "HOME": str(home), "LC_ALL": "C.UTF-8"}
    result = subprocess.run(
        [omegat, str(project), "--mode=console-translate", f"--config-dir={home / 'omegat-config'}", *extra],
        capture_output=True,
        timeout=600,
        env=env,
    )
    log = result.stdout.decode(errors="replace") + result.stderr.decode(errors="replace")
    assert result.returncode == 0, log[-3000:]
    assert "Error:" not in log, log[-3000:]
    return log


def units_by_id(path: Path) -> dict[str, tuple[str, str]]:
    from translate.storage.xliff import xlifffile

    store = xlifffile.parsestring(path.read_bytes())
    return {u.xmlelement.get("id"): (u.source, u.target) for u in store.units if not u.isheader()}


@pytest.fixture
def omegat_project(tmp_path, capsys, seed_path, synthetic_model):
    """Our XLIFF (OmegaT variant) in source/, our TMX in tm/auto/, and the export to compare with."""
    tm = tmp_path / "tm.sqlite3"
    exports = tmp_path / "exports"
    code, _, err = run_cli(
        capsys, "export", seed_path, "--model", synthetic_model, "--tm", tm, "--out-dir", exports,
        "--format", "xliff", "--format", "xliff-omegat",
    )  # fmt: skip
    assert code == 0, err
    project = tmp_path / "omegat-project"
    for folder in ("source", "target", "tm/auto", "omegat", "glossary", "dictionary"):
        (project / folder).mkdir(parents=True)
    (project / "omegat.project").write_text(PROJECT_FILE, encoding="utf-8")
    shutil.copy(exports / f"{seed_path.stem}.omegat.xlf", project / "source")
    assert run_cli(capsys, "tm", "export", project / "tm" / "auto" / "memory.tmx", "--tm", tm)[0] == 0
    return project, tm, exports / f"{seed_path.stem}.xlf"


def test_omegat_translates_our_xliff_from_our_tmx_into_our_english(omegat_project, tmp_path, seed_path):
    project, _, ours = omegat_project
    run_omegat(project, tmp_path / "home")
    translated = units_by_id(project / "target" / f"{seed_path.stem}.omegat.xlf")
    expected = units_by_id(ours)
    assert len(expected) > 5
    assert translated.keys() == expected.keys()
    for unit_id, (_, english) in expected.items():
        assert translated[unit_id][1] == english, unit_id


def test_omegat_project_tmx_with_a_changed_translation_comes_back_by_tm_import(
    omegat_project, tmp_path, capsys, seed_path, synthetic_model
):
    from translate.storage.xliff import xlifffile

    project, tm, ours = omegat_project
    store = xlifffile.parsestring(ours.read_bytes())
    units = [u for u in store.units if not u.isheader()]
    changed_unit = units[2]
    source_in_omegat = units_by_id(project / "source" / f"{seed_path.stem}.omegat.xlf")[
        changed_unit.xmlelement.get("id")
    ][1]
    new_english = "The ministry said the operation would spare civilians, a reviewer wrote in OmegaT."
    (tmp_path / "source.txt").write_text(source_in_omegat, encoding="utf-8")
    (tmp_path / "english.txt").write_text(new_english, encoding="utf-8")
    script = tmp_path / "change.groovy"
    script.write_text(
        CHANGE_SCRIPT.format(source_file=tmp_path / "source.txt", english_file=tmp_path / "english.txt"),
        encoding="utf-8",
    )
    run_omegat(project, tmp_path / "home", f"--script={script}")
    project_tmx = project / "omegat" / "project_save.tmx"
    assert b'creationtool="OmegaT"' in project_tmx.read_bytes()
    target = units_by_id(project / "target" / f"{seed_path.stem}.omegat.xlf")
    assert target[changed_unit.xmlelement.get("id")][1] == new_english  # OmegaT itself took the change

    code, out, err = run_cli(capsys, "tm", "import", project_tmx, "--tm", tm)
    assert code == 0, err
    distinct = len({u.source for u in units})
    assert out.startswith(f"{distinct} units read: 0 new, 1 updated, {distinct - 1} already in the memory")

    # The next export gives the change, marked as imported English, and keeps the rest machine.
    again = tmp_path / "again"
    code, _, err = run_cli(
        capsys, "export", seed_path, "--model", synthetic_model, "--tm", tm, "--out-dir", again,
        "--format", "xliff",
    )  # fmt: skip
    assert code == 0, err
    store = xlifffile.parsestring((again / f"{seed_path.stem}.xlf").read_bytes())
    after = {u.xmlelement.get("id"): u for u in store.units if not u.isheader()}
    target_node = after[changed_unit.xmlelement.get("id")].xmlelement.find(f"{{{XLIFF_NS}}}target")
    assert after[changed_unit.xmlelement.get("id")].target == new_english
    assert (target_node.get("state"), target_node.get("state-qualifier")) == ("translated", "leveraged-tm")
    others = [u for key, u in after.items() if key != changed_unit.xmlelement.get("id")]
    assert {u.xmlelement.find(f"{{{XLIFF_NS}}}target").get("state") for u in others} == {
        "needs-review-translation"
    }

    # OmegaT's translated XLIFF itself imports like a reviewed Word briefing: the one changed
    # row becomes reviewed English, every row OmegaT filled from our TMX counts as unchanged.
    code, out, err = run_cli(
        capsys, "review", "import", project / "target" / f"{seed_path.stem}.omegat.xlf", "--tm", tm
    )
    assert code == 0, err
    assert out.startswith(
        f"1 changed (0 new to the memory, 1 updated, 0 already recorded), {len(units) - 1} unchanged"
    )
