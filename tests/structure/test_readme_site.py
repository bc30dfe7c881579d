"""The README's "Canonical URLs, SEO, JSON-LD and related articles": its query, run as written
against the demo with the settings it names, answers the JSON-LD document it shows (but for what
changes with each run: when the demo was loaded, and the rendition URLs' signatures)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from cms import demo
from cms.media.storage import LocalMediaStore
from settings import Settings
from tests.editing.test_readme import README, code, run
from tests.factories import LIMITS
from tests.structure.schemaorg_vocabulary import vocabulary

pytestmark = pytest.mark.database("sqlite", "postgres")

TITLE = "Canonical URLs, SEO, JSON-LD and related articles"


def subsection() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n### {TITLE}\n")
    end = min(i for i in (text.find("\n### ", start + 1), text.find("\n## ", start + 1)) if i > 0)
    return text[start:end]


def settings_named(text: str) -> dict[str, str]:
    """The ``CMS_*=value`` settings the subsection's shell block sets."""
    (shell,) = code(text, "sh")
    return {
        name.removeprefix("CMS_").lower(): value.strip("'\"")
        for name, value in re.findall(r"(CMS_\w+)=('[^']*'|\S+)", shell)
    }


def settings_of(text: str, settings: Settings) -> Settings:
    """``settings`` with the subsection's shell settings, read as the environment is."""
    named = settings_named(text)
    return Settings(**{**settings.model_dump(), **named, "_env_file": None})


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings_of(subsection(), settings)


def _steady(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` without what changes from run to run."""
    return {key: value for key, value in doc.items() if key not in {"dateModified", "image"}}


async def test_the_json_ld_in_the_readme_is_what_the_demo_answers(client, settings):
    text = subsection()
    (query,) = code(text, "graphql")
    (shown,) = code(text, "json")
    await demo.load(LocalMediaStore(settings.media_root), LIMITS)
    article = (await run(client, query))["article"]
    doc = article["jsonLd"]
    assert article["url"] == doc["url"] == doc["mainEntityOfPage"]["@id"]
    assert (article["socialImage"]["width"], article["socialImage"]["height"]) == (1200, 600)
    assert article["related"] == []  # the demo has one article
    assert vocabulary().problems(doc) == []
    expected = json.loads(shown)
    assert _steady(doc) == _steady(expected)
    assert doc["dateModified"].endswith("+07:00")
    assert len(doc["image"]) == len(expected["image"]) == 3
    assert all(
        re.search(r"/media/r/[0-9a-f]+/\d+x\d+-f\d+-\d+-[0-9a-f]+\.jpg$", url)
        for url in doc["image"]
    )
