"""Times on mentorship's pages: the viewer's zone, the weeks of the slot picker, daylight-saving notices."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from core.converters import SLOT_FORMAT
from mentorship import selectors
from mentorship.slots import offset_changes

START_FORMAT = SLOT_FORMAT  # a slot's token in URLs (the ``slot`` path converter parses it)


def viewer_zone(request: HttpRequest) -> ZoneInfo:
    """The zone the viewer sees times in (activated for the request by ``MemberTimezoneMiddleware``)."""
    return ZoneInfo(timezone.get_current_timezone_name())


def dst_notices(*, mine: ZoneInfo, theirs: ZoneInfo, days: int = 35, until: datetime | None = None) -> list[dict]:
    """Dates on which the gap between two zones changes by a daylight-saving switch: within
    ``days`` of now, or up to ``until`` when that is later (the end of the week a page shows)."""
    now = timezone.now()
    if until is not None:
        days = max(days, (until - now).days + 1)
    notices = []
    for day, old, new in offset_changes(theirs, mine, now, days):
        notices.append(
            {
                "date": day,
                "their_zone": str(theirs),
                "my_zone": str(mine),
                "earlier": new < old,
                "hours": abs((new - old).total_seconds()) / 3600,
            }
        )
    return notices


def week_of(tz: ZoneInfo, moment: datetime) -> int:
    """Which week of the slot picker (0 = this week, in ``tz``) holds ``moment``."""
    today = timezone.now().astimezone(tz).date()
    day = moment.astimezone(tz).date()
    weeks = ((day - timedelta(days=day.weekday())) - (today - timedelta(days=today.weekday()))).days // 7
    return max(0, min(weeks, 52))


def slot_picker_url(mentor_pk: int, session_type_pk: int, week: int, reschedule_pk: int | None = None) -> str:
    query = f"?type={session_type_pk}&week={week}"
    if reschedule_pk is not None:
        query += f"&reschedule={reschedule_pk}"
    return f"{reverse('mentorship:mentor-detail', args=[mentor_pk])}{query}"


def week_bounds(tz: ZoneInfo, week: int) -> tuple[datetime, datetime]:
    """The slot picker's week ``week`` (0 = this week in ``tz``), in UTC."""
    return selectors.week_bounds(tz, timezone.now(), week)
