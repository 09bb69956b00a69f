from __future__ import annotations

import json
import re
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from eventum_core import PluginContext
from eventum_core.testing import FormatterContract, run_generator, validation_context
from eventum_formatter_syslog import SyslogFormatter, SyslogFormatterConfig

if TYPE_CHECKING:
    from conftest import Rsyslog  # the fixture's type only

NOW = datetime(2025, 1, 2, tzinfo=UTC)
HEADER_5424 = re.compile(
    r"<(?P<pri>\d+)>1 (?P<time>\S+) (?P<host>\S+) (?P<app>\S+) (?P<procid>\S+) (?P<msgid>\S+) "
)


def make(data: dict[str, Any], timezone: Any = UTC) -> SyslogFormatter:
    config = SyslogFormatterConfig.model_validate(
        data, context=validation_context(Path(), timezone=timezone, now=NOW)
    )
    context = PluginContext(
        generator_id="t",
        kind="formatter",
        name="syslog",
        index=0,
        base_path=Path(),
        timezone=timezone,
        started_at=NOW,
    )
    return SyslogFormatter(config, context)


def test_defaults() -> None:
    config = SyslogFormatterConfig()
    assert (config.rfc, config.facility, config.severity) == (5424, 1, 6)
    assert config.hostname == socket.gethostname()
    assert (config.app_name, config.procid, config.msgid) == ("eventum", None, None)
    assert (config.structured_data, config.framing) == ({}, "none")


def test_rfc5424_message() -> None:
    formatter = make(
        {
            "hostname": "web-1",
            "app_name": "nginx",
            "procid": 42,
            "msgid": "ACCESS",
            "facility": "local3",
            "severity": "warning",
            "structured_data": {"meta@32473": {"env": 'pr"od]\\x'}, "origin": {}},
        }
    )
    before = datetime.now(UTC)
    formatted = formatter.format(["GET / 200", "GET /x 404"])
    after = datetime.now(UTC)
    assert formatted.events == 2 and formatted.failed == 0
    first = formatted.items[0]
    header = HEADER_5424.match(first)
    assert header is not None
    assert header["pri"] == str(19 * 8 + 4)
    assert (header["host"], header["app"], header["procid"], header["msgid"]) == (
        "web-1",
        "nginx",
        "42",
        "ACCESS",
    )
    assert before <= datetime.fromisoformat(header["time"]) <= after
    assert first.endswith(' [meta@32473 env="pr\\"od\\]\\\\x"][origin] GET / 200')
    assert formatted.items[1].endswith(" GET /x 404")


def test_rfc5424_nil_values_and_numeric_codes() -> None:
    item = make({"hostname": "h", "facility": 0, "severity": 0}).format(["m"]).items[0]
    assert item.startswith("<0>1 ")
    assert item.endswith(" h eventum - - - m")


def test_rfc3164_message_in_the_generator_timezone() -> None:
    zone = ZoneInfo("Asia/Tokyo")
    formatter = make(
        {
            "rfc": "3164",
            "hostname": "h",
            "app_name": "app",
            "procid": "7",
            "facility": "auth",
            "severity": "notice",
            "timestamp_pattern": r"^(?P<timestamp>\S+)",
        },
        zone,
    )
    item = formatter.format(["2025-03-04T23:05:06Z login ok"]).items[0]
    assert item == "<37>Mar  5 08:05:06 h app[7]: 2025-03-04T23:05:06Z login ok"


def test_framing() -> None:
    lf = make({"hostname": "h", "framing": "lf"}).format(["a"]).items[0]
    assert lf.endswith(" a\n") and lf.count("\n") == 1
    counted = make({"hostname": "h", "framing": "octet-counting"}).format(["\u00e9\nx"]).items[0]
    size, message = counted.split(" ", 1)
    assert int(size) == len(message.encode("utf-8"))
    assert message.endswith("\u00e9\nx")


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"ts": "2025-05-06T07:08:09.123+02:00"}, "2025-05-06T05:08:09.123000+00:00"),
        ({"ts": "2025-05-06T07:08:09"}, "2025-05-06T07:08:09.000000+00:00"),
        ({"ts": 1_700_000_000.5}, "2023-11-14T22:13:20.500000+00:00"),
    ],
)
def test_timestamp_from_a_json_field(event: dict[str, Any], expected: str) -> None:
    formatter = make({"hostname": "h", "timestamp_field": "meta.ts"})
    item = formatter.format([json.dumps({"meta": event})]).items[0]
    header = HEADER_5424.match(item)
    assert header is not None and header["time"] == expected


def test_missing_timestamp_falls_back_to_the_time_of_formatting() -> None:
    formatter = make({"hostname": "h", "timestamp_field": "ts"})
    formatted = formatter.format(["not json", '{"ts": "yesterday"}', '{"other": 1}'])
    assert formatted.failed == 0
    for item in formatted.items:
        header = HEADER_5424.match(item)
        assert header is not None
        assert datetime.now(UTC) - datetime.fromisoformat(header["time"]) < timedelta(seconds=5)


