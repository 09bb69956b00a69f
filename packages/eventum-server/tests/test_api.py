"""Every router against a real `eventum run` process (see conftest.py)."""

from __future__ import annotations

import base64
import io
import time
import zipfile
from pathlib import Path

import httpx
import pytest
import yaml
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from eventum_core.testing.archives import zip_bytes

from .conftest import PASSWORD, USER, Server, wait_until


def test_health_and_docs_are_public_everything_else_needs_auth(server: Server) -> None:
    anonymous = server.client(auth=False)
    assert anonymous.get("/api/healthz").json()["status"] == "ok"
    assert anonymous.get("/api/swagger").status_code == 200
    assert anonymous.get("/api/redoc").status_code == 200
    asyncapi = yaml.safe_load(anonymous.get("/api/asyncapi.yml").text)
    assert {c["address"] for c in asyncapi["channels"].values()} == {
        "/api/instance/logs/main",
        "/api/generators/{id}/logs",
    }
    assert "/api/generators/{id}/logs" in anonymous.get("/api/asyncapi").text
    schema = anonymous.get("/api/openapi.json").json()
    for path, methods in schema["paths"].items():
        if path in ("/api/healthz", "/api/auth/login"):
            continue
        for method in methods:
            url = path.replace("{", "").replace("}", "")
            response = anonymous.request(method, url)
            assert response.status_code == 401, (method, path, response.status_code)
    wrong = httpx.Client(base_url=server.url, auth=(USER, "nope"))
    assert wrong.get("/api/generators/").status_code == 401
    assert anonymous.get("/metrics").status_code == 401


def test_session_login_me_logout(server: Server) -> None:
    client = server.client(auth=False)
    assert client.post("/api/auth/login").status_code == 401
    response = client.post("/api/auth/login", auth=(USER, PASSWORD))
    assert response.json() == {"username": USER}
    assert "httponly" in response.headers["set-cookie"].lower()
    assert client.get("/api/auth/me").json() == {"username": USER}  # cookie only
    assert client.post("/api/auth/logout").status_code == 200
    assert client.get("/api/auth/me").status_code == 401


def test_instance(server: Server) -> None:
    client = server.client()
    info = client.get("/api/instance/info").json()
    assert {"app_version", "python_version", "platform", "host_name"} <= set(info)
    settings = client.get("/api/instance/settings").json()
    assert settings["server"]["auth"]["password"] != PASSWORD
    assert settings["path"]["generators_dir"] == str(server.root / "gens")
    assert client.put("/api/instance/settings", json=settings).json() == {"restart_required": True}
    text = (server.root / "eventum.yml").read_text()
    assert PASSWORD in text  # the hidden password was kept, not overwritten
    bad = {**settings, "log": {"level": "loud"}}
    assert client.put("/api/instance/settings", json=bad).status_code == 422


def test_runtime_generators_stats_stop_start(server: Server) -> None:
    client = server.client()
    ids = {g["id"] for g in client.get("/api/generators/").json()}
    assert ids == {"timer", "script"}
    wait_until(lambda: client.get("/api/generators/script/status").json()["is_running"])
    first = client.get("/api/generators/script/stats").json()["total_written"]
    wait_until(lambda: client.get("/api/generators/script/stats").json()["total_written"] > first)
    running = client.get("/api/generators/group-actions/stats-running").json()
    assert {s["id"] for s in running} >= {"script"}

    stopped = client.post("/api/generators/timer/stop").json()
    assert stopped["is_ended_up_successfully"]
    stats = client.get("/api/generators/timer/stats").json()
    lines = (server.root / "timer.out").read_text().splitlines()
    assert stats["total_written"] == stats["total_generated"] == len(lines) > 0
    assert client.post("/api/generators/timer/start").json()["started"]
    wait_until(lambda: client.get("/api/generators/timer/status").json()["is_running"])

    body = {"path": "timer", "params": {"out": str(server.root / "extra.out")}, "batch.size": 5}
    created = client.post("/api/generators/extra", json=body)
    assert created.status_code == 201
    assert created.json()["batch"] == {"size": 5, "delay": 1.0}
    assert client.post("/api/generators/extra", json=body).status_code == 409
    assert (
        client.put("/api/generators/extra", json={**body, "live_mode": False}).json()["live_mode"]
        is False
    )
    assert client.post("/api/generators/group-actions/bulk-start", json=["extra"]).json() == {
        "started": ["extra"]
    }
    wait_until((server.root / "extra.out").exists)
    assert client.put("/api/generators/extra", json=body).status_code in (200, 409)
    client.post("/api/generators/group-actions/bulk-stop", json=["extra"])
    assert (
        client.post("/api/generators/group-actions/bulk-delete", json=["extra"]).status_code == 200
    )
    assert client.get("/api/generators/extra").status_code == 404
    bad = client.post("/api/generators/bad", json={"path": "timer", "batch": {"size": 0}})
    assert bad.status_code == 422


