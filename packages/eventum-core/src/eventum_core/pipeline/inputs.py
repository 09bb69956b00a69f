"""The input stage: timestamps from the inputs, merged and released as timestamp batches.

Scheduled inputs merge chronologically into one stream rechunked to `batch.size` (a segment
keeps its own batches of it); in live mode each timestamp is released when it is due, with
whatever else is due at that moment, and none stamped after the run's deadline
(`max_duration`). Interactive inputs are separate streams, released as they arrive. Pulling from
an input runs in a worker thread, one batch per call.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator, Sequence

import anyio
import numpy as np
from anyio.streams.memory import MemoryObjectSendStream

from eventum_core.batch import TimestampBatch
from eventum_core.config.generator import GeneratorPlan
from eventum_core.pipeline.control import RunControl
from eventum_core.pipeline.counters import InputCounters
from eventum_core.pipeline.merge import Chunk, merge_inputs, tagged
from eventum_core.protocols import InputPlugin


class InputStage:
    def __init__(
        self,
        plan: GeneratorPlan,
        plugins: Sequence[InputPlugin],
        control: RunControl,
        counters: Sequence[InputCounters],
        deadline: float,
    ) -> None:
        self.plan, self.plugins, self.control, self.counters = plan, plugins, control, counters
        self._deadline_us = deadline * 1e6  # wall-clock microseconds, as timestamps are
        self._tags = plan.input_tags

    async def run(self, send: MemoryObjectSendStream[TimestampBatch]) -> None:
        plan = self.plan
        p = plan.parameters
        pairs = list(zip(plan.inputs, self.plugins, strict=True))
        scheduled = [(s.index, i) for s, i in pairs if not s.traits["interactive"]]
        interactive = [(s.index, i) for s, i in pairs if s.traits["interactive"]]
        size = p.batch.size or 10_000
        async with send, anyio.create_task_group() as tg:
            if scheduled:
                merged = merge_inputs([(i, plugin.generate(size)) for i, plugin in scheduled], size)
                stream: Iterator[tuple[int | None, Chunk]] = enumerate(merged)  # `batch_index()`
                segment = p.segment
                if segment is not None:  # this process's batches of the run; the rest are skipped
                    stream = itertools.islice(stream, segment.index, None, segment.count)
                tg.start_soon(self._feed, stream, send.clone(), p.live_mode)
            for index, plugin in interactive:
                # On-demand timestamps are due now: no merging, no waiting for a full batch.
                unnumbered = ((None, chunk) for chunk in tagged(index, plugin.generate(size)))
                tg.start_soon(self._feed, unnumbered, send.clone(), False)

    async def _feed(
        self,
        stream: Iterator[tuple[int | None, Chunk]],
        send: MemoryObjectSendStream[TimestampBatch],
        live: bool,
    ) -> None:
        """Pass on numbered chunks (the batch's place in the run, None on demand), when due in
        live mode."""
        async with send:
            while not self.control.stopping:
                try:
                    chunk = await anyio.to_thread.run_sync(
                        next, stream, None, abandon_on_cancel=True
                    )
                except Exception as error:
                    self.control.fail(f"input failed: {type(error).__name__}: {error}")
                    return
                if chunk is None:
                    return
                number, (ts, src) = chunk
                try:
                    if not live:
                        await self._emit(ts, src, send, number)
                    elif not await self._release_when_due(ts, src, send, number):
                        return  # past the deadline: this input is done
                except anyio.BrokenResourceError:
                    return

    async def _release_when_due(
        self,
        ts: np.ndarray,
        src: np.ndarray,
        send: MemoryObjectSendStream[TimestampBatch],
        number: int | None,
    ) -> bool:
        """Release each timestamp as soon as it is due, grouping whatever is due at once; False
        when the deadline cut the chunk."""
        cap = self.plan.parameters.batch.size or len(ts)
        micros = ts.astype(np.int64)
        start, end = 0, int(np.searchsorted(micros, self._deadline_us, side="right"))
        while start < end and not self.control.stopping:
            now = time.time_ns() // 1000
            due = int(np.searchsorted(micros, now, side="right"))
            if due > start:
                stop = min(due, start + cap)
                await self._emit(ts[start:stop], src[start:stop], send, number)
                start = stop
                continue
            with anyio.move_on_after((micros[start] - now) / 1e6):
                await self.control.stopped.wait()
        return end == len(micros)

    async def _emit(
        self,
        ts: np.ndarray,
        src: np.ndarray,
        send: MemoryObjectSendStream[TimestampBatch],
        number: int | None,
    ) -> None:
        counts = np.bincount(src, minlength=len(self.counters))
        for counter, n in zip(self.counters, counts.tolist(), strict=False):
            counter.generated += n
        await send.send(TimestampBatch(ts, src, self._tags, self.plan.parameters.zone, number))
