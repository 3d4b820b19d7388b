"""Meeting occurrences from a cadence: plain dates and times in, aware (start, end) pairs out.

No Django here. The cadence is evaluated in the series' own IANA time zone, so a 19:00
Seoul meeting stays at 19:00 Seoul, and a Berlin series keeps its wall-clock time across
daylight-saving changes (its UTC offset moves instead).

Rules, decided once:
- The first meeting is on the first `weekday` on or after `first_date`; then every
  `interval_weeks` weeks.
- `skip_dates` (holidays) are dates on that grid with no meeting. A skipped date consumes
  no number: the next meeting takes it.
- `count` is the number of meetings actually held. Skips therefore push the end of the
  series later: 6 meetings with one skipped date end one interval after 6 without skips.
- `until` is the last local date a meeting may start on (inclusive); skips never extend it.
- Exactly one of `count` and `until` is given.
- A start time that does not exist on some date (it falls in a daylight-saving gap, e.g.
  02:30 in Berlin on the last Sunday of March) moves forward by the gap (03:30), as
  RFC 5545 prescribes; every other meeting starts exactly at `start_time` local time.
- Durations are elapsed time: a 4-hour meeting lasts 4 hours even across a DST change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_MEETINGS = 200
MAX_INTERVAL_WEEKS = 12
MAX_DURATION_MINUTES = 24 * 60


class CadenceError(ValueError):
    """Impossible cadence input. `code` is stable, `field` names the input at fault."""

    def __init__(self, code: str, field: str) -> None:
        super().__init__(f"{field}: {code}")
        self.code = code
        self.field = field


@dataclass(frozen=True, slots=True)
class Cadence:
    interval_weeks: int
    weekday: int  # 0 is Monday, 6 is Sunday
    start_time: time
    duration_minutes: int
    first_date: date
    count: int | None = None
    until: date | None = None
    skip_dates: frozenset[date] = frozenset()
    timezone_name: str = "Asia/Seoul"


def zone_for(name: str) -> ZoneInfo:
    """The IANA zone called `name`; CadenceError("unknown_timezone") when there is none."""
    if not name or name != name.strip() or name.startswith(("/", ".")):
        raise CadenceError("unknown_timezone", "timezone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CadenceError("unknown_timezone", "timezone") from None


def validate(cadence: Cadence) -> ZoneInfo:
    """Refuse impossible input (CadenceError); return the cadence's zone."""
    zone = zone_for(cadence.timezone_name)
    if not 1 <= cadence.interval_weeks <= MAX_INTERVAL_WEEKS:
        raise CadenceError("interval_out_of_range", "interval_weeks")
    if not 0 <= cadence.weekday <= 6:
        raise CadenceError("weekday_out_of_range", "weekday")
    if not 1 <= cadence.duration_minutes <= MAX_DURATION_MINUTES:
        raise CadenceError("duration_out_of_range", "duration_minutes")
    if cadence.start_time.tzinfo is not None:
        raise CadenceError("start_time_has_zone", "start_time")
    if (cadence.count is None) == (cadence.until is None):
        raise CadenceError("count_xor_until", "count")
    if cadence.count is not None and not 1 <= cadence.count <= MAX_MEETINGS:
        raise CadenceError("count_out_of_range", "count")
    if cadence.until is not None and cadence.until < cadence.first_date:
        raise CadenceError("until_before_first_date", "until")
    return zone


def meeting_dates(cadence: Cadence) -> list[date]:
    """The local dates of the meetings, in order (validates first)."""
    validate(cadence)
    first = cadence.first_date + timedelta(
        days=(cadence.weekday - cadence.first_date.weekday()) % 7
    )
    step = timedelta(weeks=cadence.interval_weeks)
    dates: list[date] = []
    current = first
    # Skips are finite, so with a count the loop ends; with `until` the date bound ends it.
    while True:
        if cadence.until is not None and current > cadence.until:
            break
        if cadence.count is not None and len(dates) >= cadence.count:
            break
        if current not in cadence.skip_dates:
            dates.append(current)
            if len(dates) > MAX_MEETINGS:
                raise CadenceError("too_many_meetings", "until")
        current += step
    return dates


def local_start(day: date, start_time: time, zone: ZoneInfo) -> datetime:
    """`start_time` on `day` in `zone`, as an aware datetime; a time in a DST gap moves
    forward by the gap (a round trip through UTC does exactly that for fold=0)."""
    naive = datetime.combine(day, start_time)
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


def occurrences(cadence: Cadence) -> list[tuple[datetime, datetime]]:
    """(start, end) of every meeting, aware in the cadence's zone, strictly increasing."""
    zone = validate(cadence)
    duration = timedelta(minutes=cadence.duration_minutes)
    result = []
    for day in meeting_dates(cadence):
        start = local_start(day, cadence.start_time, zone)
        # Elapsed time, computed in UTC: wall-clock arithmetic would be off by the DST shift.
        end = (start.astimezone(UTC) + duration).astimezone(zone)
        result.append((start, end))
    return result


def parse_skip_dates(values: Iterable[str | date]) -> frozenset[date]:
    """Dates from ISO strings (or dates); CadenceError("invalid_skip_date") on anything else."""
    dates = set()
    for value in values:
        if isinstance(value, datetime):
            raise CadenceError("invalid_skip_date", "skip_dates")
        if isinstance(value, date):
            dates.add(value)
            continue
        try:
            dates.add(date.fromisoformat(str(value).strip()))
        except ValueError:
            raise CadenceError("invalid_skip_date", "skip_dates") from None
    return frozenset(dates)
