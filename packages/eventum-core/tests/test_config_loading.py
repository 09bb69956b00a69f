from __future__ import annotations

from pathlib import Path

import pytest

from eventum_core.config.generation import GeneratorParameters
from eventum_core.config.generator import load_plan
from eventum_core.config.yaml_source import expand_dotted_keys, load_yaml_file, substitute
from eventum_core.discovery import Registry
from eventum_core.errors import ConfigError
from eventum_core.protocols import protocol_problem, required_methods, traits

from .plugins_for_tests import EchoEvent, MemoryOutput, RangeInput

SRC = Path("generator.yml")


def registry() -> Registry:
    r = Registry()
    r.register("input", "range", RangeInput)
    r.register("event", "echo", EchoEvent)
    r.register("output", "memory", MemoryOutput)
    return r


def plan_for(tmp_path: Path, text: str, **params: object):
    path = tmp_path / "generator.yml"
    path.write_text(text)
    parameters = GeneratorParameters(id="t", path=path, params=params)
    return load_plan(parameters, registry=registry())


GOOD = """\
input:
  - range:
      count: 3
event:
  echo: {}
output:
  - memory: {}
"""


def test_params_are_substituted_and_retyped() -> None:
    text = "count: ${params.n}\nname: ${ params.who | default('x') }\nnested: ${params.a.b}\n"
    out = substitute(text, source=SRC, params={"n": 5, "a": {"b": [1, 2]}}, secrets=None)
    assert out == "count: 5\nname: x\nnested: [1, 2]\n"


def test_missing_param_names_file_line_and_name() -> None:
    with pytest.raises(ConfigError, match=r"generator.yml:2: parameter 'port' is not set"):
        substitute("a: 1\nb: ${params.port}\n", source=SRC, params={}, secrets=None)


def test_comment_lines_are_not_substituted() -> None:
    assert (
        substitute("# ${params.gone}\n", source=SRC, params={}, secrets=None)
        == "# ${params.gone}\n"
    )


def test_secret_without_resolver_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="secret 'token' is used but no keyring is configured"):
        substitute("x: ${secrets.token}", source=SRC, params={}, secrets=None)


def test_secret_from_resolver() -> None:
    def lookup(name: str) -> str:
        if name == "token":
            return "s3cret"
        raise KeyError(name)

    assert substitute("x: ${secrets.token}", source=SRC, params={}, secrets=lookup) == "x: s3cret"
    with pytest.raises(ConfigError, match="secret 'other' is not in the keyring"):
        substitute("x: ${secrets.other}", source=SRC, params={}, secrets=lookup)


def test_jinja_blocks_are_left_alone() -> None:
    text = 'template: "{% for e in events %}{{ e }}{% endfor %}"'
    assert substitute(text, source=SRC, params={}, secrets=None) == text


def test_yaml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "g.yml"
    path.write_text("input:\n  - range: {count: 3\nevent: x\n")
    with pytest.raises(ConfigError, match=r"g\.yml:3:\d+: YAML syntax error"):
        load_yaml_file(path)


def test_dotted_keys_expand_and_merge_at_any_depth() -> None:
    data = {"a.b": 1, "a": {"c.d": 2}, "l": [{"x.y": 3}]}
    assert expand_dotted_keys(data, source=SRC) == {
        "a": {"b": 1, "c": {"d": 2}},
        "l": [{"x": {"y": 3}}],
    }
    with pytest.raises(ConfigError, match="given twice"):
        expand_dotted_keys({"a.b": 1, "a": {"b": 2}}, source=SRC)


def test_plan_has_validated_plugins(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, GOOD)
    assert [s.name for s in plan.inputs] == ["range"]
    assert plan.event.name == "echo"
    assert plan.outputs[0].formatter.name == "plain"
    assert plan.base_path == tmp_path


