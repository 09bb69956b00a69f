"""Ground truth out of band: `labels.jsonl` (one line per injected event) and `manifest.json`.

Every generator and segment of a run appends to the same `labels.jsonl` under an advisory lock,
one `write` per chunk of events its event stage kept (whichever event worker made it). The
manifest names the run (world seed and anchor): the first producer of a run with another seed
or anchor starts both files afresh, the others of the same run leave them. A run repeated with
the same seed and start finds its labels there and does not write them twice. A cluster run's
driver gathers what its segments left elsewhere (`read_run`, `GroundTruth.gather`) and leaves
the file in time order.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

LABELS = "labels.jsonl"
MANIFEST = "manifest.json"


class GroundTruth:
    """The ground truth of one run (`run` names it in the manifest), begun on first use."""

    def __init__(self, directory: Path, run: dict[str, Any], manifest: dict[str, Any]) -> None:
        self.directory = directory
        self.labels = directory / LABELS
        self.manifest = directory / MANIFEST
        self._run, self._contents = run, manifest
        self._begun = False
        self._written: set[str] = set()

    def begin(self) -> None:
        """Start the files for this run unless another producer of it already has (once); the
        labels already there (this run's or a repeated run's) are not written again."""
        if self._begun:
            return
        self._begun = True
        run = self._run
        with _locked(self.directory):
            try:
                current = json.loads(self.manifest.read_text(encoding="utf-8")).get("run")
            except (OSError, ValueError, AttributeError):
                current = None
            if current == run:
                self._written = {r["event_id"] for r in read_labels(self.directory)}
                return
            self.labels.write_text("", encoding="utf-8")
            temporary = self.manifest.with_suffix(".tmp")
            temporary.write_text(
                json.dumps({"run": run, **self._contents}, indent=2, default=str) + "\n",
                encoding="utf-8",
            )
            os.replace(temporary, self.manifest)

    def write(self, records: list[dict[str, Any]]) -> None:
        records = [r for r in records if r["event_id"] not in self._written]
        if not records:
            return
        text = _lines(records)
        with _locked(self.directory), self.labels.open("a", encoding="utf-8") as file:
            file.write(text)

    def gather(self, records: Iterable[dict[str, Any]]) -> None:
        """Add labels another copy of the folder got (a cluster run's segments), each once, and
        leave the file in time order (then by event id): the same file however the run was
        split and wherever its parts ran."""
        self.begin()
        with _locked(self.directory):
            kept = {r["event_id"]: r for r in read_labels(self.directory)}
            for record in records:
                kept.setdefault(record["event_id"], record)
            ordered = sorted(
                kept.values(), key=lambda r: (datetime.fromisoformat(r["time"]), r["event_id"])
            )
            temporary = self.labels.with_suffix(".tmp")
            temporary.write_text(_lines(ordered), encoding="utf-8")
            os.replace(temporary, self.labels)


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _lines(records: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, separators=(",", ":"), default=str) + "\n" for r in records)


def read_run(directory: Path, run: dict[str, Any]) -> dict[str, Any] | None:
    """The manifest and labels in `directory` when they are `run`'s, else None (a copy that
    still holds an earlier run), read under the lock so the two agree."""
    if not (directory / MANIFEST).exists():  # nothing begun here: no folder made either
        return None
    with _locked(directory):
        try:
            manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(manifest, dict) or manifest.get("run") != run:
            return None
        return {"manifest": manifest, "labels": read_labels(directory)}


def read_labels(directory: Path) -> list[dict[str, Any]]:
    """The labels in `directory`, in file order (gathering, tests and tools)."""
    try:
        text = (directory / LABELS).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line]
