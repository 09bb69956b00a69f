"""Messages held by an event worker are printed, in order, when it releases them."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
import structlog

from eventum_core import logging as eventum_logging


@pytest.fixture(autouse=True)
def _plain() -> Iterator[None]:
    """Our plain format printing to this test's stderr; structlog as it was found, after."""
    before = eventum_logging._settings, eventum_logging._threshold, eventum_logging._configured
    eventum_logging.configure(0)
    yield
    eventum_logging._held.records = None
    structlog.reset_defaults()  # it prints to the captured stderr, closed after the test
    settings, threshold, _ = before
    eventum_logging._settings, eventum_logging._threshold = settings, threshold
    eventum_logging._configured = False


def test_held_messages_are_printed_in_order_on_release(capsys: pytest.CaptureFixture[str]) -> None:
    log = eventum_logging.get_logger(generator="g")
    eventum_logging.hold()
    log.warning("first", n=1)
    log.info("below the level")
    log.error("second")
    assert capsys.readouterr().err == ""
    eventum_logging.release()
    lines = capsys.readouterr().err.splitlines()
    assert [("first" in line, "second" in line) for line in lines] == [(True, False), (False, True)]
    assert "generator=g" in lines[0] and "n=1" in lines[0]
    log.warning("third")  # still held after a release
    assert capsys.readouterr().err == ""
    eventum_logging.release()
    assert "third" in capsys.readouterr().err


def test_an_exception_is_printed_at_once_with_what_was_held(
    capsys: pytest.CaptureFixture[str],
) -> None:
    log = eventum_logging.get_logger()
    eventum_logging.hold()
    log.warning("held")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("failed")
    assert "failed" in capsys.readouterr().err
    eventum_logging.release()
    assert "held" in capsys.readouterr().err


def test_the_first_line_does_not_import_rich() -> None:
    """structlog.dev would import rich (tens of milliseconds) for tracebacks we print plainly."""
    code = (
        "import sys\n"
        "from eventum_core import logging as l\n"
        "l.configure(0)\n"
        "l.get_logger(generator='g').warning('careful', n=1)\n"
        "assert 'structlog' in sys.modules and 'rich' not in sys.modules\n"
        "import rich.console\n"  # still importable afterwards
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "careful" in result.stderr and "generator=g" in result.stderr
