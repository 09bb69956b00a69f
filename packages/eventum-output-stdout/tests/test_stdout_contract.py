from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest

from eventum_core.testing import OutputPluginContract
from eventum_output_stdout import StdoutOutput


class TestStdoutContract(OutputPluginContract):
    plugin_class = StdoutOutput
    entry_point = "stdout"
    valid_config: ClassVar[dict[str, Any]] = {"separator": "\n"}

    @pytest.fixture(autouse=True)
    def _capture(self, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
        self.captured = capfdbinary

    def read_back(self, base_path: Path) -> Sequence[str]:
        return self.captured.readouterr().out.decode().splitlines()
