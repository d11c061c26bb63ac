"""Reads of the network app. Each returns a queryset that already fetches
what its page shows, so a page's query count does not grow with its data."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from network.models import Introduction, Membership, Notification, Organisation, Profile, Sector, User


def profile_list() -> QuerySet[Profile]:
    """Listed member profiles for the directory, with sectors and languages prefetched."""
    return (
        Profile.objects.listed()
        .select_related("user")
        .prefetch_related(
            Prefetch("sectors", queryset=Sector.objects.order_by("name")),
            "languages",
        )
        .annotate(
            is_incubator_staff=Exists(
                Membership.objects.filter(
                    user_id=OuterRef("user_id"),
                    organisation__kind__in=[
                        Organisation.Kind.INCUBATOR,
                        Organisation.Kind.CENTRE,
                        Organisation.Kind.TECH_PARK,
                    ],
                )
            )
        )
        .order_by("display_name", "id")
    )


def profile_get(*, user_id: int) -> Profile:
    return Profile.objects.listed().select_related("user").prefetch_related("sectors", "languages").get(user_id=user_id)


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__name")


def organisation_list() -> QuerySet[Organisation]:
    return (
        Organisation.objects.prefetch_related(Prefetch("sectors", queryset=Sector.objects.order_by("name")))
        .annotate(member_count=Count("memberships", distinct=True))
        .order_by("name", "id")
    )


def organisation_get(*, slug: str) -> Organisation:
    return Organisation.objects.prefetch_related(
        "sectors",
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("user__profile").order_by("role", "user__profile__display_name"),
        ),
    ).get(slug=slug)


def introduction_list_received(*, user: User) -> QuerySet[Introduction]:
    return Introduction.objects.filter(recipient=user).select_related("requester__profile", "recipient__profile")


def introduction_list_sent(*, user: User) -> QuerySet[Introduction]:
    return Introduction.objects.filter(requester=user).select_related("requester__profile", "recipient__profile")


def introduction_between(*, user: User, other: User) -> Introduction | None:
    """The most recent introduction between the two members, either way."""
    return (
        Introduction.objects.filter(
            Q(requester=user, recipient=other) | Q(requester=other, recipient=user),
        )
        .order_by("-created_at", "-id")
        .first()
    )


def notification_list(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


UNREAD_KEY = "notifications:unread:{}"


def notification_unread_count(*, user: User) -> int:
    """The header's unread count, on every page a member opens: kept in the cache, forgotten when a
    notification is created, read or deleted (``network.receivers``, ``services.notification_mark_read``)."""
    key = UNREAD_KEY.format(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        cache.set(key, count, 3600)
    return count


def notification_unread_forget(*, user_id: int) -> None:
    cache.delete(UNREAD_KEY.format(user_id))
