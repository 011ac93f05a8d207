"""The shape of the test tree: shared helpers live in an app's tests/factories.py and
shared fixtures in its tests/conftest.py (or tests/fixtures.py), so no test module imports
another test module (whose tests would then be collected, or silently depended on, twice)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", "node_modules", "var", "test-artifacts", ".git"}


def _files_of_test_packages(root: Path = ROOT):
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if SKIP.isdisjoint(parts) and "tests" in parts[:-1]:
            yield path


def _imported_modules(path: Path, root: Path = ROOT):
    """(line, dotted name) of every module `path` imports, relative imports resolved;
    `from package import name` also yields package.name (it may be a module)."""
    package = list(path.relative_to(root).with_suffix("").parts)[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + (node.module.split(".") if node.module else []))
            yield node.lineno, module
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"


def _is_test_module(dotted: str) -> bool:
    parts = dotted.split(".")
    return "tests" in parts[:-1] and parts[-1].startswith("test_")


def test_no_test_module_imports_another_test_module():
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _files_of_test_packages()
        for line, module in _imported_modules(path)
        if _is_test_module(module)
    ]
    assert offenders == [], (
        "Move shared helpers to the app's tests/factories.py and shared fixtures to its "
        "tests/conftest.py:\n" + "\n".join(offenders)
    )


def test_the_check_sees_each_way_of_importing_a_test_module(tmp_path):
    tests = tmp_path / "app" / "tests"
    tests.mkdir(parents=True)
    for source in [
        "from .test_a import helper",
        "from . import test_a",
        "from app.tests.test_a import helper",
        "import app.tests.test_a",
        "from ..tests.test_a import helper",
    ]:
        (tests / "test_b.py").write_text(source + "\n")
        found = [
            m for _, m in _imported_modules(tests / "test_b.py", tmp_path) if _is_test_module(m)
        ]
        assert found and found[0] == "app.tests.test_a", source
    (tests / "test_b.py").write_text("from .factories import helper\nfrom . import conftest\n")
    assert not [
        m for _, m in _imported_modules(tests / "test_b.py", tmp_path) if _is_test_module(m)
    ]
