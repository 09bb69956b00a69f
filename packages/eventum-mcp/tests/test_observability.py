"""A failing tool is logged, as Eventum 2.8 logs it: the tool, the transport and the reason."""

from __future__ import annotations

from typing import Any


def test_a_failing_tool_is_logged_with_its_reason(serve) -> None:
    async def scenario(client: Any) -> None:
        await client.fails("read_generator_file", name="web", relative_path="none.yml")
        logged = [line for line in client.stderr.read_text().splitlines() if "tool failed" in line]
        assert len(logged) == 1, logged
        assert "tool=read_generator_file" in logged[0]
        assert "transport=stdio" in logged[0]
        assert "file 'none.yml' not found in generator 'web'" in logged[0]
        await client.call("list_generators")  # a success is not logged
        assert client.stderr.read_text().count("tool failed") == 1

    serve(scenario)
