"""The project's shape: which modules may depend on which."""

from __future__ import annotations

import ast
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
