"""What mentorship adds to a member's home (``network.dashboard_blocks``): a founder's sessions and
a mentor's week."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mentorship import selectors
from mentorship.models import Feedback, Mentor
from mentorship.permissions import RoomState, can_manage_mentoring, can_moderate_reviews, can_vet_mentors, room_state
from network.dashboard_blocks import Block, Item
from network.permissions import is_member
from network.selectors import belongs_to_a_startup


def _when(moment, tz: ZoneInfo | None = None) -> str:
    return date_format(timezone.localtime(moment, tz), "D j M, H:i")


def mentoring_blocks(*, user) -> list[Block]:
    if not is_member(user):
        return []
    now = timezone.now()
    home = selectors.mentee_home(user=user, now=now)
    blocks = _mentee_blocks(home=home, now=now)
    # Mentors to meet, for those who come for mentoring: founders, and members who have booked.
    if home["total"] or belongs_to_a_startup(user=user):
        blocks += _suggestion_blocks(user=user, now=now)
    if can_manage_mentoring(user):
        blocks += _mentor_blocks(mentor=selectors.mentor_get_for_user(user=user), now=now)
    if can_vet_mentors(user):
        blocks += _vetting_blocks()
    if can_moderate_reviews(user):
        blocks += _review_blocks()
    return blocks


def _next_session(booking, *, other: str, now, tz: ZoneInfo | None = None) -> Item:
    """The next session, with a link into its room once the room is open (``room_state``)."""
    open_room = room_state(booking, now) == RoomState.OPEN
    return Item(
        _("Next session: %(title)s with %(name)s") % {"title": booking.session_type.title, "name": other},
        booking.get_absolute_url(),
        detail=_when(booking.start, tz),
        action=_("Join the room") if open_room else "",
        action_url=reverse("mentorship:booking-room", args=[booking.pk]) if open_room else "",
    )


def _mentee_blocks(*, home: dict, now) -> list[Block]:
    if not home["total"]:
        return []
    items = []
    booking = home["next"]
    if booking is not None:
        items.append(_next_session(booking, other=booking.mentor.user.display_name, now=now))
    else:
        items.append(Item(_("No session booked. Find a mentor"), reverse("mentorship:mentor-list")))
    items.append(
        Item(
            ngettext(
                "%(count)d request waiting for a mentor's answer",
                "%(count)d requests waiting for a mentor's answer",
                home["waiting"],
            )
            % {"count": home["waiting"]},
            reverse("mentorship:booking-list"),
        )
    )
    blocks = [
        Block(
            role="founder",
            key="my-sessions",
            title=_("My mentoring sessions"),
            url=reverse("mentorship:booking-list"),
            link=_("All my sessions"),
            count=home["upcoming"],
            items=items,
        )
    ]
    if home["feedback"]:
        blocks.append(
            Block(
                role="founder",
                key="feedback-to-give",
                title=_("Feedback to give"),
                url=reverse("mentorship:booking-list"),
                link=_("All my sessions"),
                count=home["feedback"],
                items=[
                    Item(
                        _("%(title)s with %(mentor)s")
                        % {"title": b.session_type.title, "mentor": b.mentor.user.display_name},
                        b.get_absolute_url(),
                        detail=_when(b.start),
                    )
                    for b in home["feedback_list"]
                ],
            )
        )
    return blocks


def _suggestion_blocks(*, user, now) -> list[Block]:
    """Mentors suggested to the member (``selectors.mentor_suggestions``), with why."""
    suggestions = selectors.mentor_suggestions(viewer=user, viewer_tz=timezone.get_current_timezone(), now=now)
    if not suggestions:
        return []
    return [
        Block(
            role="founder",
            key="mentors-for-you",
            title=_("Mentors for you"),
            url=reverse("mentorship:mentor-list"),
            link=_("Find a mentor"),
            items=[
                Item(
                    s.mentor.user.display_name,
                    s.mentor.get_absolute_url(),
                    detail=s.reason,
                )
                for s in suggestions
            ],
        )
    ]


def _mentor_blocks(*, mentor: Mentor, now) -> list[Block]:
    home = selectors.mentor_home(mentor=mentor, now=now)
    tz = home["tz"]
    ttl = selectors.request_ttl()
    dashboard = reverse("mentorship:mentor-dashboard")
    upcoming = home["next"]
    blocks = [
        Block(
            role="mentor",
            key="mentor-next-session",
            title=_("Your next session"),
            url=reverse("mentorship:booking-list"),
            link=_("All my sessions"),
            items=[_next_session(upcoming, other=upcoming.mentee.display_name, now=now, tz=tz)] if upcoming else [],
            empty=_("No confirmed session to come."),
        ),
        Block(
            role="mentor",
            key="requests-to-accept",
            title=_("Requests to accept"),
            url=dashboard,
            link=_("Answer requests"),
            count=home["requests"],
            items=[
                Item(
                    _("%(mentee)s: %(title)s") % {"mentee": b.mentee.display_name, "title": b.session_type.title},
                    b.get_absolute_url(),
                    detail=_("%(when)s · expires in %(left)s")
                    % {"when": _when(b.start, tz), "left": timeuntil(b.created_at + ttl, now, depth=1)},
                )
                for b in home["request_list"]
            ],
            empty=_("No requests are waiting for you."),
        ),
        Block(
            role="mentor",
            key="sessions-this-week",
            title=_("This week's sessions"),
            url=dashboard,
            link=_("My mentoring"),
            count=home["week"],
            items=[
                Item(
                    _("%(mentee)s: %(title)s") % {"mentee": b.mentee.display_name, "title": b.session_type.title},
                    b.get_absolute_url(),
                    detail=_when(b.start, tz),
                )
                for b in home["week_list"]
            ],
            empty=_("No sessions this week."),
        ),
        Block(
            role="mentor",
            key="hours-this-month",
            title=_("Given this month"),
            url=reverse("mentorship:mentor-availability"),
            link=_("My weekly hours"),
            items=[
                Item(
                    # (ngettext wants a whole number: 1.5 hours is plural, as 2 is.)
                    ngettext("%(hours)s hour", "%(hours)s hours", 1 if home["hours_this_month"] == 1 else 2)
                    % {"hours": floatformat(home["hours_this_month"], -1)},
                    detail=ngettext("%(count)d session held", "%(count)d sessions held", home["held_this_month"])
                    % {"count": home["held_this_month"]},
                ),
                Item(_("Times in %(zone)s") % {"zone": mentor.timezone}),
            ],
        ),
    ]
    if home["feedback"]:
        blocks.append(
            Block(
                role="mentor",
                key="feedback-to-write",
                title=_("Feedback to write"),
                url=dashboard,
                link=_("My mentoring"),
                count=home["feedback"],
                items=[
                    Item(
                        _("%(mentee)s: %(title)s") % {"mentee": b.mentee.display_name, "title": b.session_type.title},
                        b.get_absolute_url(),
                        detail=_when(b.start, tz),
                    )
                    for b in home["feedback_list"]
                ],
            )
        )
    return blocks


def _vetting_blocks() -> list[Block]:
    from django.utils.http import urlencode

    queue = selectors.mentor_vetting_queue()
    url = f"{reverse('admin:mentorship_mentor_changelist')}?{urlencode({'status__exact': Mentor.Status.PENDING})}"
    items = []
    if queue["oldest"] is not None:
        items.append(Item(_("The oldest has waited %(age)s") % {"age": timesince(queue["oldest"], depth=1)}))
    return [
        Block(
            role="editor",
            key="mentor-vetting",
            title=_("Mentors waiting for vetting"),
            url=url,
            link=_("Vet mentors"),
            count=queue["count"],
            items=items,
            empty=_("Nobody is waiting."),
        )
    ]


def _review_blocks() -> list[Block]:
    from django.utils.http import urlencode

    queue = selectors.review_queue()
    url = f"{reverse('admin:mentorship_feedback_changelist')}?{urlencode({'review__exact': Feedback.Review.PENDING})}"
    items = []
    if queue["oldest"] is not None:
        items.append(Item(_("The oldest has waited %(age)s") % {"age": timesince(queue["oldest"], depth=1)}))
    return [
        Block(
            role="editor",
            key="review-moderation",
            title=_("Reviews waiting to be read"),
            url=url,
            link=_("Read reviews"),
            count=queue["count"],
            items=items,
            empty=_("No review is waiting."),
        )
    ]
