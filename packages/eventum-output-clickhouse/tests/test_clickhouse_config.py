from __future__ import annotations

from pathlib import Path

import pytest
from ch_helpers import validate
from pydantic import ValidationError


def test_defaults_match_eventum(tmp_path: Path) -> None:
    config = validate(tmp_path, {"host": "ch.local", "table": "events"})
    assert config.formatter.format == "json"
    assert (config.port, config.protocol, config.database) == (8123, "http", "default")
    assert (config.username, config.password, config.dsn) == ("default", "", None)
    assert (config.connect_timeout, config.request_timeout) == (10, 300)
    assert config.verify is True  # Eventum 2.8 default
    assert (config.ca_cert, config.client_cert, config.client_cert_key) == (None, None, None)
    assert (config.server_host_name, config.tls_mode, config.proxy_url) == (None, None, None)
    assert (config.input_format, config.header, config.footer) == ("JSONEachRow", "", "")
    assert (config.separator, config.pool_maxsize, config.client_name) == ("\n", 32, None)


def test_relative_certificate_paths_resolve_against_the_generator(tmp_path: Path) -> None:
    config = validate(
        tmp_path,
        {"host": "h", "table": "t", "protocol": "https", "ca_cert": "ca.pem",
         "client_cert": "c.pem", "client_cert_key": "c.key"},
    )  # fmt: skip
    assert config.ca_cert == tmp_path / "ca.pem"
    assert config.client_cert_key == tmp_path / "c.key"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"table": "t"}, "host"),
        ({"host": "h", "table": "t", "client_cert": "c.pem"}, "go together"),
        ({"host": "h", "table": "t", "input_format": "Pretty"}, "input_format"),
        ({"host": "h", "table": "t", "dsn": "mysql://x"}, "dsn scheme"),
        ({"host": "h", "table": "t", "pool_maxsize": 0}, "pool_maxsize"),
        ({"host": "h"}, "table"),
        ({"host": "h", "table": "t", "tls_mode": "loose"}, "tls_mode"),
    ],
)
def test_rejects(tmp_path: Path, data: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate(tmp_path, data)


def test_dsn_alone_is_enough(tmp_path: Path) -> None:
    config = validate(tmp_path, {"dsn": "chdb:///var/lib/events", "table": "t"})
    assert config.embedded
    assert not validate(tmp_path, {"dsn": "https://u:p@ch:8443/db", "table": "t"}).embedded
