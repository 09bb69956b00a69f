"""Developer sessions. `nox -l` lists them; each installs exactly what it needs with uv.

The README's test command (`uv run --group test pytest`) runs everything in the shared workspace
venv; the `tests-<package>` sessions install one package alone, which exposes dependencies a
package uses without declaring.
"""

from __future__ import annotations

import shutil
import tempfile
import tomllib
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv"
nox.options.sessions = ["lint", "typecheck", "e2e", "wheels"]

ROOT = Path(__file__).parent
PACKAGES = sorted(p.name for p in (ROOT / "packages").iterdir() if (p / "pyproject.toml").exists())
TEST_TOOLS = ["pytest>=8.2", "pytest-timeout>=2.3", "httpx>=0.27"]


def _test_group(package: str) -> list[str]:
    """The package's `test` dependency group; workspace members become editable local paths."""
    data = tomllib.loads((ROOT / "packages" / package / "pyproject.toml").read_text())
    group = data.get("dependency-groups", {}).get("test", [])
    return [f"-epackages/{r}" if (ROOT / "packages" / r).is_dir() else r for r in group]


def _package_session(package: str) -> None:
    @nox.session(name=f"tests-{package}")
    def tests(session: nox.Session) -> None:
        core = ["-epackages/eventum-core"] if package != "eventum-core" else []
        session.install(*core, f"-epackages/{package}", *_test_group(package), *TEST_TOOLS)
        tests_dir = ROOT / "packages" / package / "tests"
        if tests_dir.exists():
            session.run("pytest", str(tests_dir), *session.posargs)


for _package in PACKAGES:
    if _package != "eventum-standard":
        _package_session(_package)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.6")
    session.run("ruff", "check", "packages", "tests", "benchmarks", "noxfile.py")
    session.run("ruff", "format", "--check", "packages", "tests", "benchmarks", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    session.run_install(
        "uv",
        "sync",
        "--group",
        "lint",
        "--group",
        "test",
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location},
        external=True,
    )
    for source in sorted(Path("packages").glob("*/src")):  # one run each: distinct import roots
        session.run("mypy", str(source))


@nox.session
def e2e(session: nox.Session) -> None:
    session.run_install(
        "uv",
        "sync",
        "--group",
        "test",
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location},
        external=True,
    )
    session.run("pytest", "tests", *session.posargs)


@nox.session
def fuzz(session: nox.Session) -> None:
    """Fuzz config loading with atheris, bounded (`nox -s fuzz -- -max_total_time=600`)."""
    session.run_install(
        "uv",
        "sync",
        "--group",
        "test",
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location},
        external=True,
    )
    session.install("atheris>=2.3")
    corpus = Path(tempfile.mkdtemp(prefix="eventum-fuzz-corpus-"))
    for example in (ROOT / "tests" / "bad_input").glob("*/generator.yml"):
        shutil.copy(example, corpus / example.parent.name)
    shutil.copy(ROOT / "examples" / "quickstart" / "generator.yml", corpus / "quickstart")
    args = session.posargs or ["-max_total_time=60"]
    # Crashes and slow inputs land beside the corpus, not in the repository.
    session.run(
        "python",
        "-m",
        "tests.fuzz.config_target",
        f"-artifact_prefix={corpus}/",
        *args,
        str(corpus),
    )


@nox.session
def wheels(session: nox.Session) -> None:
    """Every package as a wheel, installed into a clean venv, must find its plugins and run."""
    out = Path(tempfile.mkdtemp(prefix="eventum-wheels-"))
    try:
        session.run("uv", "build", "--all-packages", "--wheel", "-o", str(out), external=True)
        session.install("--find-links", str(out), "eventum-standard")
        session.run("eventum", "plugins", "--check")
        session.run(
            "eventum",
            "generate",
            "--path",
            "examples/quickstart/generator.yml",
            "--id",
            "wheels",
            "--live-mode",
            "false",
            "--max-events",
            "5",
        )
    finally:
        shutil.rmtree(out, ignore_errors=True)
