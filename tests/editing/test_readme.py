"""The README's walkthrough, run as written: make an admin, sign in, write, publish, read."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from cms import demo
from cms.accounts import users as accounts
from cms.media.storage import LocalMediaStore
from cms.models import Role
from tests.editing.helpers import post
from tests.factories import LIMITS

pytestmark = pytest.mark.database("sqlite", "postgres")

README = Path(__file__).resolve().parents[2] / "README.md"


def section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end]


def code(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


async def run(client, document: str, token: str | None = None) -> dict[str, Any]:
    body = await post(client, document, None, token)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def test_the_writing_walkthrough_does_what_it_says(client, settings):
    """From `cms user create` and `login` (in "Accounts and tokens") to the front page."""
    accounts_ = section("Accounts and tokens")
    email = re.search(r"`cms user create --email (\S+) --role admin`", accounts_)
    (sign_in, *_) = code(accounts_, "graphql")
    password = re.search(r'password: "([^"]+)"', sign_in)
    assert email and password
    writing = section("Writing")
    photos, create, publish, front = code(writing, "graphql")
    await demo.load(LocalMediaStore(settings.media_root), LIMITS)
    new = accounts.NewUser(
        email=email[1], name="Ban biên tập", role=Role.ADMIN, password=password[1]
    )
    await accounts.create(accounts.CONSOLE, new, concurrency=1)

    token = (await run(client, sign_in))["login"]["token"]
    images = (await run(client, photos, token))["article"]["images"]
    figure = re.search(r'imageIds: \["([^"]+)"\]', create)
    assert figure and figure[1] == images[1]["id"]  # "the second photo"

    made = (await run(client, create, token))["articleCreate"]["article"]
    assert (made["version"], made["status"]) == (1, "DRAFT")
    assert f'"id": "{made["id"]}"' in writing  # the id the text says the answer names
    assert f'id: "{made["id"]}", version: 1' in publish

    done = (await run(client, publish, token))["articlePublish"]["article"]
    assert (done["status"], done["version"]) == ("PUBLISHED", 2)

    title = re.search(r'title: "([^"]+)"', create)
    assert title
    feed = (await run(client, front))["articles"]["nodes"]
    assert feed[0]["title"] == title[1]
    assert len(feed) == 2  # the demo article after it
