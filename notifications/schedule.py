"""When a message may go out: quiet hours and the daily digest in a member's own time zone.

Pure functions over datetimes; no Django import, so they are easy to reason about and test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Timing:
    """What the scheduler needs to know about one member."""

    timezone: str = "Asia/Seoul"
    quiet_start: time | None = None
    quiet_end: time | None = None
    digest: bool = False
    digest_hour: int = 8


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def in_quiet_hours(moment: datetime, timing: Timing) -> bool:
    """Whether `moment` (aware) falls in the member's quiet hours, which may span midnight."""
    if timing.quiet_start is None or timing.quiet_end is None:
        return False
    if timing.quiet_start == timing.quiet_end:
        return False
    local = moment.astimezone(_zone(timing.timezone)).time()
    if timing.quiet_start < timing.quiet_end:
        return timing.quiet_start <= local < timing.quiet_end
    return local >= timing.quiet_start or local < timing.quiet_end


def quiet_hours_end(moment: datetime, timing: Timing) -> datetime:
    """The first instant at or after `moment` outside the member's quiet hours."""
    if not in_quiet_hours(moment, timing):
        return moment
    assert timing.quiet_end is not None
    zone = _zone(timing.timezone)
    local = moment.astimezone(zone)
    end = datetime.combine(local.date(), timing.quiet_end, tzinfo=zone)
    if end <= local:
        end = datetime.combine(local.date() + timedelta(days=1), timing.quiet_end, tzinfo=zone)
    # Normalise through UTC so a DST gap cannot leave a non-existent wall time.
    return end.astimezone(ZoneInfo("UTC"))


def next_digest_at(moment: datetime, timing: Timing) -> datetime:
    """The member's next digest hour (local), strictly after `moment`."""
    zone = _zone(timing.timezone)
    local = moment.astimezone(zone)
    at = datetime.combine(local.date(), time(timing.digest_hour), tzinfo=zone)
    if at <= local:
        at = datetime.combine(
            local.date() + timedelta(days=1), time(timing.digest_hour), tzinfo=zone
        )
    return quiet_hours_end(at.astimezone(ZoneInfo("UTC")), timing)


def first_attempt_at(moment: datetime, timing: Timing, *, digest: bool) -> datetime:
    """When a message created at `moment` may first be sent on a channel that respects quiet
    hours (email): at once, after the quiet hours, or at the next digest."""
    if digest:
        return next_digest_at(moment, timing)
    return quiet_hours_end(moment, timing)


def backoff(attempts: int, *, base: float, cap: float) -> timedelta:
    """Capped exponential backoff after the `attempts`-th failed try (1, 2, 3, …)."""
    exponent = max(attempts - 1, 0)
    return timedelta(seconds=min(base * (2**exponent), cap))
