"""`eventum-keyring`: manage the secrets `${secrets.name}` reads, as Eventum's command does.

Errors go to stderr as `Error: ...` with exit code 1; `set` and `remove` print `Done` to stderr;
`get` prints only the value, to stdout.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from eventum_core.cli.errors import print_error

app = typer.Typer(
    name="eventum-keyring",
    help="Manage secrets of the Eventum keyring (an encrypted cryptfile).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

Name = Annotated[str, typer.Argument(help="Secret name, as in ${secrets.NAME}.")]


def _cryptfile_option(*, must_exist: bool) -> Any:
    return typer.Option(
        "--cryptfile",
        exists=must_exist,
        dir_okay=False,
        help="Keyring file (default: the keyring library's cryptfile_pass.cfg).",
    )


def _fail(message: str) -> NoReturn:
    print_error(message)
    raise typer.Exit(1)


def _keyring(cryptfile: Path | None) -> Any:
    from eventum_core.keyring_secrets import Keyring, master_password

    if cryptfile is None:
        from keyrings.cryptfile.cryptfile import CryptFileKeyring

        cryptfile = Path(CryptFileKeyring().file_path)
    if master_password()[1]:
        print(
            "Warning: EVENTUM_KEYRING_PASSWORD is not set; using the default master password",
            file=sys.stderr,
        )
    return Keyring(cryptfile)


def _run(action: Any) -> Any:
    from eventum_core.errors import UserError

    try:
        return action()
    except UserError as error:
        _fail(str(error))


@app.command()
def get(
    name: Name,
    cryptfile: Annotated[Path | None, _cryptfile_option(must_exist=True)] = None,
) -> None:
    """Print the value of a secret."""
    keyring = _keyring(cryptfile)
    try:
        value = _run(lambda: keyring.get(name))
    except KeyError:
        _fail(f"secret '{name}' is missing")
    print(value)


@app.command("set")
def set_(
    name: Name,
    value: Annotated[
        str | None, typer.Argument(help="The value [default: prompted, not echoed].")
    ] = None,
    cryptfile: Annotated[Path | None, _cryptfile_option(must_exist=False)] = None,
) -> None:
    """Store a secret (the file is created when missing)."""
    if value is None:
        value = getpass.getpass(f"Enter password of `{name}`: ")
    keyring = _keyring(cryptfile)
    _run(lambda: keyring.set(name, value))
    print("Done", file=sys.stderr)


@app.command()
def remove(
    name: Name,
    cryptfile: Annotated[Path | None, _cryptfile_option(must_exist=True)] = None,
) -> None:
    """Delete a secret."""
    keyring = _keyring(cryptfile)
    try:
        _run(lambda: keyring.remove(name))
    except KeyError:
        _fail(f"secret '{name}' is missing")
    print("Done", file=sys.stderr)


@app.command("list")
def list_(
    cryptfile: Annotated[Path | None, _cryptfile_option(must_exist=True)] = None,
) -> None:
    """Print the names of the stored secrets, one a line (values are not decrypted)."""
    for name in _run(lambda: _keyring(cryptfile).names()):
        print(name)


def main() -> None:
    app(prog_name="eventum-keyring")
