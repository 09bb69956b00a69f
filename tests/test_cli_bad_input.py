"""Each user mistake: one clear line naming the file and the field or line, exit 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

SCRIPT_OK = "def produce(params):\n    return 'x'\n"


def gen(
    tmp_path: Path,
    event: str,
    output: str = "  - stdout: {}",
    inputs: str = "  - static: {count: 1}",
) -> Path:
    path = tmp_path / "generator.yml"
    path.write_text(f"input:\n{inputs}\nevent:\n{event}\noutput:\n{output}\n")
    return path


def assert_one_clear_line(result, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def run(eventum, path: Path, *extra: str):
    return eventum("generate", "--path", str(path), "--id", "t", "--live-mode", "false", *extra)


def test_missing_generator_yml(eventum, tmp_path: Path) -> None:
    result = run(eventum, tmp_path / "missing.yml")
    assert_one_clear_line(result, "missing.yml", "generator config not found")


def test_yaml_syntax_error(eventum, tmp_path: Path) -> None:
    path = tmp_path / "generator.yml"
    path.write_text("input:\n  - static: {count: 1\nevent: {}\n")
    assert_one_clear_line(run(eventum, path), "generator.yml:3:", "YAML syntax error")


def test_unknown_plugin_with_install_hint(eventum, tmp_path: Path) -> None:
    (tmp_path / "s.py").write_text(SCRIPT_OK)
    path = gen(tmp_path, "  script: {path: s.py}", output="  - clickhous: {}")
    assert_one_clear_line(
        run(eventum, path),
        "generator.yml:6",
        "output plugin 'clickhous' is not installed",
        "pip install eventum-output-clickhous",
    )


def test_typo_in_plugin_name_suggests_the_close_one(eventum, tmp_path: Path) -> None:
    (tmp_path / "s.py").write_text(SCRIPT_OK)
    path = gen(tmp_path, "  script: {path: s.py}", output="  - stdot: {}")
    assert_one_clear_line(run(eventum, path), "did you mean 'stdout'?")


def test_unknown_field(eventum, tmp_path: Path) -> None:
    (tmp_path / "s.py").write_text(SCRIPT_OK)
    path = gen(tmp_path, "  script: {path: s.py}", output="  - stdout: {strem: stderr}")
    assert_one_clear_line(
        run(eventum, path), "generator.yml:6", "output[0].stdout.strem: unknown field"
    )


def test_invalid_field_value(eventum, tmp_path: Path) -> None:
    (tmp_path / "s.py").write_text(SCRIPT_OK)
    path = gen(tmp_path, "  script: {path: s.py}", inputs="  - static: {count: 0}")
    assert_one_clear_line(run(eventum, path), "generator.yml:2", "input[0].static.count", "(got 0)")


def test_missing_param(eventum, tmp_path: Path) -> None:
    (tmp_path / "s.py").write_text(SCRIPT_OK)
    path = gen(tmp_path, "  script: {path: s.py}", output="  - file: {path: '${params.out}'}")
    assert_one_clear_line(run(eventum, path), "generator.yml:6", "parameter 'out' is not set")


def test_replay_file_missing(eventum, tmp_path: Path) -> None:
    path = gen(tmp_path, "  replay: {path: recorded.log}")
    assert_one_clear_line(
        run(eventum, path), "generator.yml:4", "event.replay.path", "recorded.log"
    )


def test_timestamps_file_missing(eventum, tmp_path: Path) -> None:
    (tmp_path / "s.py").write_text(SCRIPT_OK)
    path = gen(tmp_path, "  script: {path: s.py}", inputs="  - timestamps: {source: stamps.txt}")
    assert_one_clear_line(run(eventum, path), "generator.yml:2", "stamps.txt")


def test_script_without_produce(eventum, tmp_path: Path) -> None:
    (tmp_path / "s.py").write_text("x = 1\n")
    path = gen(tmp_path, "  script: {path: s.py}")
    assert_one_clear_line(run(eventum, path), "s.py", "produce")


def test_output_path_not_writable(eventum, tmp_path: Path) -> None:
    # Not even root may create files under /proc: a permission error for any user.
    (tmp_path / "s.py").write_text(SCRIPT_OK)
    path = gen(tmp_path, "  script: {path: s.py}", output="  - file: {path: /proc/eventum/out.log}")
    assert_one_clear_line(run(eventum, path), "/proc/eventum/out.log")


def test_output_path_that_is_a_directory(eventum, tmp_path: Path) -> None:
    (tmp_path / "s.py").write_text(SCRIPT_OK)
    (tmp_path / "out").mkdir()
    path = gen(tmp_path, "  script: {path: s.py}", output=f"  - file: {{path: {tmp_path}/out}}")
    assert_one_clear_line(run(eventum, path), "output[0] file", "out")


def test_output_path_under_a_file(eventum, tmp_path: Path) -> None:
    (tmp_path / "s.py").write_text(SCRIPT_OK)
    (tmp_path / "plain").write_text("")
    path = gen(
        tmp_path, "  script: {path: s.py}", output=f"  - file: {{path: {tmp_path}/plain/out.log}}"
    )
    assert_one_clear_line(run(eventum, path), "plain/out.log")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--live-mode", "maybe"], "--live-mode: expected true or false (got 'maybe')"),
        (["--params", "[1]"], "--params: expected a JSON object"),
        (["--params", "{bad"], "--params: not valid JSON"),
        (["--batch.size", "0"], "--batch.size"),
        (["--timezone", "Mars/Olympus"], "unknown timezone 'Mars/Olympus'"),
        (["--max-duration", "soon"], "--max-duration"),
    ],
)
def test_bad_options(eventum, tmp_path: Path, args: list[str], fragment: str) -> None:
    (tmp_path / "s.py").write_text(SCRIPT_OK)
    path = gen(tmp_path, "  script: {path: s.py}")
    result = eventum("generate", "--path", str(path), "--id", "t", *args)
    assert_one_clear_line(result, fragment)


def test_verbose_shows_the_traceback_for_internal_errors_only(eventum, tmp_path: Path) -> None:
    result = run(eventum, tmp_path / "missing.yml", "-v")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
