from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from ch_helpers import ENGINE_DIR


@pytest.fixture(scope="session", autouse=True)
def _remove_engine() -> Iterator[None]:
    yield
    shutil.rmtree(ENGINE_DIR, ignore_errors=True)
