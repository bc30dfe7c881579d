"""axe-core for the browser tests: the pinned package (``tools/axe-core/``) installed once with
``npm ci`` into a cache folder outside the repository, keyed by the lock's hash, and its
``axe.min.js`` injected into a page. Where Node or npm is missing, or the registry cannot be
reached, the tests that need it skip, saying why; ``CMS_TEST_REQUIRE_NODE=1`` (CI) makes that a
failure, as for the GraphQL-over-HTTP audit."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

PINS = Path(__file__).resolve().parents[2] / "tools" / "axe-core"
FILES = ("package.json", "package-lock.json")
REQUIRE_NODE = os.environ.get("CMS_TEST_REQUIRE_NODE") == "1"


async def axe_script() -> Path:
    """``axe.min.js`` of the pinned axe-core, installed if needed."""
    if shutil.which("npm") is None:
        _unavailable("npm is not installed (axe-core comes from the npm registry)")
    digest = hashlib.sha256(b"".join((PINS / name).read_bytes() for name in FILES)).hexdigest()
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    work = root / "cms-axe-core" / digest[:16]
    script = work / "node_modules" / "axe-core" / "axe.min.js"
    if script.exists():
        return script
    work.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copy(PINS / name, work / name)
    process = await asyncio.create_subprocess_exec(
        *("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"),
        cwd=work,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, said = await process.communicate()
    if process.returncode != 0 or not script.exists():
        _unavailable(f"`npm ci` of axe-core failed: {said.decode()[-500:]}")
    return script


def _unavailable(reason: str) -> None:
    if REQUIRE_NODE:
        pytest.fail(f"axe-core is required (CMS_TEST_REQUIRE_NODE=1) but {reason}")
    pytest.skip(reason)


async def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations of impact ``serious`` or ``critical`` on the page as it is now
    (each: the rule, its help text, and each element with what to fix)."""
    # Evaluated, not added as a <script>: the page's policy rightly refuses inline scripts.
    source = await asyncio.to_thread((await axe_script()).read_text, encoding="utf-8")
    await page.evaluate(f"() => {{ {source}\n; window.axe = axe; }}")
    found: list[dict[str, Any]] = await page.evaluate(
        """async () => {
          const result = await axe.run(document, { resultTypes: ["violations"] });
          return result.violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => ({
              id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary}`),
            }));
        }"""
    )
    return found
