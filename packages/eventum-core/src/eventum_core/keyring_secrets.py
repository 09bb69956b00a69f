"""`${secrets.name}` from an encrypted keyring file, as Eventum keeps them.

The file is a keyrings.cryptfile `CryptFileKeyring` (AES-GCM, Argon2 key derivation): service
`eventum`, username = secret name. The master password comes from `EVENTUM_KEYRING_PASSWORD`
(Eventum's default `eventum` otherwise, with a warning). The backend is always built explicitly:
the default keyring chain would prompt on a terminal and fail without one.

Unlocking costs an Argon2 derivation per value (about half a second), so a `Keyring` decrypts
each secret once and keeps it for its lifetime.
"""

from __future__ import annotations

import configparser
import os
import threading
from pathlib import Path
from typing import Any

from eventum_core.errors import UserError
from eventum_core.secrets import SecretResolver

SERVICE = "eventum"
PASSWORD_ENV = "EVENTUM_KEYRING_PASSWORD"
DEFAULT_PASSWORD = "eventum"


class KeyringError(UserError):
    """The keyring cannot be opened (wrong password, unreadable file): the server answers 503."""


def master_password() -> tuple[str, bool]:
    """The master password and whether it is Eventum's default (worth a warning)."""
    value = os.environ.get(PASSWORD_ENV)
    if value:
        return value, False
    return DEFAULT_PASSWORD, True


def _check_name(name: str) -> str:
    if not name or not name.strip():  # str.strip also takes U+0085 and the other Unicode spaces
        raise UserError("secret name must not be blank")
    return name


class Keyring:
    """One cryptfile: read, write, remove and list secrets. Thread-safe; values are cached."""

    def __init__(self, path: Path, *, password: str | None = None) -> None:
        self.path = Path(path)
        self._password = password if password is not None else master_password()[0]
        self._backend: Any = None
        self._cache: dict[str, str] = {}
        self._lock = threading.Lock()

    def _open(self) -> Any:
        if self._backend is not None:
            return self._backend
        from keyrings.cryptfile.cryptfile import CryptFileKeyring

        backend = CryptFileKeyring()
        backend.file_path = str(self.path)
        try:
            backend.keyring_key = self._password  # unlocks (checks the password) if the file exists
        except ValueError:
            raise KeyringError(
                f"{self.path}: cannot unlock the keyring: wrong password (set {PASSWORD_ENV})"
            ) from None
        except (OSError, configparser.Error) as error:
            raise KeyringError(f"{self.path}: cannot read the keyring: {error}") from None
        self._backend = backend
        return backend

    def get(self, name: str) -> str:
        """The value; KeyError when the keyring has no such secret."""
        _check_name(name)
        with self._lock:
            if name in self._cache:
                return self._cache[name]
            if not self.path.exists():
                raise KeyError(name)
            try:
                value: str | None = self._open().get_password(SERVICE, name)
            except ValueError:  # the password was checked at open: the name's letter case differs
                raise UserError(
                    f"{self.path}: secret '{name}' cannot be decrypted under this name: it was set"
                    " under a name that differs in letter case (keyring files keep names in lower"
                    " case; use the name it was set with)"
                ) from None
            if value is None:
                raise KeyError(name)
            self._cache[name] = value
            return value

    def set(self, name: str, value: str) -> None:
        _check_name(name)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._open().set_password(SERVICE, name, value)
            self._forget(name)
            self._cache[name] = value

    def remove(self, name: str) -> None:
        """Delete a secret; KeyError when it does not exist."""
        _check_name(name)
        if not self._stored(name):
            raise KeyError(name)
        with self._lock:
            self._open().delete_password(SERVICE, name)
            self._forget(name)

    def _forget(self, name: str) -> None:
        """Drop cached values of `name` in every letter case: the file holds one of them."""
        for cached in [c for c in self._cache if c.lower() == name.lower()]:
            del self._cache[cached]

    def rename(self, name: str, new_name: str) -> None:
        """Move a value to a new name, never handing it out; KeyError when `name` does not
        exist, a `UserError` when `new_name` does."""
        _check_name(new_name)
        if self._stored(new_name):
            raise UserError(f"secret '{new_name}' already exists")
        self.set(new_name, self.get(name))
        self.remove(name)

    def names(self) -> list[str]:
        """Secret names, read from the file's INI layout without decrypting anything (in lower
        case: the file keeps them so)."""
        from keyrings.cryptfile.escape import unescape

        return sorted(unescape(option) for option in self._options())

    def _stored(self, name: str) -> bool:
        """Whether the file holds `name`, in any letter case (as it looks names up)."""
        from keyrings.cryptfile.escape import escape

        return escape(name).lower() in self._options()

    def _options(self) -> list[str]:
        from keyrings.cryptfile.escape import escape

        if not self.path.exists():
            return []
        parser = configparser.RawConfigParser()
        try:
            parser.read(self.path, encoding="utf-8")
        except configparser.Error as error:
            raise KeyringError(f"{self.path}: cannot read the keyring: {error}") from None
        section = escape(SERVICE)
        return parser.options(section) if parser.has_section(section) else []

    def resolver(self) -> SecretResolver:
        return self.get


def cryptfile_resolver(path: Path) -> SecretResolver:
    """A `SecretResolver` over a cryptfile, for `eventum generate --cryptfile` and `eventum run`.

    Raises `KeyringError` (a `UserError`) when the password is wrong, `KeyError` for a missing
    secret; nothing is decrypted before the first lookup.
    """
    return Keyring(path).resolver()
