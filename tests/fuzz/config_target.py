"""The config-loading fuzz target, shared by atheris (`nox -s fuzz`) and hypothesis (the tests).

One input is the bytes of a generator.yml: it is loaded with every installed plugin, then (if it
loads) its plugins are built as `eventum validate` does. Anything but a `UserError` is a bug.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from eventum_core.config.generation import GeneratorParameters
from eventum_core.config.generator import load_plan
from eventum_core.discovery import Registry
from eventum_core.errors import UserError

_REGISTRY = Registry()
_DIR = Path(tempfile.mkdtemp(prefix="eventum-fuzz-"))
_PATH = _DIR / "generator.yml"
(_DIR / "a.jinja").write_text("{{ timestamp }}\n")
(_DIR / "s.py").write_text("def produce(params):\n    return 'x'\n")
_NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
_PARAMETERS = GeneratorParameters(id="fuzz", path=_PATH, live_mode=False, params={"x": "1"})


def check_config_text(data: bytes, *, reraise: bool = False) -> None:
    """Load `data` as a generator.yml; only `UserError` may come out (re-raised if asked)."""
    _PATH.write_bytes(data)
    try:
        load_plan(_PARAMETERS, registry=_REGISTRY, now=_NOW)
    except UserError:
        if reraise:
            raise


def main() -> None:  # pragma: no cover - run by `nox -s fuzz`
    import atheris

    # Coverage feedback for everything already imported: core, pydantic, yaml, the plugins.
    for kind in ("input", "event", "output", "formatter"):
        for name in _REGISTRY.names(kind):
            _REGISTRY.load(kind, name)
    atheris.instrument_all()
    atheris.Setup(sys.argv, check_config_text)
    atheris.Fuzz()


if __name__ == "__main__":  # pragma: no cover
    main()
