"""Eventum's "versatile" datetimes: `now`, `never`, `+1h30m`, `14:30`, ISO 8601, plain English.

Config fields keep what the user wrote (`VersatileDatetime`); plugins turn it into an aware
datetime with `resolve` / `resolve_span` at start, against the generator's timezone and start
time. Naive values are read in the generator's timezone (Eventum read them as host-local: a
documented difference).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Annotated, Any

from pydantic import AfterValidator, ValidationInfo

_RELATIVE = re.compile(
    r"^(?P<sign>[+-]?)(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?$"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)


def aware(moment: datetime, tz: tzinfo) -> datetime:
    """`moment` itself when it has a timezone, else read in `tz` (the generator's timezone)."""
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def epoch_micros(moment: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime: the integer a `TIMESTAMP_DTYPE`
    value holds, in which inputs compute their schedules exactly."""
    return (moment - _EPOCH) // _ONE_US


def resolve(
    value: datetime | date | str | None,
    *,
    tz: tzinfo,
    now: datetime,
    base: datetime | None = None,
    default: str = "now",
) -> datetime | None:
    """An aware datetime in `tz`, or None for `never`.

    `base` anchors relative values and bare times (`now` when not given); `default` is what None
    means (`now` for a start, `never` for an end).
    """
    base = now if base is None else base
    if value is None:
        value = default
    if isinstance(value, datetime):
        try:
            return value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)
        except OverflowError:  # 9999-12-31T23:00Z is past year 9999 in Asia/Tokyo
            raise ValueError(f"{value.isoformat()} is out of range in {tz}") from None
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=tz)
    text = str(value).strip()
    lowered = text.lower()
    if lowered == "now":
        return now.astimezone(tz)
    if lowered == "never":
        return None
    match = _RELATIVE.match(text)
    if match and any(match.group(u) for u in "dhms"):
        try:
            delta = timedelta(
                days=int(match["d"] or 0),
                hours=int(match["h"] or 0),
                minutes=int(match["m"] or 0),
                seconds=int(match["s"] or 0),
            )
            return (base - delta if match["sign"] == "-" else base + delta).astimezone(tz)
        except OverflowError:
            raise ValueError(f"{text!r} is too far from {base.isoformat()}") from None
    try:
        return datetime.combine(base.astimezone(tz).date(), time.fromisoformat(text), tzinfo=tz)
    except ValueError:
        pass
    try:
        return resolve(datetime.fromisoformat(text), tz=tz, now=now)
    except ValueError:
        pass
    return _natural_language(text, tz=tz, base=base)


def _natural_language(text: str, *, tz: tzinfo, base: datetime) -> datetime:
    import dateparser  # slow to import: only for values the fast forms did not read

    parsed = dateparser.parse(
        text,
        settings={
            "RELATIVE_BASE": base.astimezone(tz).replace(tzinfo=None),
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    if parsed is None:
        raise ValueError(
            f"cannot read {text!r} as a date and time (try ISO 8601, 'now', 'never', "
            "a relative offset like '+1h30m', or a time like '14:30')"
        )
    result = resolve(parsed, tz=tz, now=base)
    assert result is not None  # a datetime in, a datetime out
    return result


def resolve_span(
    start: datetime | date | str | None,
    end: datetime | date | str | None,
    *,
    tz: tzinfo,
    now: datetime,
) -> tuple[datetime, datetime | None]:
    """`start` (default now) and `end` (default never; relative to start), start <= end."""
    start_dt = resolve(start, tz=tz, now=now)
    if start_dt is None:
        raise ValueError("start cannot be 'never'")
    end_dt = resolve(end, tz=tz, now=now, base=start_dt, default="never")
    if end_dt is not None and start_dt > end_dt:
        raise ValueError(f"start ({start_dt.isoformat()}) is after end ({end_dt.isoformat()})")
    return start_dt, end_dt


def clock_from(info: ValidationInfo) -> tuple[tzinfo, datetime]:
    """The timezone and start time core passes as validation context (UTC and now otherwise)."""
    from datetime import UTC

    context = info.context or {}
    tz = context.get("timezone", UTC)
    now = context.get("now") or datetime.now(tz)
    return tz, now


def _check_readable(value: Any, info: ValidationInfo) -> Any:
    if isinstance(value, str) and value.strip().lower() == "never":
        return value
    tz, now = clock_from(info)
    resolve(value, tz=tz, now=now)
    return value


VersatileDatetime = Annotated[datetime | str | None, AfterValidator(_check_readable)]
"""A config datetime kept as written; checked at load, resolved by the plugin at start."""
