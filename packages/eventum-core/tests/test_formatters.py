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


TRICKY_JSON = [
    '{"a": 1}',
    " [1, 2.50, -0.0, 1e300, 1E400, NaN, true, null] \n",
    '{"s": "é\\u00e9\\n\\"x\\ud800", "k": 1, "k": 2, "n": {"m": []}}',
    "12345678901234567890123456789",
    '{\n    "pretty": [\n        1,\n        2\n    ]\n}',
]
BROKEN_JSON = ["{", '{"a": 1} x', "", "\ufeff{}", "[1,]", "nan"]


def test_json_one_line_fast_path_gives_the_plain_path(tmp_path: Path) -> None:
    formatter = JsonFormatter(JsonFormatter.Config(), make_context("formatter", "json", tmp_path))
    assert formatter._fast is not None  # CPython's json has its C scanner and encoder
    result = formatter.format([*TRICKY_JSON, *BROKEN_JSON])
    plain = json.JSONEncoder(ensure_ascii=False)
    assert result.items == [plain.encode(json.loads(e)) for e in TRICKY_JSON]
    assert (result.events, result.failed) == (len(TRICKY_JSON) + len(BROKEN_JSON), len(BROKEN_JSON))
