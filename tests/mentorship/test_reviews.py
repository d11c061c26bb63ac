"""Reviews: a founder's feedback on a held session, shown on the mentor's page once its author has
shared it and staff have read it; taken down by its author at any time. Every refusal changes
nothing; the mentor's page reads them in a constant number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentorship import selectors, services
from mentorship.models import Booking, Feedback
from network.models import AuditEntry, Notification
from tests.mentorship.factories import BookingFactory, MentorFactory, SessionTypeFactory
from tests.network.factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mentor():
    return MentorFactory(user=ProfileFactory(display_name="Omar Farooq", visibility="public", is_mentor=True).user)


@pytest.fixture
def founder():
    return ProfileFactory(display_name="Ayesha Khan", visibility="public").user


@pytest.fixture
def held(mentor, founder):
    return held_session(mentor, founder)


@pytest.fixture
def moderator():
    # The one permission is enough: it lets them read feedback in the admin too.
    staff = ProfileFactory(display_name="Farah Staff", user__is_staff=True, user__mfa=True).user
    staff.user_permissions.add(Permission.objects.get(codename="moderate_review"))
    return staff


def held_session(mentor, founder, days_ago: int = 7) -> Booking:
    start = timezone.now().replace(microsecond=0) - timedelta(days=days_ago)
    return BookingFactory(
        session_type=SessionTypeFactory(mentor=mentor), mentee=founder, start=start, status=Booking.Status.COMPLETED
    )


def shared(held, text: str = "Omar showed us how to price for US buyers.") -> Feedback:
    return services.feedback_submit(author=held.mentee, booking=held, rating=5, comment=text, share_review=True)


def trail() -> list[tuple[str, int | None]]:
    return list(AuditEntry.objects.order_by("id").values_list("event", "actor_id"))


def state() -> tuple:
    return (
        list(Feedback.objects.order_by("id").values_list("review", "review_changed_at", "reviewed_by_id")),
        trail(),
        Notification.objects.count(),
    )


def page_of(client, mentor) -> str:
    response = client.get(reverse("mentorship:mentor-detail", args=[mentor.pk]))
    assert response.status_code == 200
    return response.content.decode()


# --- The services -------------------------------------------------------------------------


def test_a_shared_review_waits_for_staff_then_shows_and_its_author_takes_it_down(held, founder, mentor, moderator):
    # when: the founder shares their feedback as they give it
    feedback = shared(held)

    # then: it waits, and is not shown
    assert feedback.review == Feedback.Review.PENDING
    assert selectors.mentor_reviews(mentor=mentor) == {"shown": [], "count": 0}
    assert selectors.review_queue()["count"] == 1

    # when: staff publish it
    services.review_moderate(actor=moderator, feedback=feedback, publish=True)

    # then: on the mentor's page, and the mentor is told
    feedback.refresh_from_db()
    assert (feedback.review, feedback.reviewed_by) == (Feedback.Review.PUBLISHED, moderator)
    reviews = selectors.mentor_reviews(mentor=mentor)
    assert ([r.pk for r in reviews["shown"]], reviews["count"]) == ([feedback.pk], 1)
    assert list(Notification.objects.values_list("recipient", "kind", "url")) == [
        (mentor.user_id, "mentorship.review.publish", mentor.get_absolute_url())
    ]

    # when: its author takes it down
    services.review_withdraw(actor=founder, feedback=feedback)

    # then: private again at once; the rating still counts
    feedback.refresh_from_db()
    assert feedback.review == Feedback.Review.PRIVATE
    assert selectors.mentor_reviews(mentor=mentor)["count"] == 0
    assert selectors.mentor_stats(mentor=mentor)["ratings"] == 1
    assert trail() == [
        ("mentorship.feedback.create", founder.pk),
        ("mentorship.review.publish", moderator.pk),
        ("mentorship.review.withdraw", founder.pk),
    ]
    assert AuditEntry.objects.get(event="mentorship.feedback.create").data == {"rating": 5, "review": "pending"}
    assert AuditEntry.objects.get(event="mentorship.review.withdraw").data == {"was": "published"}


def test_feedback_kept_private_can_be_shared_later_and_a_declined_one_tells_its_author(held, founder, moderator):
    # given
    feedback = services.feedback_submit(author=founder, booking=held, rating=4, comment="Useful on hiring.")
    assert feedback.review == Feedback.Review.PRIVATE

    # when
    services.review_share(actor=founder, feedback=feedback)
    services.review_moderate(actor=moderator, feedback=feedback, publish=False)

    # then
    feedback.refresh_from_db()
    assert feedback.review == Feedback.Review.DECLINED
    assert [event for event, _actor in trail()] == [
        "mentorship.feedback.create",
        "mentorship.review.share",
        "mentorship.review.decline",
    ]
    assert list(Notification.objects.values_list("recipient", "kind")) == [(founder.pk, "mentorship.review.decline")]
    # and a declined review is not sent to staff again
    with pytest.raises(ValidationError):
        services.review_share(actor=founder, feedback=feedback)


def test_what_may_not_become_a_review_is_refused_and_changes_nothing(held, founder, mentor, other_member, moderator):
    # given: the mentor's own rating of the founder, feedback without words, a waiting review
    by_mentor = services.feedback_submit(author=mentor.user, booking=held, rating=5, comment="A sharp founder.")
    other = held_session(mentor, other_member, days_ago=3)
    silent = services.feedback_submit(author=other_member, booking=other, rating=3)
    waiting = shared(held)
    before = state()

    # when / then
    with pytest.raises(ValidationError, match="Only the founder's feedback"):
        services.review_share(actor=mentor.user, feedback=by_mentor)
    with pytest.raises(ValidationError, match="Write a comment"):
        services.review_share(actor=other_member, feedback=silent)
    with pytest.raises(ValidationError, match="already been shared"):
        services.review_share(actor=founder, feedback=waiting)
    with pytest.raises(PermissionDenied):
        services.review_share(actor=other_member, feedback=waiting)  # not theirs
    with pytest.raises(PermissionDenied):
        services.review_withdraw(actor=mentor.user, feedback=waiting)  # the mentor cannot hide it
    with pytest.raises(ValidationError):
        services.review_withdraw(actor=other_member, feedback=silent)  # never shared
    with pytest.raises(PermissionDenied):
        services.review_moderate(actor=mentor.user, feedback=waiting, publish=True)  # not staff
    with pytest.raises(ValidationError):
        services.review_moderate(actor=moderator, feedback=silent, publish=True)  # not waiting
    with pytest.raises(ValidationError, match="Only the founder's feedback"):
        services.feedback_submit(author=mentor.user, booking=other, rating=4, comment="Fine.", share_review=True)
    with pytest.raises(ValidationError, match="Write a comment"):
        services.feedback_submit(
            author=founder, booking=held_session(mentor, founder, days_ago=2), rating=4, share_review=True
        )

    assert state() == before


def test_staff_without_the_permission_cannot_moderate(held):
    # given: staff who may open the admin but not read reviews
    staff = ProfileFactory(user__is_staff=True, user__mfa=True).user
    waiting = shared(held)
    before = state()

    with pytest.raises(PermissionDenied):
        services.review_moderate(actor=staff, feedback=waiting, publish=True)

    assert state() == before


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_review_without_words(held, founder):
    with pytest.raises(IntegrityError), transaction.atomic():
        Feedback.objects.create(booking=held, author=founder, rating=5, comment="", review=Feedback.Review.PENDING)


# --- The pages ----------------------------------------------------------------------------


def test_the_founder_shares_from_the_feedback_form_and_the_mentor_is_not_offered_it(client_for, held, founder, mentor):
    # given
    path = reverse("mentorship:booking-detail", args=[held.pk])
    assert "share_review" in client_for(founder).get(path).content.decode()
    assert "share_review" not in client_for(mentor.user).get(path).content.decode()

    # when: the founder ticks it with a comment
    response = client_for(founder).post(
        reverse("mentorship:feedback-create", args=[held.pk]),
        {"rating": "5", "comment": "Clear, kind and practical.", "share_review": "on"},
    )

    # then
    assert response.status_code == 302
    assert Feedback.objects.get(author=founder).review == Feedback.Review.PENDING
    shown = client_for(founder).get(path).content.decode()
    assert "Your review is waiting for Rabta" in shown
    assert "Take my review down" in shown


def test_ticking_share_without_a_comment_keeps_nothing_and_shows_the_form_again_as_filled(client_for, held, founder):
    response = client_for(founder).post(
        reverse("mentorship:feedback-create", args=[held.pk]),
        {"rating": "4", "share_review": "on", "may_feature": "on"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Write a comment to share it as a review." in html
    # what they chose is still chosen
    assert 'value="4" required id="id_rating_1" checked' in html
    assert 'name="share_review" aria-describedby="id_share_review_helptext" id="id_share_review" checked' in html
    assert 'name="may_feature" id="id_may_feature" checked' in html
    assert not Feedback.objects.exists()


def test_a_feedback_form_without_a_rating_is_shown_again_with_the_comment_kept(client_for, held, founder):
    response = client_for(founder).post(
        reverse("mentorship:feedback-create", args=[held.pk]), {"comment": "Words <b>worth</b> keeping."}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Words &lt;b&gt;worth&lt;/b&gt; keeping.</textarea>" in html
    assert "This field is required." in html
    assert not Feedback.objects.exists()


def test_the_founder_sees_their_own_words_on_the_session_page(client_for, held, founder):
    services.feedback_submit(author=founder, booking=held, rating=5, comment="<i>Kind</i> and clear.")

    html = client_for(founder).get(reverse("mentorship:booking-detail", args=[held.pk])).content.decode()

    assert '<blockquote class="review-words">&lt;i&gt;Kind&lt;/i&gt; and clear.</blockquote>' in html


def test_the_review_buttons_answer_only_their_author(client_for, held, founder, mentor, other_member):
    # given: the founder's private feedback and the mentor's own
    feedback = services.feedback_submit(author=founder, booking=held, rating=5, comment="Generous with time.")
    services.feedback_submit(author=mentor.user, booking=held, rating=5, comment="Well prepared.")
    path = reverse("mentorship:review-update", args=[held.pk])
    before = state()

    # then: an outsider is not found; the mentor's own feedback is never shared; a made-up action is refused
    assert client_for(other_member).post(path, {"action": "share"}).status_code == 404
    assert client_for(mentor.user).post(path, {"action": "share"}).status_code == 302
    assert client_for(founder).post(path, {"action": "publish"}).status_code == 400
    assert client_for(founder).post(path, {"action": "withdraw"}).status_code == 302  # nothing to take down
    assert state() == before

    # when: the founder shares it, then takes it down
    client_for(founder).post(path, {"action": "share"})
    feedback.refresh_from_db()
    assert feedback.review == Feedback.Review.PENDING
    client_for(founder).post(path, {"action": "withdraw"})
    feedback.refresh_from_db()
    assert feedback.review == Feedback.Review.PRIVATE


def test_the_mentor_page_shows_published_reviews_only_escaped_and_names_whom_the_viewer_may_see(
    client, client_for, mentor, founder, other_member, moderator
):
    # given: a published review by a founder with a public profile, one by a members-only founder,
    # one waiting, one declined, one private
    public = shared(held_session(mentor, founder, 9), "<script>alert(1)</script> Sharp on pricing.")
    members_only = shared(held_session(mentor, other_member, 8), "Helped us hire our first engineer.")
    for feedback in (public, members_only):
        services.review_moderate(actor=moderator, feedback=feedback, publish=True)
    third = ProfileFactory(display_name="Sana Malik").user
    shared(held_session(mentor, third, 6), "Still waiting for staff.")
    declined = shared(held_session(mentor, third, 5), "Declined words.")
    services.review_moderate(actor=moderator, feedback=declined, publish=False)
    services.feedback_submit(author=third, booking=held_session(mentor, third, 4), rating=2, comment="Kept private.")

    # when
    visitor, member = page_of(client, mentor), page_of(client_for(third), mentor)

    # then: the two published, newest first; the script shown as text
    for html in (visitor, member):
        assert "2 reviews from founders" in html
        assert html.index("Helped us hire") < html.index("Sharp on pricing")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script>alert(1)" not in html
        for hidden in ("Still waiting for staff.", "Declined words.", "Kept private."):
            assert hidden not in html
    # a visitor sees the public founder's name, and not the members-only one's
    assert "Ayesha Khan" in visitor
    assert "Bilal Ahmed" not in visitor
    assert "a founder on Rabta" in visitor
    assert "Ayesha Khan" in member
    assert "Bilal Ahmed" in member


def test_the_mentor_page_reads_reviews_in_the_same_queries_for_1_or_12(client_for, mentor, moderator):
    # given
    viewer = client_for(ProfileFactory().user)

    def publish(n: int) -> None:
        for _i in range(n):
            author = ProfileFactory(visibility="public").user
            feedback = shared(held_session(mentor, author, 10 + Feedback.objects.count()))
            services.review_moderate(actor=moderator, feedback=feedback, publish=True)

    publish(1)
    page_of(viewer, mentor)
    with CaptureQueriesContext(connection) as one:
        page_of(viewer, mentor)

    # when
    publish(11)
    with CaptureQueriesContext(connection) as twelve:
        html = page_of(viewer, mentor)

    # then
    assert len(twelve) == len(one)
    assert "12 reviews from founders" in html
    assert html.count('class="card review"') == selectors.REVIEWS_SHOWN
    assert "The newest 10 are shown." in html


def test_staff_publish_waiting_reviews_from_the_admin_and_see_the_queue_on_their_home(client_for, held, moderator):
    # given
    waiting = shared(held)
    staff = client_for(moderator, mfa=True)
    home = staff.get(reverse("network:dashboard")).content.decode()
    assert "Reviews waiting to be read" in home

    # when
    response = staff.post(
        reverse("admin:mentorship_feedback_changelist"),
        {"action": "publish_reviews", "_selected_action": [waiting.pk]},
    )

    # then
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.review == Feedback.Review.PUBLISHED
    assert AuditEntry.objects.filter(event="mentorship.review.publish", actor=moderator).count() == 1


def test_staff_without_the_permission_are_not_offered_the_actions(client_for, held):
    # given: staff who may change feedback in the admin, but not read reviews
    staff = ProfileFactory(user__is_staff=True, user__mfa=True).user
    staff.user_permissions.add(
        Permission.objects.get(codename="view_feedback"), Permission.objects.get(codename="change_feedback")
    )
    waiting = shared(held)
    client = client_for(staff, mfa=True)

    # when
    listing = client.get(reverse("admin:mentorship_feedback_changelist")).content.decode()
    client.post(
        reverse("admin:mentorship_feedback_changelist"),
        {"action": "publish_reviews", "_selected_action": [waiting.pk]},
    )

    # then
    assert "publish_reviews" not in listing
    waiting.refresh_from_db()
    assert waiting.review == Feedback.Review.PENDING
    assert "Reviews waiting to be read" not in client.get(reverse("network:dashboard")).content.decode()


def test_staff_take_a_published_review_down_and_the_author_is_told(held, founder, mentor, moderator):
    # given
    feedback = shared(held)
    services.review_moderate(actor=moderator, feedback=feedback, publish=True)

    # when
    services.review_moderate(actor=moderator, feedback=feedback, publish=False)

    # then
    feedback.refresh_from_db()
    assert feedback.review == Feedback.Review.DECLINED
    assert selectors.mentor_reviews(mentor=mentor)["count"] == 0
    assert AuditEntry.objects.get(event="mentorship.review.decline").data == {"was": "published"}
    assert Notification.objects.filter(recipient=founder, kind="mentorship.review.decline").count() == 1
    # and it is not published again
    with pytest.raises(ValidationError, match="not waiting"):
        services.review_moderate(actor=moderator, feedback=feedback, publish=True)


def test_a_review_leaves_the_page_with_its_deactivated_author_and_is_never_published_for_one(
    held, founder, mentor, other_member, moderator
):
    # given: one published review, one waiting, both by members who then leave
    published = shared(held)
    services.review_moderate(actor=moderator, feedback=published, publish=True)
    waiting = shared(held_session(mentor, other_member, 3))
    founder.is_active = other_member.is_active = False
    founder.save(update_fields=["is_active"])
    other_member.save(update_fields=["is_active"])
    before = state()

    # then
    assert selectors.mentor_reviews(mentor=mentor) == {"shown": [], "count": 0}
    with pytest.raises(ValidationError, match="has left Rabta"):
        services.review_moderate(actor=moderator, feedback=waiting, publish=True)
    assert state() == before


def test_erasing_a_member_takes_their_reviews_off_every_page(held, founder, mentor, moderator):
    from mentorship.personal_data import erase

    # given
    published = shared(held)
    services.review_moderate(actor=moderator, feedback=published, publish=True)
    waiting = shared(held_session(mentor, founder, 3))
    now = timezone.now()

    # when
    erase(user=founder, now=now)

    # then: their feedback is kept (the mentor's ratings rest on it), private
    assert (
        list(Feedback.objects.filter(pk__in=[published.pk, waiting.pk]).values_list("review", flat=True))
        == [Feedback.Review.PRIVATE] * 2
    )
    assert Feedback.objects.get(pk=published.pk).review_changed_at == now
    assert selectors.mentor_reviews(mentor=mentor)["count"] == 0
    assert selectors.review_queue()["count"] == 0


def test_staff_decline_from_the_admin_takes_published_ones_down_and_count_what_they_could_not_change(
    client_for, held, mentor, other_member, moderator
):
    # given: one published, one waiting, one kept private
    published = shared(held)
    services.review_moderate(actor=moderator, feedback=published, publish=True)
    waiting = shared(held_session(mentor, other_member, 3))
    private = services.feedback_submit(
        author=other_member, booking=held_session(mentor, other_member, 2), rating=3, comment="Mine."
    )
    staff = client_for(moderator, mfa=True)

    # when
    response = staff.post(
        reverse("admin:mentorship_feedback_changelist"),
        {"action": "decline_reviews", "_selected_action": [published.pk, waiting.pk, private.pk]},
        follow=True,
    )

    # then
    html = response.content.decode()
    assert "2 reviews updated." in html
    assert "1 could not be changed this way and is unchanged." in html
    chosen = Feedback.objects.filter(pk__in=[published.pk, waiting.pk, private.pk]).order_by("pk")
    assert list(chosen.values_list("review", flat=True)) == [
        Feedback.Review.DECLINED,
        Feedback.Review.DECLINED,
        Feedback.Review.PRIVATE,
    ]


def test_staff_read_feedback_in_the_admin_and_cannot_edit_a_word_of_it(client_for, held, founder, moderator):
    # given: a superuser, who may do anything the admin allows
    feedback = shared(held, "The founder's own words.")
    boss = ProfileFactory(user__is_staff=True, user__is_superuser=True, user__mfa=True).user
    change = reverse("admin:mentorship_feedback_change", args=[feedback.pk])

    for user in (moderator, boss):
        client = client_for(user, mfa=True)
        # when
        page = client.get(change)
        client.post(change, {"comment": "Edited by staff.", "rating": "1", "booking": held.pk, "author": founder.pk})

        # then: shown, with no field to change
        assert page.status_code == 200
        html = page.content.decode()
        assert "The founder&#x27;s own words." in html
        assert 'name="comment"' not in html
        assert client.get(reverse("admin:mentorship_feedback_add")).status_code == 403
    feedback.refresh_from_db()
    assert (feedback.comment, feedback.rating) == ("The founder's own words.", 5)