def test_generator_logs_over_websocket(server: Server) -> None:
    url = server.url.replace("http", "ws") + "/api/generators/script/logs"
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    with connect(url, additional_headers={"Authorization": f"Basic {token}"}) as ws:
        line = ws.recv(timeout=10)
        assert "generator started" in str(line)
    with pytest.raises((InvalidStatus, ConnectionClosed)), connect(url) as ws:
        ws.recv(timeout=5)


def test_generator_configs_and_files(server: Server) -> None:
    client = server.client()
    base = "/api/generator-configs"
    assert client.get(f"{base}/").json() == ["script", "timer"]
    assert "input" in client.get(f"{base}/timer").json()
    assert client.get(f"{base}/timer/path").json()["path"].endswith("timer/generator.yml")
    config = {
        "input": [{"static": {"count": 1}}],
        "event": {"script": {"path": "p.py"}},
        "output": [{"stdout": {}}],
    }
    assert client.post(f"{base}/new", json=config).status_code == 201
    assert client.post(f"{base}/new", json=config).status_code == 409
    assert client.put(f"{base}/new", json=config).status_code == 200
    assert client.post(f"{base}/new/file/sub/a.txt", content=b"hello").status_code == 201
    assert client.get(f"{base}/new/file/sub/a.txt").content == b"hello"
    assert client.put(f"{base}/new/file/sub/a.txt", content=b"bye").status_code == 200
    assert client.post(f"{base}/new/file-makedir/empty").status_code == 201
    move = {"source": "sub/a.txt", "destination": "b.txt"}
    assert client.post(f"{base}/new/file-move", json=move).status_code == 200
    copy = {"source": "b.txt", "destination": "empty/c.txt"}
    assert client.post(f"{base}/new/file-copy", json=copy).status_code == 200
    tree = client.get(f"{base}/new/file-tree").json()
    names = {node["path"] for node in tree}
    assert {"b.txt", "empty", "generator.yml", "sub"} <= names
    assert client.delete(f"{base}/new/file/b.txt").status_code == 200
    assert client.get(f"{base}/new/file/b.txt").status_code == 404
    assert client.delete(f"{base}/new").status_code == 200
    assert client.get(f"{base}/new").status_code == 404


def test_path_traversal_is_refused(server: Server) -> None:
    client = server.client()
    base = "/api/generator-configs"
    outside = server.root / "secret.txt"
    outside.write_text("top secret")
    (server.root / "gens" / "timer" / "link").symlink_to(outside)
    attempts = [
        client.get(f"{base}/timer/file/..%2F..%2Fsecret.txt"),
        client.get(f"{base}/timer/file/sub/..%2F..%2F..%2Fsecret.txt"),
        client.get(f"{base}/timer/file/%2Fetc%2Fpasswd"),
        client.get(f"{base}/timer/file/link"),
        client.post(f"{base}/timer/file/..%2Fescape.txt", content=b"x"),
        client.post(f"{base}/timer/file-copy", json={"source": "link", "destination": "x"}),
        client.post(
            f"{base}/timer/file-move", json={"source": "line.jinja", "destination": "../x"}
        ),
        client.post(f"{base}/timer/file-makedir/..%2F..%2Fmade"),
        client.get(f"{base}/..%2F..%2Fetc/file-tree"),
        client.delete(f"{base}/timer/file/..%2Fscript"),
    ]
    for response in attempts:
        assert response.status_code in (400, 404), (response.request.url, response.status_code)
        assert b"top secret" not in response.content
    assert not (server.root / "gens" / "escape.txt").exists()
    assert (server.root / "gens" / "script").exists()
    assert not any(node["name"] == "link" for node in client.get(f"{base}/timer/file-tree").json())


