from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# What json.loads reads but orjson rejects or reads otherwise: each must come out as json gives it.
ORJSON_DIFFERS = [
    "NaN",
    '{"x": [Infinity, -Infinity, NaN]}',
    '{"lone": "\\ud800", "swapped": "\\ude00\\ud83d", "high then A": "\\ud83d\\u0041"}',
    '{"raw lone": "\ud800"}',
    '{"u64 + 1": 18446744073709551616, "i64 - 1": -9223372036854775809}',
    "123456789012345678901234567890",
    '{"inf": 1e400, "-inf": -1e400, "huge exponent": 1e99999999999999999999}',
    '{"k": 1, "j": 2, "k": 3}',
    ' \t\r\n{"spaced": [ 1 , 2 ] } \n',
    '"top-level string"',
    "-0",
    "null",
    '{"u64": 18446744073709551615, "i64": -9223372036854775808, "pair": "\\ud83d\\ude00"}',
    '{"floats": [1.0, 1e-7, 1.5e300, -0.0, 1E5, 1e16, 9.2e18, 4.9e-324, 1.7976931348623158e308]}',
]
INVALID_FOR_BOTH = [
    "\ufeff{}",
    "\f{}",
    "{}\u00a0",
    '"\t"',
    "nan",
    "Infinity1",
    "+1",
    "[1 2]",
    "{a: 1}",
]


def plain_json(event: str | bytes, indent: int = 0) -> str:
    return json.JSONEncoder(ensure_ascii=False, indent=indent or None).encode(json.loads(event))


@pytest.mark.parametrize("indent", [0, 2])
def test_json_gives_what_json_loads_reads_where_orjson_differs(tmp_path: Path, indent: int) -> None:
    import orjson

    assert isinstance(orjson.loads("18446744073709551616"), float)  # why "e+" sends text back
    formatter = build(JsonFormatter, tmp_path, indent=indent)
    result = formatter.format([*ORJSON_DIFFERS, *INVALID_FOR_BOTH])
    assert result.items == [plain_json(e, indent) for e in ORJSON_DIFFERS]
    assert result.failed == len(INVALID_FOR_BOTH)


@pytest.mark.parametrize("indent", [0, 2])
def test_json_reads_bytes_as_json_loads_does(tmp_path: Path, indent: int) -> None:
    events: list[Any] = [
        '{"a": "é", "b": 1.5}'.encode(),
        bytearray(b'{"a": 1e400}'),
        '\ufeff{"b": 2}'.encode(),
        '{"c": "é"}'.encode("utf-16"),
        b'"\xed\xa0\x80"',  # a surrogate, which json.loads lets through
    ]
    result = build(JsonFormatter, tmp_path, indent=indent).format(events)
    assert result.items == [plain_json(e, indent) for e in events]


@pytest.mark.parametrize("indent", [0, 2])
def test_json_logs_one_warning_for_invalid_events(tmp_path: Path, indent: int) -> None:
    from structlog.testing import capture_logs

    with capture_logs() as logs:
        result = build(JsonFormatter, tmp_path, indent=indent).format(["{", "[1,]", '{"a": 1}'])
    assert (result.items, result.failed) == ([plain_json('{"a": 1}', indent)], 2)
    warnings = [entry for entry in logs if entry["event"] == "event is not valid JSON"]
    assert len(warnings) == 1
    assert warnings[0]["sample"] == "{"
    assert (
        warnings[0]["reason"]
        == "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
    )


@pytest.mark.parametrize("indent", [0, 2])
def test_json_without_orjson(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, indent: int) -> None:
    from eventum_core import formatters

    monkeypatch.setattr(formatters, "orjson", None)
    events = [*TRICKY_JSON, *ORJSON_DIFFERS, *BROKEN_JSON]
    result = build(JsonFormatter, tmp_path, indent=indent).format(events)
    valid = [*TRICKY_JSON, *ORJSON_DIFFERS]
    assert result.items == [plain_json(e, indent) for e in valid]
    assert result.failed == len(BROKEN_JSON)


NUMBER = st.from_regex(
    r"-?(0|[1-9][0-9]{0,24})(\.[0-9]{1,20})?([eE][-+]?[0-9]{1,3})?", fullmatch=True
)
SCALAR = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([1.0, 1e-7, 1.5e300, -0.0, 0.1, 1e16, 2.0**63, 2.0**64])
    | st.text(st.characters(codec=None, exclude_categories=()), max_size=12)
)
VALUE = st.recursive(
    SCALAR,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=30,
)


@st.composite
def json_text(draw: st.DrawFn) -> str:
    """A value written as json.dumps would, in one of several layouts, with a literal number
    spliced in where a number as written (1.50, 1E400, 30 digits) matters."""
    value = draw(VALUE)
    text = json.dumps(
        value, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from([None, 0, 2, "\t"]))
    )
    return f'{{"v": {text}, "n": [{draw(NUMBER)}, {draw(NUMBER)}]}}'


@settings(max_examples=400, deadline=None)
@given(st.lists(json_text(), min_size=1, max_size=4), st.sampled_from([0, 2]))
def test_json_equals_json_loads_then_encode(events: list[str], indent: int) -> None:
    context = make_context("formatter", "json", Path("."))
    formatter = JsonFormatter(JsonFormatter.Config(indent=indent), context)
    assert formatter.format(events).items == [plain_json(e, indent) for e in events]
