from __future__ import annotations

import pytest

from tests.security.world import World, build_world


@pytest.fixture
def world(personas, settings, tmp_path) -> World:
    settings.EXPORTS_DIR = tmp_path / "exports"  # the world's background export writes its file here
    return build_world(personas)
