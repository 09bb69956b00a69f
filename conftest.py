# The fixtures every package's tests share; nox's per-package sessions load this file too.
pytest_plugins = ["eventum_core.testing.pytest_plugin"]
