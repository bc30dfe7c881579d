"""The README's "Translations" mutations, run as written."""

from __future__ import annotations

import pytest

from tests.editing.test_readme import code, run, section
from tests.translations.test_articles import _create

pytestmark = pytest.mark.database("sqlite", "postgres")


async def test_the_translations_mutations_do_what_the_readme_says(client, editor):
    text = section("Translations")
    assert "CMS_LOCALES=vi,en" in text
    translate, translate_section = code(text, "graphql")
    original = await _create(client, editor, title="Hội nghị sơ kết")
    assert original["id"] == "QXJ0aWNsZTox"  # Article:1, the README's
    made = await run(client, translate, editor)
    draft = made["articleTranslate"]["article"]
    assert (draft["locale"], draft["slug"], draft["status"]) == ("en", "hoi-nghi-so-ket", "DRAFT")
    created = await run(
        client, 'mutation { sectionCreate(input: { name: "Tin tức" }) { __typename } }', editor
    )
    assert created["sectionCreate"]["__typename"] == "SectionCreateSuccess"
    updated = await run(client, translate_section, editor)
    assert updated["sectionUpdate"]["section"] == {
        "name": "Tin tức",
        "translation": {"name": "News"},
    }
