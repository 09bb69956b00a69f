"""Test kit for plugin packages: contract suites and an in-process generator runner.

Needs pytest (a test dependency of plugin packages, not of core)."""

from eventum_core.testing.contracts import (
    EventPluginContract,
    FormatterContract,
    InputPluginContract,
    OutputPluginContract,
)
from eventum_core.testing.harness import CollectedRun, CollectOutput, make_context, run_generator

__all__ = [
    "CollectOutput",
    "CollectedRun",
    "EventPluginContract",
    "FormatterContract",
    "InputPluginContract",
    "OutputPluginContract",
    "make_context",
    "run_generator",
]
