"""Translations run with three locales configured: Vietnamese (the default), English, French.
The factory and the editor are the editing tests' own."""

from __future__ import annotations

import pytest

from settings import Settings
from tests.editing.conftest import editor, factory

__all__ = ["editor", "factory"]

LOCALES = ["vi", "en", "fr"]


@pytest.fixture
async def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"locales": LOCALES})
