"""Beyond Eventum: `GET /api/healthz` (no auth) and `/metrics` in Prometheus text format."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse

from eventum_core.app.application import Application
from eventum_server.routers.common import application

public = APIRouter()
router = APIRouter()

App = Annotated[Application, Depends(application)]


@public.get("/healthz")
def healthz(app: App) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for generator in app.generators():
        counts[generator.status.value] = counts.get(generator.status.value, 0) + 1
    return {"status": "ok", "generators": counts}


def _escape(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class _Metrics:
    def __init__(self) -> None:
        self.families: dict[str, tuple[str, str, list[str]]] = {}

    def add(
        self, name: str, kind: str, help_text: str, labels: dict[str, Any], value: float
    ) -> None:
        family = self.families.setdefault(name, (kind, help_text, []))
        text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
        family[2].append(f"{name}{{{text}}} {value}")

    def render(self) -> str:
        out: list[str] = []
        for name, (kind, help_text, samples) in self.families.items():
            out += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", *samples]
        return "\n".join(out) + "\n"


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(app: App) -> PlainTextResponse:
    m = _Metrics()
    for generator in app.generators():
        gid = {"generator": generator.id}
        m.add(
            "eventum_generator_running",
            "gauge",
            "1 while the generator runs.",
            gid,
            1 if generator.status.value == "running" else 0,
        )
        stats = generator.stats()
        if stats is None:
            continue
        for index, item in enumerate(stats["input"]):
            labels = {**gid, "plugin": item["name"], "index": index}
            m.add(
                "eventum_input_generated_total",
                "counter",
                "Timestamps generated.",
                labels,
                item["generated"],
            )
        event = stats["event"]
        labels = {**gid, "plugin": event["name"]}
        for key in ("produced", "produce_failed", "dropped"):
            m.add(
                f"eventum_event_{key}_total",
                "counter",
                f"Events {key.replace('_', ' ')}.",
                labels,
                event[key],
            )
        for index, item in enumerate(stats["output"]):
            labels = {**gid, "plugin": item["name"], "index": index}
            for key in ("written", "write_failed", "format_failed"):
                m.add(
                    f"eventum_output_{key}_total",
                    "counter",
                    f"Events {key.replace('_', ' ')}.",
                    labels,
                    item[key],
                )
            lateness = item["lateness"]
            for quantile, key in (("0.5", "p50_ms"), ("0.99", "p99_ms")):
                m.add(
                    "eventum_output_lateness_seconds",
                    "gauge",
                    "How late events were written, behind their timestamps.",
                    {**labels, "quantile": quantile},
                    lateness[key] / 1000,
                )
        m.add(
            "eventum_generator_events_per_second",
            "gauge",
            "Events produced per second.",
            gid,
            stats["output_eps"],
        )
        m.add(
            "eventum_generator_uptime_seconds",
            "gauge",
            "Seconds since start.",
            gid,
            stats["uptime"],
        )
    return PlainTextResponse(m.render(), media_type="text/plain; version=0.0.4")
