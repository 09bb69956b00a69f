"""Cron ticks computed a local day at a time with numpy, exactly as croniter yields them.

croniter steps one tick per call (~50k ticks/s), too slow for second-level schedules. A cron
expression is a set of matching days times a fixed set of times of day (hour x minute x second),
so croniter is asked only for the next matching day; the day's ticks are its UTC midnight plus
the time-of-day offsets. Days holding a UTC-offset change (DST) are left to croniter, whose
handling of skipped and repeated wall times is the reference.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import numpy as np
import numpy.typing as npt
from croniter import CroniterBadDateError, croniter, croniter_range

from eventum_core import epoch_micros

_US = 1_000_000
_DAY_US = 86_400 * _US
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_ONE_DAY = timedelta(days=1)
_LAST_DAY = date(9999, 12, 30)  # Eventum's `never`, less a day so day maths cannot overflow
_HOUR_US = 3600 * _US
# How far around an offset change croniter decides, so shifted wall times are not missed.
_DST_MARGIN_US = _HOUR_US

Micros = npt.NDArray[np.int64]


def _values(field: list[int | str], size: int) -> Micros:
    if field == ["*"]:
        return np.arange(size, dtype=np.int64)
    return np.array(sorted({int(v) for v in field}), dtype=np.int64)


class CronSchedule:
    """The ticks of one cron expression in one timezone."""

    def __init__(self, expression: str, tz: tzinfo) -> None:
        self._expression = expression
        self._tz = tz
        fields = croniter(expression).expanded
        minutes, hours = _values(fields[0], 60), _values(fields[1], 24)
        seconds = _values(fields[5], 60) if len(fields) > 5 else np.zeros(1, np.int64)
        # Ascending and distinct as laid out (each field is, and a minute outweighs 59 s):
        # np.unique would sort 86,400 offsets of `* * * * * *` again, a tenth of a start.
        of_day = hours[:, None, None] * 3600 + minutes[None, :, None] * 60 + seconds
        self._offsets: Micros = of_day.ravel() * _US

    def ticks(self, start: datetime, end: datetime | None) -> Iterator[Micros]:
        """Ascending UTC microseconds of the ticks in [start, end] (no end: endless), by day."""
        low = epoch_micros(start)
        high = None if end is None else epoch_micros(end)
        last = _LAST_DAY if end is None else end.astimezone(self._tz).date()
        for day in self._matching_days(start.astimezone(self._tz).date(), last):
            ticks = self._day_ticks(day)
            ticks = ticks[np.searchsorted(ticks, low) :]
            if high is not None:
                ticks = ticks[: np.searchsorted(ticks, high, side="right")]
            if len(ticks):
                yield ticks

    def _matching_days(self, first: date, last: date) -> Iterator[date]:
        """The days from `first` to `last` that the day fields match, asked of croniter in UTC
        (no DST, so only the calendar decides)."""
        day = first
        finder = croniter(self._expression, datetime.combine(day, time(), UTC) - _ONE_US)
        while True:
            try:
                day = finder.get_next(datetime).date()
            except CroniterBadDateError:  # a year field with no later match
                return
            if day > last:
                return
            yield day
            finder.set_current(datetime.combine(day + _ONE_DAY, time(), UTC) - _ONE_US, force=True)

    def _day_ticks(self, day: date) -> Micros:
        midnight = datetime.combine(day, time())
        offsets = {
            self._tz.utcoffset(moment.replace(fold=fold))
            for moment in (midnight, midnight + _ONE_DAY)
            for fold in (0, 1)
        }
        if len(offsets) == 1:
            return self._regular(day, offsets.pop())
        return self._dst_day(day)

    def _regular(self, day: date, offset: timedelta | None) -> Micros:
        """The day's ticks where the wall clock runs at a constant UTC offset."""
        utc_midnight = (day - _EPOCH.date()).days * _DAY_US - (offset or timedelta()) // _ONE_US
        return utc_midnight + self._offsets

    def _dst_day(self, day: date) -> Micros:
        """A day with a UTC-offset change: croniter near each change, numpy elsewhere."""
        tz = self._tz
        midnight = datetime.combine(day, time(), tz)
        probes = range(
            epoch_micros(midnight) - _DST_MARGIN_US,
            epoch_micros(midnight + _ONE_DAY) + _DST_MARGIN_US + _HOUR_US,
            _HOUR_US,
        )
        offsets = [_offset_at(tz, probe) for probe in probes]
        windows: list[list[int]] = []
        for i in range(len(probes) - 1):
            if offsets[i] == offsets[i + 1]:
                continue
            low, high = probes[i] - _DST_MARGIN_US, probes[i + 1] + _DST_MARGIN_US
            if windows and low <= windows[-1][1]:
                windows[-1][1] = high
            else:
                windows.append([low, high])
        pieces = []
        previous: int | None = None
        for low, high in windows:
            pieces.append(self._between(day, previous, low))
            pieces.append(self._croniter_window(day, low, high))
            previous = high
        pieces.append(self._between(day, previous, None))
        return np.sort(np.concatenate(pieces))

    def _between(self, day: date, after: int | None, before: int | None) -> Micros:
        """The day's ticks strictly between two windows, where the offset is constant."""
        if before is not None:
            offset = _offset_at(self._tz, before - 1)
        elif after is not None:
            offset = _offset_at(self._tz, after + 1)
        else:
            offset = self._tz.utcoffset(datetime.combine(day, time()))
        ticks = self._regular(day, offset)
        if after is not None:
            ticks = ticks[ticks > after]
        if before is not None:
            ticks = ticks[ticks < before]
        return ticks

    def _croniter_window(self, day: date, low: int, high: int) -> Micros:
        """croniter's ticks between two instants that fall on the local `day`."""
        tz = self._tz
        ticks = [
            epoch_micros(tick)
            for tick in croniter_range(
                _from_micros(low, tz), _from_micros(high, tz), self._expression
            )
            if tick.astimezone(tz).date() == day
        ]
        found = np.array(ticks, dtype=np.int64)
        return found[(found >= low) & (found <= high)]


def _from_micros(micros: int, tz: tzinfo) -> datetime:
    return (_EPOCH + timedelta(microseconds=micros)).astimezone(tz)


def _offset_at(tz: tzinfo, micros: int) -> timedelta | None:
    return _from_micros(micros, tz).utcoffset()
