#!/usr/bin/env python3
"""Refresh the GraphiQL files the CMS serves (``cms/web/workbench/static/graphiql/vendor/``)
from the npm registry, at the versions pinned in ``tools/graphiql/package-lock.json``.

    python tools/refresh_graphiql.py            # npm ci: exactly the locked versions
    python tools/refresh_graphiql.py --update   # npm install: package.json's versions, lock updated

To move to newer versions, edit the exact versions in ``tools/graphiql/package.json``, run with
``--update``, run the browser test (``tests/browser/``), and commit package.json, the lock and the
vendor folder together. The lock holds every package's integrity hash, so a plain run reproduces
the committed files byte for byte (check with ``git diff --stat``).

Why these files: GraphiQL 4 is the last major version with a browser build that needs no bundler
(``dist/index.umd.js``, on React 18's UMD builds; React 19 has none); the explorer plugin's UMD
build plugs into it. The files are copied as published, except that the ``sourceMappingURL``
comment is removed (the maps are not served, and a browser's developer tools would ask for them).
Every package npm installs for them is listed with its licence in ``vendor/LICENSES.txt``: a
superset of what the bundles contain.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PINS = ROOT / "tools" / "graphiql"
VENDOR = ROOT / "cms" / "web" / "workbench" / "static" / "graphiql" / "vendor"

FILES = {
    "react.production.min.js": "react/umd/react.production.min.js",
    "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.umd.js": "graphiql/dist/index.umd.js",
    "graphiql.css": "graphiql/dist/style.css",
    "plugin-explorer.umd.js": "@graphiql/plugin-explorer/dist/index.umd.js",
    "plugin-explorer.css": "@graphiql/plugin-explorer/dist/style.css",
}
"""Vendored file name: its path under ``node_modules``."""

FONT = "@fontsource/jetbrains-mono"
FONT_SUBSETS = ("vietnamese", "latin-ext", "latin")
"""The panes' monospace font (GraphiQL's Fira Code lacks most Vietnamese letters): the regular
weight of these subsets, as woff2 files, and one style sheet of their ``@font-face`` rules
(``jetbrains-mono.css``; the CMS rewrites each ``url()`` to the file's hashed address)."""
FONT_LICENCE = "jetbrains-mono-OFL.txt"

_FONT_SOURCE = re.compile(
    r"url\(\./files/([\w.-]+\.woff2)\) format\('woff2'\), url\([^)]*\) format\('woff'\)"
)
"""A rule's sources: the woff2 file (kept, by its name beside the style sheet), the woff one."""

_SOURCE_MAP = re.compile(rb"\n?/[/*]# sourceMappingURL=[^\n]*\s*$")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--update", action="store_true", help="install package.json's versions, rewrite the lock"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cms-graphiql-") as scratch:
        work = Path(scratch)
        _install(work, update=args.update)
        _copy(work / "node_modules")
        (VENDOR / "LICENSES.txt").write_text(_licences(work), encoding="utf-8")
    for name in sorted(p.name for p in VENDOR.iterdir()):
        print(f"{(VENDOR / name).stat().st_size:>10,}  {VENDOR.relative_to(ROOT) / name}")
    return 0


def _install(work: Path, *, update: bool) -> None:
    """``npm ci`` (or ``npm install``) of the pinned packages in ``work``; the new lock is kept."""
    shutil.copy(PINS / "package.json", work)
    # npm install keeps the lock's resolutions of packages package.json did not change.
    shutil.copy(PINS / "package-lock.json", work)
    # graphiql-explorer (inside the explorer plugin's bundle) still names React 16 as its peer.
    command = ["npm", "install" if update else "ci", "--ignore-scripts", "--no-audit", "--no-fund"]
    subprocess.run([*command, "--loglevel=error"], cwd=work, check=True)
    if update:
        shutil.copy(work / "package-lock.json", PINS / "package-lock.json")


def _copy(modules: Path) -> None:
    """The browser files into the vendor folder (emptied first), without source map comments."""
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    VENDOR.mkdir(parents=True)
    for name, source in FILES.items():
        data = (modules / source).read_bytes()
        (VENDOR / name).write_bytes(_SOURCE_MAP.sub(b"\n", data).rstrip(b"\n") + b"\n")
    _copy_font(modules / FONT)


def _copy_font(package: Path) -> None:
    """The font's subsets (woff2 only: every browser GraphiQL 4 runs in reads it), their rules
    (from ``400.css``, with each subset's ``unicode-range``) pointing at the copies, and the
    font's licence."""
    rules = []
    for block in (package / "400.css").read_text(encoding="utf-8").split("/* ")[1:]:
        name, _, rule = block.partition(" */")
        if name.removeprefix("jetbrains-mono-").removesuffix("-400-normal") in FONT_SUBSETS:
            for file in _FONT_SOURCE.findall(rule):
                shutil.copy(package / "files" / file, VENDOR / file)
            rule = _FONT_SOURCE.sub(r"url(\1) format('woff2')", rule.strip())
            rules.append(f"/* {name} */\n{rule}")
    header = f"/* {FONT} (SIL Open Font License 1.1, {FONT_LICENCE}): {', '.join(FONT_SUBSETS)} */"
    (VENDOR / "jetbrains-mono.css").write_text("\n".join([header, *rules]) + "\n", encoding="utf-8")
    shutil.copy(package / "LICENSE", VENDOR / FONT_LICENCE)


def _licences(work: Path) -> str:
    """Every installed package with its version, declared licence and licence text."""
    lock = json.loads((work / "package-lock.json").read_text(encoding="utf-8"))
    pins = json.loads((PINS / "package.json").read_text(encoding="utf-8"))["dependencies"]
    parts = [
        "Third-party software in this folder, copied from the npm registry by "
        "tools/refresh_graphiql.py.\n"
        f"Served: {', '.join(f'{name}@{version}' for name, version in sorted(pins.items()))}.\n"
        "Below, every package npm installed for them (the bundles contain a subset), with its "
        "licence.\n"
    ]
    for path, package in sorted(lock["packages"].items()):
        if not path or package.get("dev"):
            continue
        name = path.rsplit("node_modules/", 1)[1]
        header = f"{name}@{package['version']} ({package.get('license', 'licence not declared')})"
        parts.append(f"{'=' * 78}\n{header}\n{'=' * 78}\n{_licence_text(work / path)}")
    return "\n".join(parts)


def _licence_text(folder: Path) -> str:
    """The package's licence file (``LICENSE``, ``License.txt``, ``LICENSE-MIT.txt``...)."""
    found = sorted(p for p in folder.iterdir() if p.name.lower().startswith(("licen", "copying")))
    if found:
        return found[0].read_text(encoding="utf-8", errors="replace").strip() + "\n"
    return (
        "The package ships no licence file; its package.json declares the licence above. "
        "The @graphiql/* packages come from the graphql/graphiql repository, whose MIT licence "
        "is graphiql's text.\n"
    )


if __name__ == "__main__":
    sys.exit(main())
