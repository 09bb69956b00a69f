from __future__ import annotations

import pytest
from pydantic import ValidationError

from eventum_core import ConfigError, Formatter
from eventum_core.testing import validation_context
from eventum_event_template import TemplateBatchFormatter, TemplateFormatter

from .conftest import START, RecordingLogger, context


def build(cls, tmp_path, logger=None, **options):
    config = cls.Config.model_validate(
        options, context=validation_context(tmp_path, timezone=START.tzinfo, now=START)
    )
    return cls(config, context(tmp_path, logger=logger))


def test_template_formats_each_event(tmp_path):
    formatter = build(TemplateFormatter, tmp_path, template="<{{ event | upper }}>")
    assert isinstance(formatter, Formatter)
    result = formatter.format(["a", "b"])
    assert (result.items, result.events, result.failed) == (["<A>", "<B>"], 2, 0)


def test_template_from_a_file_relative_to_the_generator(tmp_path):
    (tmp_path / "fmt").mkdir()
    (tmp_path / "fmt" / "line.jinja").write_text("{% include 'part.jinja' %}{{ event }}")
    (tmp_path / "fmt" / "part.jinja").write_text("> ")
    formatter = build(TemplateFormatter, tmp_path, template_path="fmt/line.jinja")
    assert formatter.format(["x"]).items == ["> x"]


def test_failed_events_are_counted(tmp_path):
    log = RecordingLogger()
    formatter = build(TemplateFormatter, tmp_path, log, template="{{ (event | int) // 1 // 0 }}")
    result = formatter.format(["1", "2"])
    assert (result.items, result.failed) == ([], 2)
    assert log.records[0][0] == "warning"


def test_template_batch_renders_one_item(tmp_path):
    formatter = build(TemplateBatchFormatter, tmp_path, template="{{ events | join(';') }}")
    result = formatter.format(["a", "b", "c"])
    assert (result.items, result.events, result.failed) == (["a;b;c"], 3, 0)
    assert formatter.format([]).items == []


def test_template_batch_failure_fails_every_event(tmp_path):
    formatter = build(TemplateBatchFormatter, tmp_path, RecordingLogger(), template="{{ 1 // 0 }}")
    result = formatter.format(["a", "b"])
    assert (result.items, result.failed) == ([], 2)


def test_exactly_one_of_template_and_path(tmp_path):
    with pytest.raises(ValidationError, match="exactly one"):
        build(TemplateFormatter, tmp_path)
    with pytest.raises(ValidationError, match="exactly one"):
        build(TemplateFormatter, tmp_path, template="x", template_path="a.jinja")


def test_bad_template_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="line 1"):
        build(TemplateFormatter, tmp_path, template="{% if %}")
    with pytest.raises(ConfigError, match=r"missing\.jinja"):
        build(TemplateBatchFormatter, tmp_path, template_path="missing.jinja")
