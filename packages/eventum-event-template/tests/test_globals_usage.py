"""globals-usage: which `globals` keys a generator folder's templates write and read."""

from __future__ import annotations

from pathlib import Path

from eventum_event_template import TemplateEvent
from eventum_event_template.state import GLOBAL_STATE


def test_writes_reads_and_warnings_in_template_order(tmp_path: Path) -> None:
    (tmp_path / "login.jinja").write_text(
        "{% do globals.set('user', 'bob') %}{% do globals.set(key, 1) %}"
        "{{ globals.get('count', 0) }}{{ globals['user'] }}{% do globals.update({'a': 1}) %}"
    )
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "dns.j2").write_text(
        "{% set d = globals.get(name) %}{{ globals.get('ip') }}"
    )
    (tmp_path / "notes.txt").write_text("{% do globals.set('ignored', 1) %}")
    (tmp_path / "broken.jinja").write_text("{% do globals.set('lost', 1) ")
    (tmp_path / "plain.jinja").write_text("{{ shared.get('x') }} {{ locals.set('y', 1) }}")

    usage = TemplateEvent.process_state_usage(tmp_path)

    assert usage["writes"] == [{"key": "user", "template": "login.jinja"}]
    assert usage["reads"] == [
        {"key": "count", "template": "login.jinja"},
        {"key": "user", "template": "login.jinja"},
        {"key": "ip", "template": "sub/dns.j2"},
    ]
    assert usage["warnings"] == [
        {"type": "dynamic_key", "template": "login.jinja"},
        {"type": "update_call", "template": "login.jinja"},
        {"type": "dynamic_key", "template": "sub/dns.j2"},
    ]


def test_an_empty_folder_uses_nothing(tmp_path: Path) -> None:
    assert TemplateEvent.process_state_usage(tmp_path) == {
        "writes": [],
        "reads": [],
        "warnings": [],
    }


def test_the_plugin_class_holds_the_process_wide_store() -> None:
    assert TemplateEvent.process_state is GLOBAL_STATE
