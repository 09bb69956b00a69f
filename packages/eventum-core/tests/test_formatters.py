from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import pytest

from eventum_core.formatters import (
    HttpInputFormatter,
    JsonBatchFormatter,
    JsonFormatter,
    PlainFormatter,
)
from eventum_core.testing import FormatterContract, make_context


class TestPlainContract(FormatterContract):
    plugin_class = PlainFormatter
    entry_point = "plain"


class TestJsonContract(FormatterContract):
    plugin_class = JsonFormatter
    entry_point = "json"
    valid_config: ClassVar[dict[str, Any]] = {"indent": 0}


class TestJsonBatchContract(FormatterContract):
    plugin_class = JsonBatchFormatter
    entry_point = "json-batch"


class TestHttpInputContract(FormatterContract):
    plugin_class = HttpInputFormatter
    entry_point = "eventum-http-input"


def build(cls: type[Any], tmp_path: Path, **options: Any) -> Any:
    return cls(cls.Config.model_validate(options), make_context("formatter", "f", tmp_path))


def test_json_keeps_eventums_one_line_spacing(tmp_path: Path) -> None:
    formatted = build(JsonFormatter, tmp_path).format(['{"a":1,"b":[1,2],"c":"é"}'])
    assert formatted.items == ['{"a": 1, "b": [1, 2], "c": "é"}']


def test_json_indent(tmp_path: Path) -> None:
    formatted = build(JsonFormatter, tmp_path, indent=2).format(['{"a": 1}'])
    assert formatted.items == ['{\n  "a": 1\n}']


def test_json_counts_and_skips_invalid_events(tmp_path: Path) -> None:
    formatted = build(JsonFormatter, tmp_path).format(['{"a": 1}', "not json", '{"b": 2}'])
    assert formatted.items == ['{"a": 1}', '{"b": 2}']
    assert (formatted.events, formatted.failed, formatted.formatted) == (3, 1, 2)


def test_json_batch_is_one_array(tmp_path: Path) -> None:
    formatted = build(JsonBatchFormatter, tmp_path).format(['{"a": 1}', "oops", '{"b": 2}'])
    assert formatted.items == ['[{"a":1},{"b":2}]']
    assert (formatted.events, formatted.failed) == (3, 1)
    assert formatted.events_in([0]) == 2
    indented = build(JsonBatchFormatter, tmp_path, indent=1).format(['{"a": 1}'])
    assert json.loads(indented.items[0]) == [{"a": 1}]


def test_http_input_counts(tmp_path: Path) -> None:
    formatted = build(HttpInputFormatter, tmp_path).format(["x", "y", "z"])
    assert formatted.items == ['{"count": 3}']
    assert build(HttpInputFormatter, tmp_path).format([]).items == []


def test_negative_indent_is_rejected() -> None:
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        JsonFormatter.Config.model_validate({"indent": -1})
