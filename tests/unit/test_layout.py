"""The project's shape: which modules may depend on which."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

CMS = Path(__file__).resolve().parents[2] / "cms"
COMPOSITION_ROOTS = {"cms/app.py", "cms/cli.py"}


def imported_modules(path: Path) -> set[str]:
    """Every absolute module ``path`` imports, at the top or inside functions.

    Relative imports are left out: from inside ``cms`` they cannot reach the top-level ``schema``.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_only_the_composition_roots_import_the_schema() -> None:
    importers = {
        str(path.relative_to(CMS.parent))
        for path in CMS.rglob("*.py")
        if any(m == "schema" or m.startswith("schema.") for m in imported_modules(path))
    }
    assert "cms/app.py" in importers  # the scan works: the app serves the schema
    assert importers - COMPOSITION_ROOTS == set(), "only cms/app.py and cms/cli.py import schema"


def test_the_scan_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    import schema.types as t\n    from schema import view\n")
    assert imported_modules(module) == {"schema.types", "schema"}


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` (the contracts of pyproject.toml) run on the tree ``root``."""
    command = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"]
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=120)


def _copy_of_the_code(target: Path) -> Path:
    ignored = shutil.ignore_patterns("static", "__pycache__", "*.pyc")
    for package in ("cms", "schema"):
        shutil.copytree(CMS.parent / package, target / package, ignore=ignored)
    shutil.copy(CMS.parent / "pyproject.toml", target / "pyproject.toml")
    shutil.copy(CMS.parent / "settings.py", target / "settings.py")
    return target


def test_the_layering_contracts_hold_and_a_violation_breaks_them(tmp_path: Path) -> None:
    tree = _copy_of_the_code(tmp_path)
    kept = _lint_imports(tree)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert "BROKEN" not in kept.stdout
    # The domain reaching up into the HTTP edge: what the contracts exist to refuse.
    (tree / "cms" / "articles" / "_reaching_up.py").write_text("import cms.web.edge\n")
    broken = _lint_imports(tree)
    assert broken.returncode != 0
    assert "cms.articles is not allowed to import cms.web" in broken.stdout, broken.stdout