def test_unknown_plugin_names_distribution_and_close_match(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        plan_for(tmp_path, GOOD.replace("memory", "memroy"))
    message = str(info.value)
    assert "generator.yml:7" in message
    assert "output plugin 'memroy' is not installed: pip install eventum-output-memroy" in message
    assert "did you mean 'memory'?" in message


def test_unknown_field_has_dotted_path_and_line(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"generator.yml:3: input\[0\]\.range\.cuont: unknown field"
    ):
        plan_for(tmp_path, GOOD.replace("count: 3", "cuont: 3"))


def test_invalid_value_names_reason_and_value(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r":3: input\[0\]\.range\.count: .*greater than or equal to 0 \(got -1\)"
    ):
        plan_for(tmp_path, GOOD.replace("count: 3", "count: -1"))


def test_unknown_formatter(tmp_path: Path) -> None:
    text = GOOD.replace("memory: {}", "memory: {formatter: {format: jsn}}")
    with pytest.raises(
        ConfigError, match=r"formatter plugin 'jsn' is not installed.*did you mean 'json'"
    ):
        plan_for(tmp_path, text)


def test_missing_and_unknown_sections(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="output: required section is missing"):
        plan_for(tmp_path, GOOD.split("output:", maxsplit=1)[0])
    with pytest.raises(ConfigError, match="outputs: unknown section"):
        plan_for(tmp_path, GOOD + "outputs: []\n")


def test_plugin_item_must_have_one_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"output\[0\]: expected exactly one plugin name"):
        plan_for(tmp_path, GOOD.replace("  - memory: {}", "  - memory: {}\n    range: {}"))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="generator config not found"):
        load_plan(GeneratorParameters(id="t", path=tmp_path / "nope.yml"), registry=registry())


def test_folder_path_finds_generator_yml(tmp_path: Path) -> None:
    (tmp_path / "generator.yml").write_text(GOOD)
    plan = load_plan(GeneratorParameters(id="t", path=tmp_path), registry=registry())
    assert plan.source == tmp_path / "generator.yml"


def test_generation_defaults_follow_eventum() -> None:
    p = GeneratorParameters(id="x", path=Path("g.yml"))
    assert (p.batch.size, p.batch.delay) == (10000, 1.0)
    assert GeneratorParameters(id="x", path=Path("g.yml"), batch={"size": 5}).batch.delay is None
    assert (p.queue.max_timestamp_batches, p.max_concurrency, p.write_timeout) == (10, 100, 10)
    assert p.live_mode and p.skip_past and not p.keep_order and p.timezone == "UTC"


class LooseOutput(MemoryOutput):
    """An output whose Config does not subclass OutputConfig: core's delivery settings would
    be missing, so loading refuses it."""

    Config = EchoEvent.Config  # type: ignore[assignment]


def test_output_config_must_subclass_output_config(tmp_path: Path) -> None:
    path = tmp_path / "generator.yml"
    path.write_text(GOOD.replace("memory", "loose"))
    r = registry()
    r.register("output", "loose", LooseOutput)
    with pytest.raises(ConfigError, match=r"does not subclass eventum_core.OutputConfig"):
        load_plan(GeneratorParameters(id="t", path=path), registry=r)


def test_traits_come_from_the_protocols_with_their_defaults(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, GOOD)
    assert dict(plan.inputs[0].traits) == {"interactive": False}
    assert dict(plan.event.traits) == {
        "parallel_safe": False,
        "planned": False,
        "movable": False,
        "cheap": False,
    }
    assert dict(plan.outputs[0].plugin.traits) == {
        "concurrent_writes": False,
        "idempotent_writes": False,
    }
    assert dict(plan.outputs[0].formatter.traits) == {"parallel_safe": True}  # plain declares it
    assert dict(traits("formatter", LooseOutput)) == {"parallel_safe": False}


def test_required_methods_come_from_the_protocols() -> None:
    assert required_methods("input") == ("generate", "stop")
    assert required_methods("event") == ("produce", "close")
    assert required_methods("output") == ("open", "write", "close")
    assert required_methods("formatter") == ("format",)

    class NoStop:
        Config = RangeInput.Config

        def generate(self, size: int) -> None: ...

    assert protocol_problem("input", NoStop) == "lacks stop"
