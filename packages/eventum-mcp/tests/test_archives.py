"""export_generator and import_generator (Eventum 2.8) over stdio: real ZIP archives, inline."""

from __future__ import annotations

import base64
import io
import os
import zipfile
from pathlib import Path
from typing import Any

from eventum_core.testing.archives import zip_bytes


def _zip(entries: dict[str, bytes], links: tuple[str, ...] = ()) -> str:
    return base64.b64encode(zip_bytes(entries, links)).decode("ascii")


def _names(content_base64: str) -> set[str]:
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(content_base64))) as archive:
        return set(archive.namelist())


def test_a_generator_exported_and_imported_back(serve, generators: Path) -> None:
    web = generators / "web"
    (web / "output").mkdir()
    (web / "output" / "events.log").write_text("written by a run\n")

    async def scenario(client: Any) -> None:
        whole = await client.call("export_generator", name="web")
        assert whole["filename"] == "web.zip"
        assert _names(whole["content_base64"]) == {
            "web/generator.yml",
            "web/templates/line.jinja",
            "web/output/events.log",
        }
        assert whole["size_in_bytes"] == len(base64.b64decode(whole["content_base64"]))

        lean = await client.call("export_generator", name="web", exclude=["output"])
        assert _names(lean["content_base64"]) == {"web/generator.yml", "web/templates/line.jinja"}
        imported = await client.call(
            "import_generator", name="copy", content_base64=lean["content_base64"]
        )
        assert imported == {"imported": "copy", "files": 2}
        assert "copy" in await client.call("list_generators")
        assert (await client.call("preview_events", name="copy", count=1))["events"]

        # An archive made elsewhere with the config at its top imports the same way.
        flat = _zip({"generator.yml": b"input: []\n", "samples/a.csv": b"x\n1\n"})
        assert (await client.call("import_generator", name="flat", content_base64=flat))[
            "files"
        ] == 2

    serve(scenario)
    assert (generators / "copy" / "templates" / "line.jinja").read_text() == (
        web / "templates" / "line.jinja"
    ).read_text()
    assert (generators / "flat" / "samples" / "a.csv").read_text() == "x\n1\n"
    assert sorted(p.name for p in generators.iterdir()) == ["copy", "flat", "web"]  # no staging


def test_what_export_and_import_refuse(serve, generators: Path) -> None:
    web = generators / "web"
    (web / "samples").mkdir()
    (web / "samples" / "noise.json").write_bytes(os.urandom(200 * 1024))  # does not compress
    before = sorted(p.name for p in generators.iterdir())
    config = (web / "generator.yml").read_text().encode()

    async def scenario(client: Any) -> None:
        assert "REST API" in await client.fails("export_generator", name="web")
        assert "cannot be left out" in await client.fails(
            "export_generator", name="web", exclude=["generator.yml", "samples"]
        )
        assert "top-level entry" in await client.fails(
            "export_generator", name="web", exclude=["samples/noise.json"]
        )
        assert "not found" in await client.fails("export_generator", name="absent")
        assert "invalid generator name" in await client.fails("export_generator", name="../web")
        small = (await client.call("export_generator", name="web", exclude=["samples"]))[
            "content_base64"
        ]

        refusals = {
            "exists": await client.fails("import_generator", name="web", content_base64=small),
            "name": await client.fails("import_generator", name="a/b", content_base64=small),
            "base64": await client.fails(
                "import_generator", name="new", content_base64="not base64 !!"
            ),
            "zip": await client.fails(
                "import_generator",
                name="new",
                content_base64=base64.b64encode(b"not an archive").decode(),
            ),
            "config": await client.fails(
                "import_generator", name="new", content_base64=_zip({"a.jinja": b"hi"})
            ),
            "outside": await client.fails(
                "import_generator",
                name="new",
                content_base64=_zip({"generator.yml": config, "../evil.yml": b"x"}),
            ),
            "link": await client.fails(
                "import_generator",
                name="new",
                content_base64=_zip({"generator.yml": config}, links=("leak.yml",)),
            ),
            "size": await client.fails(
                "import_generator",
                name="new",
                content_base64=base64.b64encode(os.urandom(129 * 1024)).decode(),
            ),
        }
        assert "already exists" in refusals["exists"]
        assert "invalid generator name" in refusals["name"]
        assert "not valid base64" in refusals["base64"]
        assert "not a ZIP archive" in refusals["zip"]
        assert "no generator.yml" in refusals["config"]
        assert "outside the generator folder" in refusals["outside"]
        assert "symbolic link" in refusals["link"]
        assert "REST API" in refusals["size"]
        assert str(generators) not in " ".join(refusals.values())

    serve(scenario)
    assert sorted(p.name for p in generators.iterdir()) == before


def test_read_only_exports_but_never_imports(serve, generators: Path) -> None:
    async def scenario(client: Any) -> None:
        archive = (await client.call("export_generator", name="web"))["content_base64"]
        assert "read-only" in await client.fails(
            "import_generator", name="copy", content_base64=archive
        )

    serve(scenario, "--read-only")
    assert not (generators / "copy").exists()
