"""Services of the network app: every write, its refusals, its audit entry and its email."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from PIL import Image

from network import selectors, services
from network.models import (
    AuditEntry,
    Introduction,
    Language,
    Membership,
    Notification,
    Organisation,
    Profile,
    Sector,
)
from tests.network.factories import (
    IntroductionFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    image_upload,
)

REASON = "I am moving back to Lahore and would love advice on hiring a first engineering team."


def audit_trail() -> list[tuple[str, int | None]]:
    return list(AuditEntry.objects.order_by("id").values_list("event", "actor_id"))


def sent_mail() -> list[tuple[str, list[str]]]:
    return [(message.subject, message.to) for message in mail.outbox]


# --- Notifications -------------------------------------------------------------


def test_notification_create_stores_the_notification(member):
    # given
    url = "/introductions/"

    # when
    notification = services.notification_create(
        recipient=member, kind="network.test", message="Something happened.", url=url
    )

    # then
    notification.refresh_from_db()
    assert notification.recipient == member
    assert notification.kind == "network.test"
    assert notification.message == "Something happened."
    assert notification.url == "/introductions/"
    assert notification.read_at is None


def test_notification_create_cuts_the_message_to_300_characters(member):
    # when
    notification = services.notification_create(recipient=member, kind="network.test", message="x" * 400)

    # then
    notification.refresh_from_db()
    assert notification.message == "x" * 300


def test_notification_email_is_queued_only_after_commit(member, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notification_create(recipient=member, kind="network.test", message="Hello there.")

    # then: the email queued and the cached unread count forgotten, both after commit
    assert len(callbacks) == 2
    assert DBTaskResult.objects.count() == 0
    assert mail.outbox == []


def test_notification_email_is_sent_by_the_task_runner(member, run_tasks, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_create(
            recipient=member, kind="network.test", message="Hello there.", url="/introductions/"
        )
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    # when
    ran = run_tasks()

    # then
    assert ran == 1
    assert sent_mail() == [("[Rabta] Hello there.", [member.email])]
    body = mail.outbox[0].body
    assert "Hello Ayesha Khan," in body
    assert "Hello there." in body
    assert f"{settings.SITE_URL}/introductions/" in body
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_notification_email_subject_stays_on_one_line(member, run_tasks, django_capture_on_commit_callbacks):
    # given: a name typed with a line break in it
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_create(
            recipient=member, kind="network.test", message="Evil\r\nBcc: victim@example.org asks to be introduced."
        )

    # when
    run_tasks()

    # then
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert sent_mail() == [("[Rabta] Evil Bcc: victim@example.org asks to be introduced.", [member.email])]
    assert mail.outbox[0].bcc == []


def test_notification_without_email_queues_nothing(member, run_tasks, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.notification_create(recipient=member, kind="network.test", message="Quiet.", send_email=False)

    # then: only the cached unread count forgotten
    assert len(callbacks) == 1
    assert run_tasks() == 0
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=member).count() == 1


def test_the_unread_count_is_cached_and_follows_new_and_read_notifications(
    member, django_assert_num_queries, django_capture_on_commit_callbacks
):
    # given: counted once, then from the cache
    assert selectors.notification_unread_count(user=member) == 0
    with django_assert_num_queries(0):
        assert selectors.notification_unread_count(user=member) == 0

    # when / then: a new notification counts at once
    with django_capture_on_commit_callbacks(execute=True):
        first = services.notification_create(recipient=member, kind="network.test", message="One.", send_email=False)
        services.notification_create(recipient=member, kind="network.test", message="Two.", send_email=False)
    assert selectors.notification_unread_count(user=member) == 2

    # …reading one, then all
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_mark_read(user=member, notification_id=first.pk)
    assert selectors.notification_unread_count(user=member) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_mark_read(user=member)
    assert selectors.notification_unread_count(user=member) == 0

    # …and a notification deleted (the admin)
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_create(recipient=member, kind="network.test", message="Three.", send_email=False)
    assert selectors.notification_unread_count(user=member) == 1
    with django_capture_on_commit_callbacks(execute=True):
        Notification.objects.get(message="Three.").delete()
    assert selectors.notification_unread_count(user=member) == 0


def test_notification_email_is_not_sent_to_an_inactive_member(member, run_tasks, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_create(recipient=member, kind="network.test", message="Hello there.")
    member.is_active = False
    member.save()

    # when
    ran = run_tasks()

    # then
    assert ran == 1
    assert mail.outbox == []
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_notification_email_of_a_deleted_notification_is_not_sent(
    member, run_tasks, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notification_create(recipient=member, kind="network.test", message="Gone.")
    notification.delete()

    # when
    ran = run_tasks()

    # then
    assert ran == 1
    assert mail.outbox == []


def test_notification_mark_read_marks_one(member):
    # given
    first = services.notification_create(recipient=member, kind="k", message="one", send_email=False)
    second = services.notification_create(recipient=member, kind="k", message="two", send_email=False)

    # when
    count = services.notification_mark_read(user=member, notification_id=first.pk)

    # then
    assert count == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None


def test_notification_mark_read_without_id_marks_all_of_the_user_only(member, other_member):
    # given
    for message in ("one", "two", "three"):
        services.notification_create(recipient=member, kind="k", message=message, send_email=False)
    theirs = services.notification_create(recipient=other_member, kind="k", message="theirs", send_email=False)

    # when
    count = services.notification_mark_read(user=member)

    # then
    assert count == 3
    assert Notification.objects.filter(recipient=member, read_at__isnull=True).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_notification_mark_read_ignores_someone_elses_notification(member, other_member):
    # given
    theirs = services.notification_create(recipient=other_member, kind="k", message="theirs", send_email=False)

    # when
    count = services.notification_mark_read(user=member, notification_id=theirs.pk)

    # then
    assert count == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_notification_mark_read_leaves_an_already_read_notification_alone(member):
    # given
    notification = services.notification_create(recipient=member, kind="k", message="one", send_email=False)
    services.notification_mark_read(user=member, notification_id=notification.pk)
    notification.refresh_from_db()
    first_read_at = notification.read_at

    # when
    count = services.notification_mark_read(user=member, notification_id=notification.pk)

    # then
    assert count == 0
    notification.refresh_from_db()
    assert notification.read_at == first_read_at


# --- Introductions: request ------------------------------------------------------


def test_introduction_request_creates_a_pending_request(member, other_member):
    # given
    now = timezone.now()

    # when
    introduction = services.introduction_request(
        requester=member, recipient=other_member, reason=f"  {REASON}  ", ip_address="203.0.113.7", now=now
    )

    # then
    introduction.refresh_from_db()
    assert introduction.requester == member
    assert introduction.recipient == other_member
    assert introduction.reason == REASON
    assert introduction.status == Introduction.Status.PENDING
    assert introduction.created_at == now
    assert introduction.expires_at == now + timedelta(days=settings.RABTA["INTRODUCTION_TTL_DAYS"])
    assert introduction.responded_at is None
    entry = AuditEntry.objects.get()
    assert (entry.event, entry.actor_id) == ("network.introduction.request", member.pk)
    assert (entry.target_type, entry.target_id) == ("network.introduction", str(introduction.pk))
    assert entry.ip_address == "203.0.113.7"


def test_introduction_request_notifies_the_recipient_by_email(
    member, other_member, run_tasks, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        introduction = services.introduction_request(requester=member, recipient=other_member, reason=REASON)
    ran = run_tasks()

    # then
    notification = Notification.objects.get()
    assert notification.recipient == other_member
    assert notification.kind == "network.introduction.request"
    assert notification.message == "Ayesha Khan asks to be introduced to you."
    assert notification.url == f"/introductions/{introduction.pk}/"
    assert ran == 1  # the email; the expiry task waits for its time
    assert sent_mail() == [("[Rabta] Ayesha Khan asks to be introduced to you.", [other_member.email])]


def test_introduction_request_schedules_its_expiry(member, other_member, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        introduction = services.introduction_request(requester=member, recipient=other_member, reason=REASON)

    # then
    expiry = DBTaskResult.objects.get(task_path="network.tasks.expire_introduction")
    assert expiry.status == "READY"
    assert expiry.run_after == introduction.expires_at
    assert expiry.args_kwargs == {"args": [introduction.pk], "kwargs": {}}


def test_introduction_request_to_oneself_is_refused(member):
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.introduction_request(requester=member, recipient=member, reason=REASON)

    # then
    assert excinfo.value.messages == ["You cannot ask for an introduction to yourself."]
    assert Introduction.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert Notification.objects.count() == 0


def test_introduction_request_to_an_inactive_member_is_refused(member, other_member):
    # given
    other_member.is_active = False
    other_member.save()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.introduction_request(requester=member, recipient=other_member, reason=REASON)

    # then
    assert excinfo.value.messages == ["This member is no longer on Rabta."]
    assert Introduction.objects.count() == 0
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize("reason", ["", "Hi", "Let us talk please", "   short reason       "])
def test_introduction_request_with_a_too_short_reason_is_refused(member, other_member, reason):
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.introduction_request(requester=member, recipient=other_member, reason=reason)

    # then
    assert excinfo.value.message_dict == {
        "reason": ["Say in a sentence or two why you would like to meet (20 characters at least)."]
    }
    assert Introduction.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_introduction_request_accepts_a_reason_of_exactly_20_characters(member, other_member):
    # when
    introduction = services.introduction_request(requester=member, recipient=other_member, reason="x" * 20)

    # then
    assert introduction.reason == "x" * 20


def test_introduction_request_while_one_is_pending_is_refused(member, other_member):
    # given
    services.introduction_request(requester=member, recipient=other_member, reason=REASON)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.introduction_request(requester=member, recipient=other_member, reason=REASON)

    # then
    assert excinfo.value.messages == ["A request between you and this member is already waiting for an answer."]
    assert Introduction.objects.count() == 1
    assert audit_trail() == [("network.introduction.request", member.pk)]


def test_introduction_request_while_the_other_side_has_one_pending_is_refused(member, other_member):
    # given
    services.introduction_request(requester=other_member, recipient=member, reason=REASON)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.introduction_request(requester=member, recipient=other_member, reason=REASON)

    # then
    assert excinfo.value.messages == ["A request between you and this member is already waiting for an answer."]
    assert Introduction.objects.count() == 1


@pytest.mark.parametrize("accepted_direction", ["same", "reverse"])
def test_introduction_request_when_already_introduced_is_refused(member, other_member, accepted_direction):
    # given
    requester, recipient = (member, other_member) if accepted_direction == "same" else (other_member, member)
    IntroductionFactory(
        requester=requester, recipient=recipient, status=Introduction.Status.ACCEPTED, responded_at=timezone.now()
    )

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.introduction_request(requester=member, recipient=other_member, reason=REASON)

    # then
    assert excinfo.value.messages == ["You are already introduced to this member."]
    assert Introduction.objects.count() == 1
    assert AuditEntry.objects.count() == 0


def test_introduction_request_may_be_asked_again_at_once_after_a_withdrawn_one(member, other_member):
    # given
    IntroductionFactory(
        requester=member, recipient=other_member, status=Introduction.Status.WITHDRAWN, responded_at=timezone.now()
    )

    # when
    introduction = services.introduction_request(requester=member, recipient=other_member, reason=REASON)

    # then
    assert introduction.status == Introduction.Status.PENDING
    assert Introduction.objects.filter(requester=member, recipient=other_member).count() == 2


def test_introduction_request_soon_after_a_decline_is_refused_with_the_date_to_ask_again(member, other_member):
    # given
    declined_at = timezone.now().replace(year=2026, month=3, day=2, hour=12, minute=0, second=0, microsecond=0)
    IntroductionFactory(
        requester=member, recipient=other_member, status=Introduction.Status.DECLINED, responded_at=declined_at
    )

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.introduction_request(
            requester=member, recipient=other_member, reason=REASON, now=declined_at + timedelta(seconds=5)
        )

    # then
    assert excinfo.value.messages == [
        "This member declined your last request. You can ask them again from 1 April 2026, 12:00."
    ]
    assert Introduction.objects.count() == 1
    assert AuditEntry.objects.count() == 0
    assert Notification.objects.count() == 0


def test_introduction_request_after_the_cooldown_is_sent(member, other_member):
    # given
    declined_at = timezone.now() - timedelta(days=settings.RABTA["INTRODUCTION_COOLDOWN_DAYS"])
    IntroductionFactory(
        requester=member, recipient=other_member, status=Introduction.Status.DECLINED, responded_at=declined_at
    )

    # when
    introduction = services.introduction_request(requester=member, recipient=other_member, reason=REASON)

    # then
    assert introduction.status == Introduction.Status.PENDING
    assert Introduction.objects.filter(requester=member, recipient=other_member).count() == 2


def test_introduction_request_cooldown_follows_a_changed_setting(member, other_member, settings):
    # given
    settings.RABTA = {**settings.RABTA, "INTRODUCTION_COOLDOWN_DAYS": 2}
    now = timezone.now()
    IntroductionFactory(
        requester=member,
        recipient=other_member,
        status=Introduction.Status.DECLINED,
        responded_at=now - timedelta(days=2, seconds=1),
    )

    # when
    introduction = services.introduction_request(requester=member, recipient=other_member, reason=REASON, now=now)

    # then
    assert introduction.status == Introduction.Status.PENDING


def test_introduction_request_by_the_member_who_declined_is_not_held_back(member, other_member):
    # given
    IntroductionFactory(
        requester=member, recipient=other_member, status=Introduction.Status.DECLINED, responded_at=timezone.now()
    )

    # when
    introduction = services.introduction_request(requester=other_member, recipient=member, reason=REASON)

    # then
    assert (introduction.requester, introduction.status) == (other_member, Introduction.Status.PENDING)


def test_introduction_request_cap_comes_from_settings(member):
    # given
    cap = settings.RABTA["INTRODUCTION_OPEN_CAP"]
    recipients = UserFactory.create_batch(cap + 1)
    for recipient in recipients[:cap]:
        services.introduction_request(requester=member, recipient=recipient, reason=REASON)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.introduction_request(requester=member, recipient=recipients[cap], reason=REASON)

    # then
    assert excinfo.value.messages == [
        f"You already have {cap} requests waiting for an answer. "
        "Wait for replies, or withdraw one, before asking again."
    ]
    assert Introduction.objects.filter(requester=member).count() == cap
    assert AuditEntry.objects.count() == cap


def test_introduction_request_cap_follows_a_changed_setting(member, settings):
    # given
    settings.RABTA = {**settings.RABTA, "INTRODUCTION_OPEN_CAP": 2}
    first, second, third = UserFactory.create_batch(3)
    services.introduction_request(requester=member, recipient=first, reason=REASON)
    services.introduction_request(requester=member, recipient=second, reason=REASON)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.introduction_request(requester=member, recipient=third, reason=REASON)

    # then
    assert excinfo.value.messages == [
        "You already have 2 requests waiting for an answer. Wait for replies, or withdraw one, before asking again."
    ]
    assert Introduction.objects.filter(requester=member).count() == 2


def test_introduction_request_cap_counts_only_open_requests(member, settings):
    # given
    settings.RABTA = {**settings.RABTA, "INTRODUCTION_OPEN_CAP": 2}
    now = timezone.now()
    first, second, third, fourth = UserFactory.create_batch(4)
    withdrawn = services.introduction_request(requester=member, recipient=first, reason=REASON, now=now)
    services.introduction_withdraw(actor=member, introduction=withdrawn, now=now)
    IntroductionFactory(requester=member, recipient=second, created_at=now - timedelta(days=20))  # lapsed
    IntroductionFactory(requester=first, recipient=member)  # received, not sent
    services.introduction_request(requester=member, recipient=third, reason=REASON, now=now)

    # when
    introduction = services.introduction_request(requester=member, recipient=fourth, reason=REASON, now=now)

    # then
    assert introduction.status == Introduction.Status.PENDING
    assert Introduction.objects.filter(requester=member).open(now=now).count() == 2


def test_introduction_request_frees_a_place_when_one_is_withdrawn(member, settings):
    # given
    settings.RABTA = {**settings.RABTA, "INTRODUCTION_OPEN_CAP": 1}
    first, second = UserFactory.create_batch(2)
    waiting = services.introduction_request(requester=member, recipient=first, reason=REASON)
    with pytest.raises(ValidationError):
        services.introduction_request(requester=member, recipient=second, reason=REASON)
    services.introduction_withdraw(actor=member, introduction=waiting)

    # when
    introduction = services.introduction_request(requester=member, recipient=second, reason=REASON)

    # then
    assert introduction.recipient == second
    assert introduction.status == Introduction.Status.PENDING


def test_introduction_request_expires_a_lapsed_pending_request_between_the_two(member, other_member):
    # given
    now = timezone.now()
    lapsed = IntroductionFactory(requester=member, recipient=other_member, created_at=now - timedelta(days=15))
    assert lapsed.expires_at < now

    # when
    introduction = services.introduction_request(requester=member, recipient=other_member, reason=REASON, now=now)

    # then
    lapsed.refresh_from_db()
    assert lapsed.status == Introduction.Status.EXPIRED
    assert introduction.status == Introduction.Status.PENDING
    assert audit_trail() == [("network.introduction.expire", None), ("network.introduction.request", member.pk)]
    expire_entry = AuditEntry.objects.get(event="network.introduction.expire")
    assert expire_entry.target_id == str(lapsed.pk)


def test_introduction_request_leaves_lapsed_requests_of_other_pairs_alone(member, other_member, third_member):
    # given
    now = timezone.now()
    elsewhere = IntroductionFactory(requester=member, recipient=third_member, created_at=now - timedelta(days=15))

    # when
    services.introduction_request(requester=member, recipient=other_member, reason=REASON, now=now)

    # then
    elsewhere.refresh_from_db()
    assert elsewhere.status == Introduction.Status.PENDING
    assert audit_trail() == [("network.introduction.request", member.pk)]


# --- Introductions: answers ------------------------------------------------------


@pytest.fixture
def pending(member, other_member):
    """Ayesha (member) asked Bilal (other_member); nothing answered yet."""
    return services.introduction_request(requester=member, recipient=other_member, reason=REASON)


@pytest.fixture
def accepted(member, other_member):
    return IntroductionFactory(
        requester=member, recipient=other_member, status=Introduction.Status.ACCEPTED, responded_at=timezone.now()
    )


def test_introduction_accept_by_the_recipient(
    pending, member, other_member, run_tasks, django_capture_on_commit_callbacks
):
    # given
    now = timezone.now()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        introduction = services.introduction_accept(
            actor=other_member, introduction=pending, ip_address="198.51.100.1", now=now
        )
    run_tasks()

    # then
    introduction.refresh_from_db()
    assert introduction.status == Introduction.Status.ACCEPTED
    assert introduction.responded_at == now
    assert audit_trail() == [
        ("network.introduction.request", member.pk),
        ("network.introduction.accept", other_member.pk),
    ]
    assert AuditEntry.objects.get(event="network.introduction.accept").ip_address == "198.51.100.1"
    notification = Notification.objects.get(recipient=member)
    assert notification.kind == "network.introduction.accept"
    assert notification.url == f"/introductions/{pending.pk}/"
    message = "Bilal Ahmed accepted your introduction request. Their contact details are now on their profile."
    assert notification.message == message
    assert sent_mail() == [(f"[Rabta] {message}", [member.email])]


@pytest.mark.parametrize("who", ["requester", "stranger"])
def test_introduction_accept_by_anyone_but_the_recipient_is_refused(pending, member, third_member, who):
    # given
    actor = member if who == "requester" else third_member

    # when
    with pytest.raises(PermissionDenied):
        services.introduction_accept(actor=actor, introduction=pending)

    # then
    pending.refresh_from_db()
    assert pending.status == Introduction.Status.PENDING
    assert pending.responded_at is None
    assert audit_trail() == [("network.introduction.request", member.pk)]


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (Introduction.Status.ACCEPTED, "This request has already been answered (accepted)."),
        (Introduction.Status.DECLINED, "This request has already been answered (declined)."),
        (Introduction.Status.WITHDRAWN, "This request has already been answered (withdrawn)."),
        (Introduction.Status.EXPIRED, "This request has already been answered (expired)."),
    ],
)
def test_introduction_accept_of_an_answered_request_is_refused(member, other_member, status, message):
    # given
    introduction = IntroductionFactory(requester=member, recipient=other_member, status=status)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.introduction_accept(actor=other_member, introduction=introduction)

    # then
    assert excinfo.value.messages == [message]
    introduction.refresh_from_db()
    assert introduction.status == status
    assert AuditEntry.objects.count() == 0


def test_introduction_accept_of_a_lapsed_request_is_refused(pending, other_member):
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.introduction_accept(
            actor=other_member, introduction=pending, now=pending.expires_at + timedelta(seconds=1)
        )

    # then
    assert excinfo.value.messages == ["This request has expired."]
    pending.refresh_from_db()
    assert pending.status == Introduction.Status.PENDING
    assert AuditEntry.objects.filter(event="network.introduction.accept").count() == 0


def test_introduction_decline_by_the_recipient_with_a_note(
    pending, member, other_member, run_tasks, django_capture_on_commit_callbacks
):
    # given
    now = timezone.now()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.introduction_decline(
            actor=other_member, introduction=pending, note="  Not taking new mentees this year.  ", now=now
        )
    run_tasks()

    # then
    pending.refresh_from_db()
    assert pending.status == Introduction.Status.DECLINED
    assert pending.decline_note == "Not taking new mentees this year."
    assert pending.responded_at == now
    assert audit_trail() == [
        ("network.introduction.request", member.pk),
        ("network.introduction.decline", other_member.pk),
    ]
    notification = Notification.objects.get(recipient=member)
    assert notification.kind == "network.introduction.decline"
    assert notification.message == "Bilal Ahmed declined your introduction request."
    assert sent_mail() == [("[Rabta] Bilal Ahmed declined your introduction request.", [member.email])]


def test_introduction_decline_cuts_the_note_to_500_characters(pending, other_member):
    # when
    services.introduction_decline(actor=other_member, introduction=pending, note="n" * 600)

    # then
    pending.refresh_from_db()
    assert pending.decline_note == "n" * 500


@pytest.mark.parametrize("who", ["requester", "stranger"])
def test_introduction_decline_by_anyone_but_the_recipient_is_refused(pending, member, third_member, who):
    # given
    actor = member if who == "requester" else third_member

    # when
    with pytest.raises(PermissionDenied):
        services.introduction_decline(actor=actor, introduction=pending, note="no")

    # then
    pending.refresh_from_db()
    assert pending.status == Introduction.Status.PENDING
    assert pending.decline_note == ""
    assert Notification.objects.filter(recipient=member).count() == 0


def test_introduction_decline_of_an_accepted_request_is_refused(accepted, other_member):
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.introduction_decline(actor=other_member, introduction=accepted)

    # then
    assert excinfo.value.messages == ["This request has already been answered (accepted)."]
    accepted.refresh_from_db()
    assert accepted.status == Introduction.Status.ACCEPTED


def test_introduction_withdraw_by_the_requester(pending, member, django_capture_on_commit_callbacks):
    # given
    now = timezone.now()

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.introduction_withdraw(actor=member, introduction=pending, now=now)

    # then
    pending.refresh_from_db()
    assert pending.status == Introduction.Status.WITHDRAWN
    assert pending.responded_at == now
    assert audit_trail() == [
        ("network.introduction.request", member.pk),
        ("network.introduction.withdraw", member.pk),
    ]
    assert callbacks == []  # nobody is notified
    assert Notification.objects.count() == 1  # only the original request's


@pytest.mark.parametrize("who", ["recipient", "stranger"])
def test_introduction_withdraw_by_anyone_but_the_requester_is_refused(pending, other_member, third_member, who):
    # given
    actor = other_member if who == "recipient" else third_member

    # when
    with pytest.raises(PermissionDenied):
        services.introduction_withdraw(actor=actor, introduction=pending)

    # then
    pending.refresh_from_db()
    assert pending.status == Introduction.Status.PENDING
    assert AuditEntry.objects.filter(event="network.introduction.withdraw").count() == 0


def test_introduction_withdraw_of_a_declined_request_is_refused(member, other_member):
    # given
    introduction = IntroductionFactory(requester=member, recipient=other_member, status=Introduction.Status.DECLINED)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.introduction_withdraw(actor=member, introduction=introduction)

    # then
    assert excinfo.value.messages == ["This request has already been answered (declined)."]
    introduction.refresh_from_db()
    assert introduction.status == Introduction.Status.DECLINED


@pytest.mark.parametrize("side", ["requester", "recipient"])
def test_introduction_record_outcome_by_either_side(accepted, member, other_member, side):
    # given
    actor = member if side == "requester" else other_member

    # when
    services.introduction_record_outcome(
        actor=actor, introduction=accepted, outcome=Introduction.Outcome.MENTORING, note="  Monthly calls.  "
    )

    # then
    accepted.refresh_from_db()
    assert accepted.outcome == "mentoring"
    assert accepted.outcome_note == "Monthly calls."
    assert accepted.status == Introduction.Status.ACCEPTED
    assert audit_trail() == [("network.introduction.outcome", actor.pk)]
    assert AuditEntry.objects.get().data == {"outcome": "mentoring"}


def test_introduction_record_outcome_by_a_stranger_is_refused(accepted, third_member):
    # when
    with pytest.raises(PermissionDenied):
        services.introduction_record_outcome(actor=third_member, introduction=accepted, outcome="met")

    # then
    accepted.refresh_from_db()
    assert accepted.outcome == ""
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize(
    "status", [Introduction.Status.PENDING, Introduction.Status.DECLINED, Introduction.Status.WITHDRAWN]
)
def test_introduction_record_outcome_of_an_unaccepted_introduction_is_refused(member, other_member, status):
    # given
    introduction = IntroductionFactory(requester=member, recipient=other_member, status=status)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.introduction_record_outcome(actor=member, introduction=introduction, outcome="met")

    # then
    assert excinfo.value.messages == ["Outcomes can be recorded only for accepted introductions."]
    introduction.refresh_from_db()
    assert introduction.outcome == ""
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize("outcome", ["", "married", "MET"])
def test_introduction_record_outcome_with_an_unknown_outcome_is_refused(accepted, member, outcome):
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.introduction_record_outcome(actor=member, introduction=accepted, outcome=outcome)

    # then
    assert excinfo.value.message_dict == {"outcome": ["Choose what came of the introduction."]}
    accepted.refresh_from_db()
    assert accepted.outcome == ""
    assert AuditEntry.objects.count() == 0


# --- Introductions: expiry -------------------------------------------------------


def test_introduction_expire_expires_a_lapsed_request_and_tells_the_requester(
    member, other_member, run_tasks, django_capture_on_commit_callbacks
):
    # given
    introduction = IntroductionFactory(
        requester=member, recipient=other_member, created_at=timezone.now() - timedelta(days=15)
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        expired = services.introduction_expire(introduction_id=introduction.pk)
    run_tasks()

    # then
    assert expired is True
    introduction.refresh_from_db()
    assert introduction.status == Introduction.Status.EXPIRED
    assert introduction.responded_at is None
    assert audit_trail() == [("network.introduction.expire", None)]
    notification = Notification.objects.get()
    assert notification.recipient == member
    assert notification.kind == "network.introduction.expire"
    assert notification.message == "Your introduction request to Bilal Ahmed expired without an answer."
    assert notification.url == "/introductions/"
    assert sent_mail() == [
        ("[Rabta] Your introduction request to Bilal Ahmed expired without an answer.", [member.email])
    ]


def test_introduction_expire_is_safe_to_call_twice(member, other_member):
    # given
    introduction = IntroductionFactory(
        requester=member, recipient=other_member, created_at=timezone.now() - timedelta(days=15)
    )
    services.introduction_expire(introduction_id=introduction.pk)

    # when
    second = services.introduction_expire(introduction_id=introduction.pk)

    # then
    assert second is False
    assert audit_trail() == [("network.introduction.expire", None)]
    assert Notification.objects.count() == 1


def test_introduction_expire_leaves_a_request_that_has_not_lapsed(pending):
    # when
    expired = services.introduction_expire(introduction_id=pending.pk, now=pending.expires_at - timedelta(seconds=1))

    # then
    assert expired is False
    pending.refresh_from_db()
    assert pending.status == Introduction.Status.PENDING


def test_introduction_expire_leaves_an_answered_request(accepted):
    # when
    expired = services.introduction_expire(introduction_id=accepted.pk, now=accepted.expires_at + timedelta(days=1))

    # then
    assert expired is False
    accepted.refresh_from_db()
    assert accepted.status == Introduction.Status.ACCEPTED
    assert AuditEntry.objects.count() == 0


def test_introduction_expire_of_an_unknown_request_returns_false(db):
    # when
    expired = services.introduction_expire(introduction_id=987654)

    # then
    assert expired is False


def test_introduction_expiry_task_runs_when_the_request_lapses(
    member, other_member, run_tasks, django_capture_on_commit_callbacks
):
    # given: a request made fifteen days ago, whose time ran out yesterday
    asked_at = timezone.now() - timedelta(days=15)
    with django_capture_on_commit_callbacks(execute=True):
        introduction = services.introduction_request(
            requester=member, recipient=other_member, reason=REASON, now=asked_at
        )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        first_run = run_tasks()
    second_run = run_tasks()

    # then
    assert first_run == 2  # the request's email and the expiry
    assert second_run == 1  # the expiry's email
    introduction.refresh_from_db()
    assert introduction.status == Introduction.Status.EXPIRED
    assert sorted(sent_mail()) == [
        ("[Rabta] Ayesha Khan asks to be introduced to you.", [other_member.email]),
        ("[Rabta] Your introduction request to Bilal Ahmed expired without an answer.", [member.email]),
    ]
    assert DBTaskResult.objects.exclude(status="SUCCESSFUL").count() == 0


def test_introduction_expiry_task_does_nothing_once_the_request_was_answered(
    member, other_member, run_tasks, django_capture_on_commit_callbacks
):
    # given
    asked_at = timezone.now() - timedelta(days=15)
    with django_capture_on_commit_callbacks(execute=True):
        introduction = services.introduction_request(
            requester=member, recipient=other_member, reason=REASON, now=asked_at
        )
    services.introduction_accept(actor=other_member, introduction=introduction, now=asked_at + timedelta(days=1))

    # when
    run_tasks()

    # then
    introduction.refresh_from_db()
    assert introduction.status == Introduction.Status.ACCEPTED
    assert AuditEntry.objects.filter(event="network.introduction.expire").count() == 0
    assert DBTaskResult.objects.get(task_path="network.tasks.expire_introduction").return_value is False


# --- Profiles ------------------------------------------------------------------


def test_profile_ensure_creates_a_profile_named_after_the_email(db):
    # given
    user = UserFactory(email="zainab.qureshi@example.org")

    # when
    profile = services.profile_ensure(user=user)

    # then
    assert profile.user == user
    assert profile.display_name == "zainab.qureshi"
    assert Profile.objects.filter(user=user).count() == 1


def test_profile_ensure_returns_the_existing_profile(member):
    # when
    profile = services.profile_ensure(user=member)

    # then
    assert profile.pk == member.profile.pk
    assert profile.display_name == "Ayesha Khan"
    assert Profile.objects.filter(user=member).count() == 1


def test_profile_update_saves_changed_fields_and_audits_them(member):
    # given
    profile = member.profile
    fintech = Sector.objects.get(slug="fintech")
    urdu = Language.objects.get(code="ur")
    english = Language.objects.get(code="en")

    # when
    services.profile_update(
        profile=profile,
        data={"display_name": "Ayesha Khan", "headline": "Staff engineer", "city": "London", "country": "GB"},
        sectors=[fintech],
        languages=[urdu, english],
        ip_address="192.0.2.10",
    )

    # then
    profile.refresh_from_db()
    assert profile.headline == "Staff engineer"
    assert profile.city == "London"
    assert profile.country.code == "GB"
    assert list(profile.sectors.values_list("slug", flat=True)) == ["fintech"]
    assert sorted(profile.languages.values_list("code", flat=True)) == ["en", "ur"]
    entry = AuditEntry.objects.get()
    assert (entry.event, entry.actor_id) == ("network.profile.update", member.pk)
    assert (entry.target_type, entry.target_id) == ("network.profile", str(profile.pk))
    assert entry.data == {"fields": ["city", "country", "headline"]}
    assert entry.ip_address == "192.0.2.10"


def test_profile_update_with_an_unknown_time_zone_saves_nothing(member):
    # given
    profile = member.profile

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.profile_update(profile=profile, data={"timezone": "Mars/Olympus", "city": "Jezero"})

    # then
    assert excinfo.value.message_dict["timezone"] == [
        "“Mars/Olympus” is not a known time zone. Choose one such as Asia/Karachi or America/Los_Angeles."
    ]
    profile.refresh_from_db()
    assert profile.timezone == "Asia/Karachi"
    assert profile.city == "Lahore"
    assert AuditEntry.objects.count() == 0


def test_profile_update_re_encodes_the_photo_as_a_jpeg(member, media_root):
    # given
    upload = image_upload("holiday.png", size=(1600, 1200), image_format="PNG")

    # when
    services.profile_update(profile=member.profile, data={}, photo=upload)

    # then
    profile = Profile.objects.get(pk=member.profile.pk)
    assert profile.photo.name.startswith("photos/")
    assert profile.photo.name.endswith(".jpg")
    assert "holiday" not in profile.photo.name
    with profile.photo.open("rb") as handle, Image.open(handle) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (800, 600)
    assert AuditEntry.objects.get().data == {"fields": ["photo"]}


def test_profile_update_drops_the_photos_exif_data(member, media_root):
    # given
    exif = Image.Exif()
    exif[0x010E] = "Taken at home, 31.5204 N 74.3587 E"  # ImageDescription
    upload = image_upload("camera.jpg", image_format="JPEG", exif=exif)
    with Image.open(upload) as original:
        assert dict(original.getexif()) != {}
    upload.seek(0)

    # when
    services.profile_update(profile=member.profile, data={}, photo=upload)

    # then
    profile = Profile.objects.get(pk=member.profile.pk)
    with profile.photo.open("rb") as handle, Image.open(handle) as stored:
        assert dict(stored.getexif()) == {}
    with profile.photo.open("rb") as handle:
        assert b"31.5204" not in handle.read()


def test_profile_update_removes_the_old_photo_after_commit(member, media_root, django_capture_on_commit_callbacks):
    # given
    services.profile_update(profile=member.profile, data={}, photo=image_upload("first.png"))
    profile = Profile.objects.get(pk=member.profile.pk)
    old_name = profile.photo.name
    storage = profile.photo.storage
    assert storage.exists(old_name)

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.profile_update(profile=profile, data={}, photo=image_upload("second.png", color=(200, 0, 0)))
        assert storage.exists(old_name)  # not before the commit

    # then
    assert len(callbacks) == 2  # the old photo removed, and the public profile page refreshed
    profile.refresh_from_db()
    assert profile.photo.name != old_name
    assert not storage.exists(old_name)
    assert storage.exists(profile.photo.name)
    assert audit_trail() == [("network.profile.update", member.pk), ("network.profile.update", member.pk)]


def test_profile_update_remove_photo_deletes_the_file(member, media_root, django_capture_on_commit_callbacks):
    # given
    services.profile_update(profile=member.profile, data={}, photo=image_upload())
    profile = Profile.objects.get(pk=member.profile.pk)
    old_name = profile.photo.name
    storage = profile.photo.storage

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.profile_update(profile=profile, data={}, remove_photo=True)

    # then
    profile.refresh_from_db()
    assert profile.photo.name == ""
    assert not storage.exists(old_name)
    assert AuditEntry.objects.order_by("id").last().data == {"fields": ["photo"]}


def test_profile_update_with_invalid_data_stores_no_photo(member, media_root):
    # given
    profile = member.profile

    # when
    with pytest.raises(ValidationError):
        services.profile_update(profile=profile, data={"timezone": "Mars/Olympus"}, photo=image_upload())

    # then
    profile.refresh_from_db()
    assert profile.photo.name == ""
    photos = media_root / "photos"
    assert not photos.exists() or list(photos.iterdir()) == []
    assert AuditEntry.objects.count() == 0


# --- Organisations -------------------------------------------------------------


def test_organisation_create_makes_the_creator_its_owner(member):
    # given
    saas = Sector.objects.get(slug="saas")

    # when
    organisation = services.organisation_create(
        creator=member,
        data={"name": "Lahore AI Lab", "kind": Organisation.Kind.INCUBATOR, "city": "Lahore", "country": "PK"},
        sectors=[saas],
        ip_address="192.0.2.1",
    )

    # then
    organisation.refresh_from_db()
    assert organisation.slug == "lahore-ai-lab"
    assert organisation.kind == "incubator"
    assert list(organisation.sectors.values_list("slug", flat=True)) == ["saas"]
    assert list(organisation.memberships.values_list("user_id", "role")) == [(member.pk, "owner")]
    entry = AuditEntry.objects.get()
    assert (entry.event, entry.actor_id) == ("network.organisation.create", member.pk)
    assert (entry.target_type, entry.target_id) == ("network.organisation", str(organisation.pk))
    assert entry.data == {"kind": "incubator"}
    assert entry.ip_address == "192.0.2.1"


def test_organisation_create_gives_each_organisation_a_unique_slug(member, other_member):
    # given
    data = {"name": "Karachi Ventures", "kind": Organisation.Kind.STARTUP}

    # when
    first = services.organisation_create(creator=member, data=dict(data))
    second = services.organisation_create(creator=other_member, data=dict(data))
    third = services.organisation_create(creator=member, data=dict(data))

    # then
    assert [first.slug, second.slug, third.slug] == ["karachi-ventures", "karachi-ventures-2", "karachi-ventures-3"]


def test_organisation_create_with_a_name_without_latin_letters_gets_a_fallback_slug(member):
    # when
    organisation = services.organisation_create(creator=member, data={"name": "رابطہ", "kind": "startup"})

    # then
    assert organisation.slug == "organisation"


def test_organisation_create_never_takes_a_slug_that_a_page_uses(member):
    # when: /organisations/new/ is the form to add an organisation
    organisation = services.organisation_create(creator=member, data={"name": "New", "kind": "startup"})

    # then
    assert organisation.slug == "new-2"


def test_organisation_create_with_invalid_data_saves_nothing(member):
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.organisation_create(creator=member, data={"name": "Old Co", "kind": "startup", "founded_year": 1800})

    # then
    assert excinfo.value.message_dict == {"founded_year": ["Ensure this value is greater than or equal to 1947."]}
    assert Organisation.objects.count() == 0
    assert Membership.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_organisation_update_saves_changed_fields_and_audits_them(member):
    # given
    organisation = services.organisation_create(creator=member, data={"name": "Lahore AI Lab", "kind": "startup"})
    edtech = Sector.objects.get(slug="edtech")

    # when
    services.organisation_update(
        actor=member,
        organisation=organisation,
        data={"name": "Lahore AI Lab", "tagline": "Models for Urdu", "founded_year": 2021},
        sectors=[edtech],
    )

    # then
    organisation.refresh_from_db()
    assert organisation.tagline == "Models for Urdu"
    assert organisation.founded_year == 2021
    assert organisation.slug == "lahore-ai-lab"
    assert list(organisation.sectors.values_list("slug", flat=True)) == ["edtech"]
    assert audit_trail() == [("network.organisation.create", member.pk), ("network.organisation.update", member.pk)]
    assert AuditEntry.objects.get(event="network.organisation.update").data == {"fields": ["founded_year", "tagline"]}


def test_organisation_update_with_invalid_data_saves_nothing(member):
    # given
    organisation = OrganisationFactory(name="Lahore AI Lab")

    # when
    with pytest.raises(ValidationError):
        services.organisation_update(actor=member, organisation=organisation, data={"founded_year": 1800})

    # then
    organisation.refresh_from_db()
    assert organisation.founded_year is None
    assert AuditEntry.objects.count() == 0


# --- Memberships ---------------------------------------------------------------


@pytest.fixture
def organisation(member):
    """Lahore AI Lab, owned by Ayesha (member)."""
    organisation = OrganisationFactory(name="Lahore AI Lab", slug="lahore-ai-lab")
    MembershipFactory(organisation=organisation, user=member, role=Membership.Role.OWNER)
    return organisation


def test_membership_add_finds_the_member_by_email(
    organisation, member, other_member, run_tasks, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_add(
            actor=member,
            organisation=organisation,
            email=f"  {other_member.email.upper()} ",
            role=Membership.Role.ADMIN,
            title="CTO",
            ip_address="192.0.2.5",
        )
    run_tasks()

    # then
    membership.refresh_from_db()
    assert (membership.user, membership.role, membership.title) == (other_member, "admin", "CTO")
    entry = AuditEntry.objects.get()
    assert (entry.event, entry.actor_id) == ("network.membership.create", member.pk)
    assert entry.target_id == str(membership.pk)
    assert entry.data == {"organisation": organisation.pk, "user": other_member.pk, "role": "admin"}
    notification = Notification.objects.get()
    assert notification.recipient == other_member
    assert notification.kind == "network.membership.create"
    assert notification.message == "You were added to Lahore AI Lab as Admin."
    assert notification.url == "/organisations/lahore-ai-lab/"
    assert sent_mail() == [("[Rabta] You were added to Lahore AI Lab as Admin.", [other_member.email])]


@pytest.mark.parametrize("email", ["nobody@example.org", "not-an-email"])
def test_membership_add_with_an_unknown_email_is_refused(organisation, member, email):
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.membership_add(actor=member, organisation=organisation, email=email, role="member")

    # then
    assert excinfo.value.message_dict == {
        "email": ["No Rabta member uses this email address. Ask them to sign up first."]
    }
    assert organisation.memberships.count() == 1
    assert AuditEntry.objects.count() == 0
    assert Notification.objects.count() == 0


def test_membership_add_of_an_inactive_member_is_refused(organisation, member, other_member):
    # given
    other_member.is_active = False
    other_member.save()

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.membership_add(actor=member, organisation=organisation, email=other_member.email, role="member")

    # then
    assert excinfo.value.message_dict == {
        "email": ["No Rabta member uses this email address. Ask them to sign up first."]
    }
    assert organisation.memberships.count() == 1


def test_membership_add_of_an_existing_member_is_refused(organisation, member, other_member):
    # given
    MembershipFactory(organisation=organisation, user=other_member)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.membership_add(actor=member, organisation=organisation, email=other_member.email, role="admin")

    # then
    assert excinfo.value.message_dict == {"email": ["This person is already a member of Lahore AI Lab."]}
    assert organisation.memberships.get(user=other_member).role == "member"
    assert AuditEntry.objects.count() == 0


def test_membership_add_with_an_unknown_role_is_refused(organisation, member, other_member):
    # when
    with pytest.raises(ValidationError) as excinfo:
        services.membership_add(actor=member, organisation=organisation, email=other_member.email, role="king")

    # then
    assert excinfo.value.message_dict == {"role": ["Choose owner, admin or member."]}
    assert organisation.memberships.count() == 1


def test_membership_update_role_changes_the_role(organisation, member, other_member):
    # given
    membership = MembershipFactory(organisation=organisation, user=other_member, role="member")

    # when
    services.membership_update_role(actor=member, membership=membership, role="admin", ip_address="192.0.2.9")

    # then
    membership.refresh_from_db()
    assert membership.role == "admin"
    entry = AuditEntry.objects.get()
    assert (entry.event, entry.actor_id) == ("network.membership.update", member.pk)
    assert entry.target_id == str(membership.pk)
    assert entry.data == {"from": "member", "to": "admin"}


def test_membership_update_role_with_an_unknown_role_is_refused(organisation, member, other_member):
    # given
    membership = MembershipFactory(organisation=organisation, user=other_member, role="member")

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.membership_update_role(actor=member, membership=membership, role="king")

    # then
    assert excinfo.value.message_dict == {"role": ["Choose owner, admin or member."]}
    membership.refresh_from_db()
    assert membership.role == "member"


@pytest.mark.parametrize("role", ["admin", "member"])
def test_membership_update_role_cannot_demote_the_last_owner(organisation, member, other_member, role):
    # given
    MembershipFactory(organisation=organisation, user=other_member, role="admin")
    owner = organisation.memberships.get(user=member)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.membership_update_role(actor=member, membership=owner, role=role)

    # then
    assert excinfo.value.messages == ["An organisation needs at least one owner. Make someone else owner first."]
    owner.refresh_from_db()
    assert owner.role == "owner"
    assert AuditEntry.objects.count() == 0


def test_membership_update_role_may_demote_an_owner_when_another_remains(organisation, member, other_member):
    # given
    MembershipFactory(organisation=organisation, user=other_member, role="owner")
    owner = organisation.memberships.get(user=member)

    # when
    services.membership_update_role(actor=member, membership=owner, role="member")

    # then
    assert dict(organisation.memberships.values_list("user_id", "role")) == {
        member.pk: "member",
        other_member.pk: "owner",
    }
    assert audit_trail() == [("network.membership.update", member.pk)]


def test_membership_remove_deletes_the_membership(organisation, member, other_member):
    # given
    membership = MembershipFactory(organisation=organisation, user=other_member, role="admin")
    membership_pk = membership.pk

    # when
    services.membership_remove(actor=member, membership=membership, ip_address="192.0.2.3")

    # then
    assert not Membership.objects.filter(pk=membership_pk).exists()
    assert list(organisation.memberships.values_list("user_id", flat=True)) == [member.pk]
    entry = AuditEntry.objects.get()
    assert (entry.event, entry.actor_id) == ("network.membership.delete", member.pk)
    assert entry.target_id == str(membership_pk)
    assert entry.data == {"organisation": organisation.pk, "user": other_member.pk, "role": "admin"}


def test_membership_remove_cannot_remove_the_last_owner(organisation, member, other_member):
    # given
    MembershipFactory(organisation=organisation, user=other_member, role="admin")
    owner = organisation.memberships.get(user=member)

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.membership_remove(actor=other_member, membership=owner)

    # then
    assert excinfo.value.messages == ["An organisation needs at least one owner. Make someone else owner first."]
    assert organisation.memberships.filter(user=member, role="owner").exists()
    assert AuditEntry.objects.count() == 0


def test_membership_remove_may_remove_an_owner_when_another_remains(organisation, member, other_member):
    # given
    MembershipFactory(organisation=organisation, user=other_member, role="owner")
    owner = organisation.memberships.get(user=member)

    # when
    services.membership_remove(actor=other_member, membership=owner)

    # then
    assert list(organisation.memberships.values_list("user_id", "role")) == [(other_member.pk, "owner")]


def test_membership_remove_decides_on_the_current_role_not_a_stale_copy(organisation, member, other_member):
    # given: a page loaded Bilal's membership while he was a plain member…
    stale = MembershipFactory(organisation=organisation, user=other_member, role="member")
    # …then he became owner and Ayesha stepped down, so he is now the only owner.
    services.membership_update_role(actor=member, membership=Membership.objects.get(pk=stale.pk), role="owner")
    services.membership_update_role(actor=member, membership=organisation.memberships.get(user=member), role="admin")

    # when
    with pytest.raises(ValidationError) as excinfo:
        services.membership_remove(actor=member, membership=stale)

    # then
    assert excinfo.value.messages == ["An organisation needs at least one owner. Make someone else owner first."]
    assert organisation.memberships.filter(role="owner").count() == 1


# --- Ownership is handed out by owners only ---------------------------------------


def test_an_admin_cannot_make_themselves_owner(organisation, other_member):
    # given
    admin = MembershipFactory(organisation=organisation, user=other_member, role="admin")

    # when
    with pytest.raises(PermissionDenied):
        services.membership_update_role(actor=other_member, membership=admin, role="owner")

    # then
    admin.refresh_from_db()
    assert admin.role == "admin"
    assert audit_trail() == []


def test_an_admin_cannot_remove_or_demote_an_owner(organisation, member, other_member, third_member):
    # given: two owners, so the last-owner rule is not what refuses
    MembershipFactory(organisation=organisation, user=third_member, role="owner")
    MembershipFactory(organisation=organisation, user=other_member, role="admin")
    owner = organisation.memberships.get(user=member)

    # when / then
    with pytest.raises(PermissionDenied):
        services.membership_update_role(actor=other_member, membership=owner, role="member")
    with pytest.raises(PermissionDenied):
        services.membership_remove(actor=other_member, membership=owner)

    # then
    assert dict(organisation.memberships.values_list("user_id", "role")) == {
        member.pk: "owner",
        other_member.pk: "admin",
        third_member.pk: "owner",
    }
    assert audit_trail() == []


def test_an_admin_cannot_add_an_owner(organisation, other_member, third_member):
    # given
    MembershipFactory(organisation=organisation, user=other_member, role="admin")

    # when
    with pytest.raises(ValidationError) as error:
        services.membership_add(actor=other_member, organisation=organisation, email=third_member.email, role="owner")

    # then
    assert error.value.message_dict == {"role": ["Only an owner can add another owner."]}
    assert not organisation.memberships.filter(user=third_member).exists()


def test_an_admin_manages_plain_members(organisation, other_member, third_member):
    # given
    MembershipFactory(organisation=organisation, user=other_member, role="admin")

    # when
    membership = services.membership_add(
        actor=other_member, organisation=organisation, email=third_member.email, role="member"
    )
    services.membership_update_role(actor=other_member, membership=membership, role="admin")

    # then
    assert organisation.memberships.get(user=third_member).role == "admin"
