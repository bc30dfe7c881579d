"""With ``CMS_LOCALE_FALLBACK=false``, a text with no translation in the article's locale is
empty instead of the default locale's (the fields were never null: see
``cms.core.locales.Reading.text``)."""

from __future__ import annotations

import pytest

from tests.editing.helpers import post
from tests.translations.test_in_place import FEED, _structure

pytestmark = pytest.mark.database("sqlite", "postgres")


@pytest.fixture
async def settings(settings):
    return settings.model_copy(update={"locale_fallback": False})


async def test_without_fallback_an_untranslated_text_is_null(client, editor):
    await _structure(client, editor)
    [english] = (await post(client, FEED, {"locale": "en"}))["data"]["articles"]["nodes"]
    assert english["section"] == {"name": "News", "description": ""}
    assert [t["name"] for t in english["tags"]] == ["", ""]
    assert english["event"] == {"name": "Mid-year conference", "host": ""}
