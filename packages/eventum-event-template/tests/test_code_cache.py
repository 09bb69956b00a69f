"""Compiled templates kept between runs: a second start compiles nothing, and whatever happens to
the cache, the events are the ones a fresh compile gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from eventum_core.testing import validation_context
from eventum_event_template import TemplateEvent
from eventum_event_template.fast import CachingEnvironment

from .conftest import START, RecordingLogger, context, make_batch, render

PACK = {
    "main.jinja": (
        "{%- from 'lib.jinja' import field -%}\n"
        "{%- set n = module.rand.number.integer(1, 9) -%}\n"
        "{{ field('n', n) }} {{ shared.get('k', 0) }} {{ timestamp }}"
    ),
    "lib.jinja": "{%- macro field(k, v) -%}{{ k }}={{ v }}{%- endmacro -%}",
    "pure.jinja": "{{ timestamp }} {{ ['a', 'b', 'c'] | random }}",
}
CONFIG = {
    "mode": "chance",
    "templates": [
        {"main": {"template": "main.jinja", "chance": 1}},
        {"pure": {"template": "pure.jinja", "chance": 1}},
    ],
}


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("EVENTUM_CACHE_DIR", str(folder))
    return folder / "templates"


def _events(make_plugin, files: dict[str, str] = PACK) -> list[str]:
    return render(make_plugin(CONFIG, files, seed=3), 40)


def test_a_second_start_parses_and_compiles_nothing(make_plugin, cache, monkeypatch):
    first = _events(make_plugin)
    assert any(cache.glob("*.bin"))

    def no_parse(*args: object) -> None:
        raise AssertionError("parsed although the cache holds the template")

    monkeypatch.setattr(CachingEnvironment, "_parse", no_parse)
    assert _events(make_plugin) == first  # `from 'lib.jinja' import` loads from the cache too


def test_a_changed_template_is_compiled_again(make_plugin, cache):
    _events(make_plugin)
    changed = {**PACK, "lib.jinja": "{%- macro field(k, v) -%}{{ k }}:{{ v }}{%- endmacro -%}"}
    assert any(":" in e.split()[0] for e in _events(make_plugin, changed))


def test_a_damaged_cache_gives_the_events_of_a_fresh_compile(make_plugin, cache):
    first = _events(make_plugin)
    for path in cache.glob("*.bin"):
        path.write_bytes(path.read_bytes()[:7])
    assert _events(make_plugin) == first
    for path in cache.glob("*.bin"):
        path.write_bytes(b"")
    assert _events(make_plugin) == first


def test_a_cache_folder_that_cannot_be_written_is_not_used(make_plugin, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("EVENTUM_CACHE_DIR", str(blocker))
    fresh = _events(make_plugin)
    monkeypatch.setenv("EVENTUM_CACHE_DIR", "")  # empty: no cache at all
    assert _events(make_plugin) == fresh
    assert blocker.read_text() == ""


def test_cached_code_still_names_the_failing_file_and_line(make_plugin, cache):
    files = {"bad.jinja": "line one\n{{ 1 // 0 }}"}
    for _ in range(2):  # compiled, then loaded from the cache
        log = RecordingLogger()
        plugin = make_plugin({}, files, logger=log)
        assert plugin.produce(make_batch(1)).failed == 1
        fields = log.records[0][2]
        assert (Path(fields["file"]).name, fields["line"]) == ("bad.jinja", 2)


def test_a_generator_folder_copied_elsewhere_loads_its_code_under_its_new_path(
    make_plugin, cache, tmp_path, monkeypatch
):
    make_plugin({}, {"bad.jinja": "line one\n{{ 1 // 0 }}"})
    copy = tmp_path / "copy"
    shutil.copytree(tmp_path, copy, ignore=shutil.ignore_patterns("cache", "copy"))
    monkeypatch.setattr(CachingEnvironment, "_parse", None)  # parsing would fail the test
    cfg = TemplateEvent.Config.model_validate(
        {"mode": "all", "templates": [{"t": {"template": "bad.jinja"}}]},
        context=validation_context(copy, now=START),
    )
    log = RecordingLogger()
    plugin = TemplateEvent(cfg, context(copy, logger=log))
    assert plugin.produce(make_batch(1)).failed == 1
    assert (log.records[0][2]["file"], log.records[0][2]["line"]) == ("bad.jinja", 2)
    root = plugin._templates["t"]._root.__code__  # what a traceback shows
    assert root.co_filename == str(copy / "bad.jinja")
