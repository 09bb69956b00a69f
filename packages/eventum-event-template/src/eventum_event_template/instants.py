"""Timestamps as templates get them: one object per instant, which remembers its texts.

Realistic templates format their timestamp a few times per event (`timestamp.isoformat()`,
`timestamp.strftime('%Y-%m-%dT%H:%M:%S.%f')`: 1-3 us a call), and the events of one instant
(the `count` of a cron tick) are many: each text is made once per instant instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime


class Instant(datetime):
    """A `datetime` (arithmetic, comparisons and `str` as ever) whose `strftime` and
    `isoformat` remember their results."""

    __slots__ = ("_texts",)
    _texts: dict[tuple[str, str], str]

    @classmethod
    def of(cls, moment: datetime) -> Instant:
        instant = cls(
            moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second,
            moment.microsecond, moment.tzinfo, fold=moment.fold,
        )  # fmt: skip
        instant._texts = {}
        return instant

    def strftime(self, format: str) -> str:
        key = ("strftime", format)
        try:
            return self._texts[key]
        except KeyError:
            text = self._texts[key] = datetime.strftime(self, format)
            return text
        except AttributeError:  # made by arithmetic or replace(): nothing to remember in
            return datetime.strftime(self, format)

    def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
        key = (sep, timespec)
        try:
            return self._texts[key]
        except KeyError:
            text = self._texts[key] = datetime.isoformat(self, sep, timespec)
            return text
        except AttributeError:
            return datetime.isoformat(self, sep, timespec)


def instants(moments: Sequence[datetime]) -> list[datetime]:
    """`moments` with each run of equal neighbours as one `Instant`."""
    result: list[datetime] = []
    last: datetime | None = None
    current: datetime | None = None
    for moment in moments:
        if moment != last:
            last, current = moment, Instant.of(moment)
        result.append(current)  # type: ignore[arg-type]
    return result
