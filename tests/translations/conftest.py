"""Translations run with three locales configured: Vietnamese (the default), English, French."""

from __future__ import annotations

from typing import Any

import pytest

from cms.models import Role
from settings import Settings
from tests.factories import Factory

LOCALES = ["vi", "en", "fr"]


@pytest.fixture
async def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"locales": LOCALES})


@pytest.fixture
def factory(settings: Any) -> Factory:
    return Factory(settings.media_root)


@pytest.fixture
async def editor(client: Any, factory: Factory) -> str:
    """An editor's session token (the app is up, so the ORM is too)."""
    return await factory.token(Role.EDITOR, "editor@example.org")
