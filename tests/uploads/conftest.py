"""Uploads run with their own temporary folder, to check that nothing is left in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import Settings
from tests.factories import Factory


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"upload_tmp_dir": tmp_path / "upload-tmp"})


@pytest.fixture
def factory(settings: Settings) -> Factory:
    return Factory(settings.media_root)
