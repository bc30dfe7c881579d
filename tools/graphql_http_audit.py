#!/usr/bin/env python3
"""Audit a running CMS against the GraphQL-over-HTTP spec with ``graphql-http``'s server audits.

    .venv/bin/cms serve &
    python tools/graphql_http_audit.py http://127.0.0.1:8000/graphql

Prints every audit (``ok``, or ``notice``/``warn``/``error`` for a failed MAY/SHOULD/MUST, with
the reason and the status the server answered) and exits 1 unless every one is ``ok``; ``--json``
prints the results as JSON instead. Needs Node 18 or newer and npm: the pinned packages
(``tools/graphql-http-audit/package-lock.json``) are installed once with ``npm ci`` into a cache
folder outside the repository (``$XDG_CACHE_HOME`` or ``~/.cache``), keyed by the lock's hash.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

PINS = Path(__file__).resolve().parent / "graphql-http-audit"
FILES = ("package.json", "package-lock.json", "audit.mjs")


class Unavailable(Exception):
    """Node or npm is missing, or the packages could not be installed (the message says why)."""


def installed(cache: Path | None = None) -> Path:
    """The folder holding the audit script and its installed packages, installed if needed."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise Unavailable(f"`{tool}` is not installed (the audit runs on Node 18 or newer)")
    digest = hashlib.sha256(b"".join((PINS / name).read_bytes() for name in FILES)).hexdigest()
    root = cache or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    work = root / "cms-graphql-http-audit" / digest[:16]
    if (work / "node_modules" / "graphql-http" / "package.json").exists():
        return work
    work.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copy(PINS / name, work / name)
    command = ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
    done = subprocess.run(command, cwd=work, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise Unavailable(f"`npm ci` failed: {done.stderr.strip()[-500:]}")
    return work


def audit(url: str, cache: Path | None = None, timeout: float = 120) -> list[dict[str, Any]]:
    """Every audit's result: ``id``, ``name``, ``status`` and, when it failed, ``reason`` and
    ``httpStatus``."""
    work = installed(cache)
    done = subprocess.run(
        ["node", "audit.mjs", url],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the audit did not run: {done.stderr.strip()[-1000:]}")
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the GraphQL endpoint, e.g. http://127.0.0.1:8000/graphql")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    try:
        results = audit(args.url)
    except Unavailable as error:
        print(f"Cannot run the audit: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for result in results:
            line = f"{result['status']:<7} {result['id']}  {result['name']}"
            if result["status"] != "ok":
                line += f"\n        {result['reason']} (HTTP {result['httpStatus']})"
            print(line)
    failed = [result for result in results if result["status"] != "ok"]
    print(f"{len(results) - len(failed)} of {len(results)} audits passed.", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
