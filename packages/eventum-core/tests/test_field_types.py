"""The field types core gives plugin configs: each rejects a bad value with a message that says why."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from eventum_core import Encoding, ExistingFile, PluginConfig, ResolvedPath, TimestampPattern
from eventum_core.testing import validation_context


class Fields(PluginConfig):
    path: ResolvedPath = Path("out.txt")
    source: ExistingFile | None = None
    encoding: Encoding = "utf_8"
    pattern: TimestampPattern | None = None


def load(tmp_path: Path, **data: object) -> Fields:
    return Fields.model_validate(data, context=validation_context(tmp_path))


def test_relative_paths_resolve_against_the_generator_folder(tmp_path: Path) -> None:
    (tmp_path / "in.log").write_text("x\n")
    fields = load(tmp_path, path="sub/out.txt", source="in.log")
    assert fields.path == tmp_path / "sub/out.txt"
    assert fields.source == tmp_path / "in.log"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"source": "missing.log"}, "file does not exist"),
        ({"source": "."}, "not a file"),
        ({"encoding": "base64"}, "unknown text encoding"),
        ({"encoding": "klingon"}, "unknown text encoding"),
        ({"pattern": r"\[(?P<ts>.*)\]"}, "named group `(?P<timestamp>...)`"),
        ({"pattern": r"(?P<timestamp>"}, "invalid regular expression"),
    ],
)
def test_bad_values_say_why(tmp_path: Path, data: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        load(tmp_path, **data)


def test_a_pattern_with_a_timestamp_group_is_kept(tmp_path: Path) -> None:
    assert load(tmp_path, pattern=r"^(?P<timestamp>\S+) ").pattern == r"^(?P<timestamp>\S+) "
