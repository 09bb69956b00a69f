"""Debian programs the tests start as real components (nginx, chromium, rsyslogd, tinyproxy,
...). On a machine without one, a test that needs it skips with one line naming the package to
install; CI installs them all (.ci/run) and sets `EVENTUM_REQUIRE_SYSTEM_PACKAGES=1`, which
turns those skips into failures, so nothing is skipped there unnoticed."""

from __future__ import annotations

import os
import shutil

import pytest

REQUIRE_ENV = "EVENTUM_REQUIRE_SYSTEM_PACKAGES"
_SEARCHED = os.pathsep.join([os.environ.get("PATH", os.defpath), "/usr/sbin", "/sbin"])


def system_program(name: str, package: str) -> str:
    """The path of the program `name`, which Debian's `package` installs. Without it the
    calling test skips, or fails when `EVENTUM_REQUIRE_SYSTEM_PACKAGES` is set."""
    found = shutil.which(name, path=_SEARCHED)
    if found is not None:
        return found
    reason = f"needs {name} (Debian package {package}): apt-get install {package}"
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{reason}; {REQUIRE_ENV} is set", pytrace=False)
    pytest.skip(reason)
