"""How every command says what went wrong: `Error: ` and one mistake per line, on stderr, as
Eventum's commands do."""

from __future__ import annotations

import sys


def print_error(message: str) -> None:
    for line in message.splitlines() or [message]:
        print(f"Error: {line}", file=sys.stderr)
