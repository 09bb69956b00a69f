"""Eventum `template` event plugin and `template` / `template-batch` formatters."""

from eventum_event_template.__about__ import __version__
from eventum_event_template.config import TemplateEventConfig
from eventum_event_template.formatters import TemplateBatchFormatter, TemplateFormatter
from eventum_event_template.plugin import TemplateEvent

__all__ = [
    "TemplateBatchFormatter",
    "TemplateEvent",
    "TemplateEventConfig",
    "TemplateFormatter",
    "__version__",
]