@pytest.mark.parametrize(
    "data",
    [
        {"rfc": 5425},
        {"facility": "nope"},
        {"facility": 24},
        {"severity": 8},
        {"hostname": "with space"},
        {"app_name": "x" * 49},
        {"msgid": "x" * 33},
        {"structured_data": {"bad id": {}}},
        {"structured_data": {"id": {"a=b": "v"}}},
        {"rfc": 3164, "structured_data": {"id": {}}},
        {"rfc": 3164, "msgid": "m"},
        {"framing": "crlf"},
        {"timestamp_pattern": "(no group)"},
        {"timestamp_pattern": "(?P<timestamp>x)", "timestamp_field": "t"},
        {"colour": "red"},
    ],
)
def test_invalid_config(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        SyslogFormatterConfig.model_validate(data)


class TestSyslogContract(FormatterContract):
    plugin_class = SyslogFormatter
    entry_point = "syslog"
    valid_config: ClassVar[dict[str, Any]] = {"hostname": "h"}


def _run(tmp_path: Path, output: dict[str, Any], count: int) -> Any:
    lines = "".join(json.dumps({"n": i, "text": f"event {i} \u00e9"}) + "\n" for i in range(count))
    (tmp_path / "events.jsonl").write_text(lines)
    return run_generator(
        {
            "input": [{"static": {"count": count}}],
            "event": {"replay": {"path": "events.jsonl"}},
            "output": [output],
        },
        base_path=tmp_path,
        collect=False,
    )


def test_rsyslog_receives_rfc5424_over_tcp_with_octet_counting(
    tmp_path: Path, rsyslog: Rsyslog
) -> None:
    count = 500
    run = _run(
        tmp_path,
        {
            "tcp": {
                "host": "127.0.0.1",
                "port": rsyslog.tcp_port,
                "separator": "",
                "formatter": {
                    "format": "syslog",
                    "hostname": "gen-host",
                    "app_name": "eventum-test",
                    "procid": 77,
                    "msgid": "EVT",
                    "facility": "local4",
                    "severity": "err",
                    "structured_data": {"origin@32473": {"run": 'a"b'}},
                    "framing": "octet-counting",
                },
            }
        },
        count,
    )
    assert run.counters.outputs[0].written == count
    received = rsyslog.lines(count)
    assert len(received) == count
    for i, line in enumerate(received):
        pri, _, host, app, procid, msgid, sd, msg = line.split("|", 7)
        assert (pri, host, app, procid, msgid) == (
            str(20 * 8 + 3),
            "gen-host",
            "eventum-test",
            "77",
            "EVT",
        )
        assert sd == '[origin@32473 run="a\\"b"]'
        assert json.loads(msg) == {"n": i, "text": f"event {i} \u00e9"}


def test_rsyslog_receives_rfc3164_over_udp(tmp_path: Path, rsyslog: Rsyslog) -> None:
    count = 200
    run = _run(
        tmp_path,
        {
            "udp": {
                "host": "127.0.0.1",
                "port": rsyslog.udp_port,
                "separator": "",
                "formatter": {
                    "format": "syslog",
                    "rfc": 3164,
                    "hostname": "gen-host",
                    "app_name": "gen",
                    "procid": "5",
                    "severity": "debug",
                    "timestamp_field": "n",
                },
            }
        },
        count,
    )
    assert run.counters.outputs[0].written == count
    received = rsyslog.lines(count)
    assert len(received) == count  # loopback, a modest rate: no datagram is dropped
    messages = []
    for line in received:
        pri, stamp, host, app, procid, _, _, msg = line.split("|", 7)
        assert (pri, host, app, procid) == ("15", "gen-host", "gen", "5")
        message = json.loads(msg)
        n = message["n"]  # epoch seconds; RFC 3164 has no year, rsyslog adds its own
        assert stamp[4:] == f"-01-01T00:{n // 60:02d}:{n % 60:02d}+00:00"
        messages.append(message)
    assert sorted(m["n"] for m in messages) == list(range(count))


def test_rsyslog_receives_lf_framed_messages_over_tcp(tmp_path: Path, rsyslog: Rsyslog) -> None:
    run = _run(
        tmp_path,
        {
            "tcp": {
                "host": "127.0.0.1",
                "port": rsyslog.tcp_port,
                "formatter": {"format": "syslog", "hostname": "h", "timestamp_field": "n"},
            }
        },
        50,
    )
    assert run.counters.outputs[0].written == 50
    received = rsyslog.lines(50)
    assert [json.loads(line.split("|", 7)[7])["n"] for line in received] == list(range(50))
    assert received[3].split("|")[1] == "1970-01-01T00:00:03.000000+00:00"