def test_request_bodies_are_size_limited(server: Server) -> None:
    client = server.client()
    big = b"x" * 100_000
    response = client.post("/api/generator-configs/timer/file/big.bin", content=big)
    assert response.status_code == 413
    assert not (server.root / "gens" / "timer" / "big.bin").exists()


def test_preview(server: Server) -> None:
    client = server.client()
    params = {"out": str(server.root / "preview.out")}
    chart = client.post("/api/preview/timer/input-plugins/generate?size=100", json=params).json()
    assert chart["total"] == 100
    assert sum(chart["span_counts"]) == 100
    assert len(chart["span_edges"]) == len(chart["span_counts"]) + 1
    assert client.post("/api/preview/timer/event-plugin", json=params).json() == {
        "plugin": "template"
    }
    produced = client.post("/api/preview/timer/event-plugin/produce", json={"size": 3}).json()
    assert [e.split()[-1] for e in produced["events"]] == ["1", "2", "3"]
    state = "/api/preview/timer/event-plugin/template/state"
    assert client.get(f"{state}/shared").json() == {"n": 3}
    assert client.patch(f"{state}/shared", json={"n": 10, "k": 1}).json() == {"n": 10, "k": 1}
    assert client.delete(f"{state}/shared/k").status_code == 200
    produced = client.post("/api/preview/timer/event-plugin/produce", json={"size": 1}).json()
    assert produced["events"][0].endswith(" 11")
    assert client.get(f"{state}/local/line").json() == {}
    assert client.get(f"{state}/local/nope").status_code == 404
    assert isinstance(client.get(f"{state}/global").json(), dict)
    assert client.delete(f"{state}/shared").status_code == 200
    assert client.delete("/api/preview/timer/event-plugin").json() == {"released": True}
    formatted = client.post(
        "/api/preview/timer/formatter/format", json={"format": "json", "events": ['{"a": 1}']}
    ).json()
    assert formatted["events"] == 1
    normalized = client.post(
        "/api/preview/timer/versatile-datetime/normalize",
        json={"value": "2024-01-01T10:00:00", "timezone": "Europe/Paris"},
    ).json()
    assert normalized["value"] == "2024-01-01T10:00:00+01:00"


def test_startup_crud(server: Server) -> None:
    client = server.client()
    assert [e["id"] for e in client.get("/api/startup/").json()] == ["timer", "script"]
    entry = {"path": "timer", "autostart": False, "params": {"out": "/tmp/x"}}
    assert client.post("/api/startup/third", json=entry).status_code == 201
    assert client.post("/api/startup/third", json=entry).status_code == 409
    assert client.get("/api/startup/third").json()["autostart"] is False
    assert client.put("/api/startup/third", json={**entry, "live_mode": False}).status_code == 200
    assert client.put("/api/startup/third", json={"path": "timer", "queue": 1}).status_code == 422
    assert client.post("/api/startup/group-actions/bulk-delete", json=["third"]).json() == {
        "deleted": ["third"]
    }
    assert client.get("/api/startup/third").status_code == 404
    assert client.delete("/api/startup/third").status_code == 404
    assert "third" not in (server.root / "startup.yml").read_text()


