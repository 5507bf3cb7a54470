"""The shape of the code (issue 19): module boundaries that reviews keep asking for, checked.

- No module imports another module's private names (`from .x import _y`, or `x._y` on an
  imported module): what a module shares, it names without an underscore.
- `cli.py` parses, calls the public API, prints and maps errors: it imports nothing of the
  product but `api`, `errors`, `text` (plurals for messages) and `signals` (the process's own
  signal handling).
- The runtime package never imports `translate_tool.testing` (the synthetic model).
- `TranslationMemory` is under 200 lines, and no function is over 50 lines of code (its
  docstring not counted: a click command's docstring is its --help text).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "translate_tool"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "testing" not in p.relative_to(PACKAGE).parts)
CLI_MAY_IMPORT = {"", "api", "errors", "text", "signals"}
MAX_FUNCTION_LINES = 50
MAX_MEMORY_CLASS_LINES = 200


def _name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package(path: Path) -> str:
    """The package a module's relative imports start from."""
    name = _name(path)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _resolve(path: Path, node: ast.ImportFrom) -> str:
    """The absolute module name of `from ... import` in `path`."""
    if not node.level:
        return node.module or ""
    base = _package(path).split(".")
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _private_uses(path: Path, tree: ast.Module | None = None) -> list[str]:
    """Private names of other translate_tool modules that `path` (or `tree`, read as if it
    were at `path`) imports or reaches into."""
    tree = tree or _tree(path)
    own = _name(path)
    found = []
    module_aliases: set[str] = set()  # local names bound to a translate_tool module
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _resolve(path, node)
            if not source.startswith("translate_tool") or source == own:
                continue
            for alias in node.names:
                full = f"{source}.{alias.name}"
                if (PACKAGE.parent / full.replace(".", "/")).with_suffix(".py").exists() or (
                    PACKAGE.parent / full.replace(".", "/")
                ).is_dir():
                    module_aliases.add(alias.asname or alias.name)
                elif _is_private(alias.name):
                    found.append(f"{_name(path)} imports {source}.{alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("translate_tool"):
                    module_aliases.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in module_aliases
            and _is_private(node.attr)
        ):
            found.append(f"{_name(path)} uses {node.value.id}.{node.attr} (line {node.lineno})")
    return found


def test_the_checker_sees_a_private_import():
    """The check itself can fail: a module that reaches into another's privates is caught."""
    probe = ast.parse("from ..memory import _now, TM_ENV\nfrom .. import files\nfiles._part_name('x')\n")
    assert _private_uses(PACKAGE / "export" / "markdown.py", probe) == [
        "translate_tool.export.markdown imports translate_tool.memory._now",
        "translate_tool.export.markdown uses files._part_name (line 3)",
    ]


def test_no_module_imports_another_modules_private_names():
    found = [use for path in MODULES for use in _private_uses(path)]
    assert not found, "\n".join(found)


def test_cli_only_wraps_the_public_api():
    path = PACKAGE / "cli.py"
    imported = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("translate_tool")):
            source = _resolve(path, node)
            imported.add(source.removeprefix("translate_tool").lstrip("."))
    assert imported <= CLI_MAY_IMPORT, f"cli.py imports {sorted(imported - CLI_MAY_IMPORT)}"


def test_the_runtime_package_never_imports_the_testing_support():
    for path in MODULES:
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ImportFrom):
                source = _resolve(path, node)
                names = [f"{source}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            assert not any(n.startswith("translate_tool.testing") for n in names), f"{path.name} imports {names}"


def _code_lines(node: ast.AST) -> int:
    """Lines of a function or class, its own docstring left out."""
    lines = node.end_lineno - node.lineno + 1
    body = getattr(node, "body", [])
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        lines -= first.end_lineno - first.lineno + 1
    return lines


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_function_is_over_50_lines(path):
    long = [
        f"{node.name} (line {node.lineno}): {_code_lines(node)} lines"
        for node in ast.walk(_tree(path))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _code_lines(node) > MAX_FUNCTION_LINES
    ]
    assert not long, long


def test_translation_memory_class_is_under_200_lines():
    classes = [
        node
        for node in ast.walk(_tree(PACKAGE / "memory.py"))
        if isinstance(node, ast.ClassDef) and node.name == "TranslationMemory"
    ]
    assert len(classes) == 1
    total = classes[0].end_lineno - classes[0].lineno + 1
    assert total < MAX_MEMORY_CLASS_LINES, f"TranslationMemory is {total} lines"
