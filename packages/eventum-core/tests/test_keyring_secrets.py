"""Secrets from a real cryptfile, and the eventum-keyring command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from eventum_core.config.yaml_source import substitute
from eventum_core.errors import ConfigError, UserError
from eventum_core.keyring_secrets import Keyring, KeyringError, cryptfile_resolver


def test_set_get_list_remove(tmp_path: Path) -> None:
    path = tmp_path / "kr.cfg"
    keyring = Keyring(path, password="pw")
    assert keyring.names() == []
    keyring.set("db.password", "s3cret")
    keyring.set("token", "t")
    assert Keyring(path, password="pw").get("db.password") == "s3cret"
    assert keyring.names() == ["db.password", "token"]
    keyring.remove("token")
    assert keyring.names() == ["db.password"]
    with pytest.raises(KeyError):
        Keyring(path, password="pw").get("token")
    with pytest.raises(KeyError):
        keyring.remove("token")
    for blank in (" ", "\x85"):  # a name mistake, not a keyring that cannot be opened
        with pytest.raises(UserError, match="blank") as caught:
            keyring.get(blank)
        assert not isinstance(caught.value, KeyringError)


def test_rename_moves_the_value_to_a_free_name(tmp_path: Path) -> None:
    path = tmp_path / "kr.cfg"
    keyring = Keyring(path, password="pw")
    keyring.set("old", "s3cret")
    keyring.set("taken", "other")
    keyring.rename("old", "new")
    assert keyring.names() == ["new", "taken"]
    assert Keyring(path, password="pw").get("new") == "s3cret"
    with pytest.raises(KeyError):
        keyring.get("old")  # not left in the cache either
    with pytest.raises(KeyError):
        keyring.rename("old", "other-name")
    with pytest.raises(UserError, match="already exists"):
        keyring.rename("new", "taken")
    assert Keyring(path, password="pw").get("taken") == "other"


def test_wrong_password_is_a_clear_error_without_the_value(tmp_path: Path) -> None:
    path = tmp_path / "kr.cfg"
    Keyring(path, password="right").set("name", "value-xyz")
    with pytest.raises(KeyringError, match="wrong password") as caught:
        Keyring(path, password="wrong").get("name")
    assert "value-xyz" not in str(caught.value)


def test_resolver_feeds_substitution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENTUM_KEYRING_PASSWORD", "pw")
    path = tmp_path / "kr.cfg"
    Keyring(path).set("api_key", "abc")
    resolver = cryptfile_resolver(path)
    src = tmp_path / "generator.yml"
    assert substitute("k: ${secrets.api_key}\n", source=src, params={}, secrets=resolver) == (
        "k: abc\n"
    )
    with pytest.raises(ConfigError, match="'missing' is not in the keyring"):
        substitute("k: ${secrets.missing}\n", source=src, params={}, secrets=resolver)


def _keyring_cli(
    *args: str, password: str = "pw", stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    code = "from eventum_core.cli.keyring import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "EVENTUM_KEYRING_PASSWORD": password, "COLUMNS": "200"},
        timeout=60,
        check=False,
    )


def test_eventum_keyring_command(tmp_path: Path) -> None:
    path = str(tmp_path / "kr.cfg")
    done = _keyring_cli("set", "n1", "--cryptfile", path, stdin="hidden-value\n")
    assert done.returncode == 0
    assert "Done" in done.stderr
    assert "hidden-value" not in done.stdout + done.stderr
    got = _keyring_cli("get", "n1", "--cryptfile", path)
    assert got.returncode == 0
    assert got.stdout == "hidden-value\n"
    assert _keyring_cli("list", "--cryptfile", path).stdout == "n1\n"
    wrong = _keyring_cli("get", "n1", "--cryptfile", path, password="bad")
    assert wrong.returncode == 1
    assert wrong.stderr.startswith("Error:")
    assert "wrong password" in wrong.stderr
    missing = _keyring_cli("remove", "zz", "--cryptfile", path)
    assert missing.returncode == 1
    assert "missing" in missing.stderr
    assert _keyring_cli("remove", "n1", "--cryptfile", path).returncode == 0
    assert _keyring_cli("get", "n1", "--cryptfile", path).returncode == 1


def test_help_names_the_default_keyring_file() -> None:
    """Square brackets in typer help are rich markup: a `[default: ...]` there vanished."""
    shown = _keyring_cli("get", "--help")
    assert "cryptfile_pass.cfg" in shown.stdout


def test_a_name_in_another_letter_case_is_a_clear_mistake(tmp_path: Path) -> None:
    """keyrings.cryptfile stores names lower-cased but encrypts with the name as given, so
    `DB_PASSWORD` is listed as `db_password`, which cannot decrypt it (Eventum's files too)."""
    keyring = Keyring(tmp_path / "kr.cfg", password="pw")
    keyring.set("DB_PASSWORD", "s3cret")
    reopened = Keyring(tmp_path / "kr.cfg", password="pw")
    assert reopened.names() == ["db_password"]
    assert reopened.get("DB_PASSWORD") == "s3cret"
    with pytest.raises(UserError, match="letter case") as caught:
        reopened.get("db_password")
    assert not isinstance(caught.value, KeyringError)  # a name mistake: the API answers 400
    assert "s3cret" not in str(caught.value)
    keyring.set("db_password", "other")  # the same entry in the file: the old value is gone
    assert keyring.get("db_password") == "other"
    with pytest.raises(UserError, match="letter case"):
        keyring.get("DB_PASSWORD")
    keyring.remove("DB_Password")
    assert keyring.names() == []