def test_secrets(server: Server) -> None:
    client = server.client()
    assert client.get("/api/secrets/").json() == ["suffix"]
    assert client.put("/api/secrets/token", json={"value": "v-12345"}).status_code == 200
    assert client.get("/api/secrets/token").json() == {"value": "v-12345"}
    assert client.get("/api/secrets/").json() == ["suffix", "token"]
    assert client.delete("/api/secrets/token").status_code == 200
    assert client.get("/api/secrets/token").status_code == 404
    assert client.put("/api/secrets/Mixed", json={"value": "v-2"}).status_code == 200
    assert client.get("/api/secrets/Mixed").json() == {"value": "v-2"}
    assert client.get("/api/secrets/mixed").status_code == 400  # stored lower-cased: 400, not 503
    assert client.delete("/api/secrets/Mixed").status_code == 200
    for blank in ("%20", "%C2%85"):  # U+0085 is a space to Python: a blank name, 400 not 503
        assert client.get(f"/api/secrets/{blank}").status_code == 400
        assert client.put(f"/api/secrets/{blank}", json={"value": "v"}).status_code == 400
    assert (server.root / "script.out.copy").exists()  # ${secrets.suffix} resolved at start
    for log in (server.root / "logs").iterdir():
        assert "v-12345" not in log.read_text()


def test_metrics(server: Server) -> None:
    text = server.client().get("/metrics").text
    assert "# TYPE eventum_output_written_total counter" in text
    assert 'eventum_output_written_total{generator="script",plugin="file",index="0"}' in text
    assert "eventum_generator_events_per_second" in text
    assert "eventum_output_lateness_seconds" in text


def test_openapi_schema_is_valid(server: Server) -> None:
    import schemathesis

    schema = schemathesis.openapi.from_dict(server.client().get("/api/openapi.json").json())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40


def test_problems_are_located_for_studio(server: Server) -> None:
    client = server.client()
    base = "/api/generator-configs"
    config = {
        "input": [{"static": {"count": 2}}],
        "event": {"template": {"mode": "all", "templates": [{"t": {"template": "t.jinja"}}]}},
        "output": [{"stdout": {}}],
    }
    assert client.post(f"{base}/located", json=config).status_code == 201
    client.post(f"{base}/located/file/t.jinja", content=b"ok\n{% if %}\n")
    result = client.post(f"{base}/located/validate").json()
    assert result["ok"] is False
    [error] = result["errors"]
    assert (error["file"], error["line"]) == ("t.jinja", 2)
    # the same place when the preview opens the event plugin (422 with `errors`)
    opened = client.post("/api/preview/located/event-plugin")
    assert opened.status_code == 422
    assert [(e["file"], e["line"]) for e in opened.json()["errors"]] == [("t.jinja", 2)]

    client.put(f"{base}/located/file/t.jinja", content=b"{{ timestamp }}\n{{ 1 // 0 }}\n")
    assert client.post(f"{base}/located/validate").json() == {"ok": True, "errors": []}
    produced = client.post("/api/preview/located/event-plugin/produce", json={"size": 2}).json()
    assert produced["failed"] == 2
    [error] = produced["errors"]
    assert (error["file"], error["line"], error["failed_events"]) == ("t.jinja", 2, 2)
    assert "ZeroDivisionError" in error["error"]
    assert produced["state"]["before"] == {"locals": {"t": {}}, "shared": {}, "globals": {}}
    client.delete("/api/preview/located/event-plugin")

    bad = (server.root / "gens" / "located" / "generator.yml").read_text()
    client.put(f"{base}/located/file/generator.yml", content=bad.replace("count: 2", "count: 0"))
    [error] = client.post(f"{base}/located/validate").json()["errors"]
    assert error["file"] == "generator.yml"
    assert error["line"] == 3
    assert error["message"].startswith("input[0].static.count:")
    assert client.delete(f"{base}/located").status_code == 200


