"""eventum_core.testing.system: a missing Debian program skips a test on a developer's machine
and fails it in CI, with one line naming the package to install."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventum_core.testing.system import REQUIRE_ENV, system_program

MISSING = "eventum-no-such-program"


def test_a_present_program_is_found() -> None:
    assert system_program("sh", "dash").endswith("/sh")


def test_a_missing_program_skips_naming_its_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        system_program(MISSING, "eventum-pkg")
    assert str(skipped.value) == (
        f"needs {MISSING} (Debian package eventum-pkg): apt-get install eventum-pkg"
    )


def test_a_missing_program_fails_when_ci_requires_every_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception) as failed:
        system_program(MISSING, "eventum-pkg")
    assert "apt-get install eventum-pkg" in str(failed.value)
    assert REQUIRE_ENV in str(failed.value) and "\n" not in str(failed.value)


def test_ci_requires_every_package() -> None:
    ci = (Path(__file__).parents[3] / ".ci" / "run").read_text()
    assert f"export {REQUIRE_ENV}=1" in ci
