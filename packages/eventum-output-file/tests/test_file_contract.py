from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from eventum_core.testing import OutputPluginContract, run_generator
from eventum_output_file import FileOutput


class TestFileContract(OutputPluginContract):
    plugin_class = FileOutput
    entry_point = "file"
    valid_config: ClassVar[dict[str, Any]] = {"path": "out/events.log", "separator": "\n"}

    def read_back(self, base_path: Path) -> Sequence[str]:
        return (base_path / "out/events.log").read_text().splitlines()


def test_generator_writes_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "log.txt").write_text("a\nb\n")
    run_generator(
        {
            "input": [{"static": {"count": 5}}],
            "event": {"replay": {"path": "log.txt", "repeat": True}},
            "output": [{"file": {"path": "out.log", "separator": "\n"}}],
        },
        base_path=tmp_path,
        collect=False,
    )
    assert (tmp_path / "out.log").read_text() == "a\nb\na\nb\na\n"