def test_export_a_generator_and_import_it_under_another_name(server: Server) -> None:
    client = server.client()
    base = "/api/generator-configs"
    (server.root / "gens" / "timer" / "outside").symlink_to(server.root / "startup.yml")
    try:
        response = client.get(f"{base}/timer/export")
    finally:
        (server.root / "gens" / "timer" / "outside").unlink()
    assert response.headers["content-type"] == "application/zip"
    assert "timer.zip" in response.headers["content-disposition"]
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert {"timer/generator.yml", "timer/line.jinja"} <= set(names)
    assert not any(name.endswith("outside") for name in names)  # links are never followed

    assert client.post(f"{base}/timer-copy/import", content=response.content).status_code == 201
    assert client.get(f"{base}/timer-copy").json() == client.get(f"{base}/timer").json()
    checked = client.post(f"{base}/timer-copy/validate", json={"out": str(server.root / "o")})
    assert checked.json()["ok"], checked.json()
    again = client.post(f"{base}/timer-copy/import", content=response.content)
    assert again.status_code == 409
    client.delete(f"{base}/timer-copy")

    flat = zip_bytes({"generator.yml": b"input: []\n", "templates/a.jinja": b"x"})
    assert client.post(f"{base}/flat/import", content=flat).status_code == 201
    assert client.get(f"{base}/flat/file/templates/a.jinja").content == b"x"
    client.delete(f"{base}/flat")


@pytest.mark.parametrize(
    ("archive", "reason"),
    [
        (b"not a zip", "not a ZIP archive"),
        (zip_bytes({"generator.yml": b"", "../evil.txt": b"x"}), "outside the generator folder"),
        (zip_bytes({"g/generator.yml": b"", "/etc/evil": b"x"}), "outside the generator folder"),
        (zip_bytes({"generator.yml": b""}, links=("passwd",)), "symbolic link"),
        (zip_bytes({"readme.txt": b"no config"}), "no generator.yml"),
    ],
)
def test_an_archive_that_is_not_a_generator_is_refused(
    server: Server, archive: bytes, reason: str
) -> None:
    client = server.client()
    response = client.post("/api/generator-configs/bad/import", content=archive)
    assert response.status_code == 400 and reason in response.json()["detail"]
    gens = server.root / "gens"
    assert not (gens / "bad").exists() and not (server.root / "evil.txt").exists()
    assert not [p for p in gens.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_rename_a_generator_folder(server: Server) -> None:
    client = server.client()
    base = "/api/generator-configs"
    config = {"input": [{"static": {"count": 1}}], "event": {"script": {"path": "p.py"}}}
    assert client.post(f"{base}/draft", json=config).status_code == 201
    assert client.post(f"{base}/draft/rename", json={"new_name": "final"}).json() == {
        "name": "final"
    }
    assert client.get(f"{base}/draft").status_code == 404
    assert client.get(f"{base}/final").json()["event"] == config["event"]
    taken = client.post(f"{base}/final/rename", json={"new_name": "script"})
    assert taken.status_code == 409
    in_use = client.post(f"{base}/timer/rename", json={"new_name": "clock"})
    assert in_use.status_code == 409 and "remove them first" in in_use.json()["detail"]
    assert (server.root / "gens" / "timer" / "generator.yml").is_file()
    client.delete(f"{base}/final")


def test_zz_sigterm_flushes_everything(server: Server) -> None:
    client = server.client()
    deadline = time.monotonic() + 30
    while True:  # an earlier test may have just restarted it
        stats = {g["id"]: g for g in client.get("/api/generators/").json()}
        if stats["script"]["status"] != "starting" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert stats["script"]["status"] == "running"
    server.process.terminate()
    assert server.process.wait(60) == 0
    log = (server.root / "logs" / "generator_script.log").read_text()
    ended = [line for line in log.splitlines() if "generator ended" in line][-1]
    written = int(ended.split("written=")[1].split()[0])
    assert written == 2 * len((server.root / "script.out").read_text().splitlines())
    assert (
        Path(server.root / "script.out.copy").read_text()
        == (server.root / "script.out").read_text()
    )
