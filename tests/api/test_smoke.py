from __future__ import annotations

import pytest

from tests.conftest import gql
from tests.factories import Factory

pytestmark = pytest.mark.database("sqlite", "postgres")


async def test_feed_lists_published_articles(client, settings):
    factory = Factory(settings.media_root)
    author = await factory.author("Bích Liên")
    await factory.article("Hội nghị sơ kết", author_list=[author], figures=1, cover=True)
    body = await gql(
        client, "{ articles { totalCount nodes { title authors { name } cover { url } } } }"
    )
    assert "errors" not in body
    nodes = body["data"]["articles"]["nodes"]
    assert [n["title"] for n in nodes] == ["Hội nghị sơ kết"]
    assert nodes[0]["authors"] == [{"name": "Bích Liên"}]
    assert nodes[0]["cover"]["url"].startswith("http://cms.test/media/images/")
