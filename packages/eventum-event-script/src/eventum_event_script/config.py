"""Config of the `script` event plugin."""

from __future__ import annotations

from eventum_core import ExistingFile, PluginConfig


class ScriptEventConfig(PluginConfig):
    """`path`: the Python file defining `produce(params)`, relative to the generator folder."""

    path: ExistingFile
