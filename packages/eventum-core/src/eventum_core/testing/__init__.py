"""Test kit for plugin packages: contract suites and an in-process generator runner.

Needs pytest (a test dependency of plugin packages, not of core)."""

from eventum_core.testing.contracts import (
    EventPluginContract,
    FormatterContract,
    InputPluginContract,
    OutputPluginContract,
)
from eventum_core.testing.harness import (
    NOW,
    CollectedRun,
    CollectOutput,
    make_context,
    run_generator,
    validation_context,
)

__all__ = [
    "NOW",
    "CollectOutput",
    "CollectedRun",
    "EventPluginContract",
    "FormatterContract",
    "InputPluginContract",
    "OutputPluginContract",
    "make_context",
    "run_generator",
    "validation_context",
]
