"""Reads of the network app. Each returns a queryset that already fetches
what its page shows, so a page's query count does not grow with its data."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from network.models import Introduction, Membership, Notification, Organisation, Profile, Sector, User
from network.permissions import MANAGER_ROLES


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


def profile_get(*, user_id: int, viewer=None) -> Profile:
    """A profile ``viewer`` may open (``Profile.DoesNotExist`` otherwise: deactivated, or members-only
    and ``viewer`` is a visitor)."""
    return (
        Profile.objects.visible_to(viewer)
        .select_related("user")
        .prefetch_related("sectors", "languages")
        .get(user_id=user_id)
    )


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__name")


def organisation_list() -> QuerySet[Organisation]:
    return (
        Organisation.objects.prefetch_related(Prefetch("sectors", queryset=Sector.objects.order_by("name")))
        .annotate(member_count=Count("memberships", distinct=True))
        .order_by("name", "id")
    )


def organisation_public_list() -> QuerySet[Organisation]:
    """Organisations whose page anyone may open, visitors included: every one (``organisation_get``
    serves each, with only the members the viewer may see), with what the sitemap reads, by slug."""
    return Organisation.objects.only("slug", "updated_at").order_by("slug")


def startup_list_managed_by(*, user) -> QuerySet[Organisation]:
    """The startups ``user`` runs as owner or admin: those they apply, pitch and report exports for."""
    return Organisation.objects.filter(
        kind=Organisation.Kind.STARTUP, memberships__user=user, memberships__role__in=MANAGER_ROLES
    ).order_by("name")


def belongs_to_a_startup(*, user) -> bool:
    """Whether ``user`` is on the team of any startup, in any role."""
    return Organisation.objects.filter(kind=Organisation.Kind.STARTUP, memberships__user=user).exists()


def centre_get(*, slug: str) -> Organisation | None:
    """An incubator, centre of excellence or tech park by its address; None for a startup or no one."""
    return Organisation.objects.filter(slug=slug).exclude(kind=Organisation.Kind.STARTUP).first() if slug else None


def organisation_get(*, slug: str, viewer=None) -> Organisation:
    """An organisation with the members ``viewer`` may see listed on it (``memberships``): active members,
    and for visitors only those whose profile is public."""
    shown = Profile.objects.visible_to(viewer).values("user_id")
    return Organisation.objects.prefetch_related(
        "sectors",
        Prefetch(
            "memberships",
            queryset=Membership.objects.filter(user_id__in=shown)
            .select_related("user__profile")
            .order_by("role", "user__profile__display_name"),
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


# --- A member's personal data ---------------------------------------------------------

PERSONAL_DATA_FORMAT = "rabta-personal-data"
PERSONAL_DATA_VERSION = 1


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def personal_data_export(*, user: User) -> dict:
    """Everything Rabta holds about ``user`` that is theirs to take away, as JSON-ready values.

    The network app's own sections (account, profile, memberships, introductions, notifications,
    audit entries about them) and what the apps above add
    (``network.personal_data.register_exporter``). Another member appears only by the name the site
    shows them by; their own messages, details and activity never do.
    """
    from django.utils import timezone

    from network.personal_data import exported_sections

    user = User.objects.select_related("profile").get(pk=user.pk)
    profile = getattr(user, "profile", None)
    data: dict = {
        "format": PERSONAL_DATA_FORMAT,
        "version": PERSONAL_DATA_VERSION,
        "exported_at": timezone.now().isoformat(),
        "account": _account_section(user),
        "profile": _profile_section(profile) if profile is not None else None,
        "memberships": [
            {
                "organisation": m.organisation.name,
                "organisation_url": m.organisation.get_absolute_url(),
                "role": m.role,
                "title": m.title,
                "since": _iso(m.created_at),
            }
            for m in membership_list_for_user(user=user)
        ],
        "introductions": [
            _introduction_row(introduction, user)
            for introduction in Introduction.objects.involving(user)
            .select_related("requester__profile", "recipient__profile")
            .order_by("created_at", "id")
        ],
        "notifications": [
            {
                "kind": n.kind,
                "message": n.message,
                "url": n.url,
                "created_at": _iso(n.created_at),
                "read_at": _iso(n.read_at),
            }
            for n in Notification.objects.filter(recipient=user).order_by("created_at", "id")
        ],
        "audit_entries": [
            {
                "event": entry.event,
                "at": _iso(entry.created_at),
                "by_you": entry.actor_id == user.pk,
                "target": f"{entry.target_type}:{entry.target_id}",
                "data": entry.data,
                # The address is the member's own only when they acted.
                "ip_address": entry.ip_address if entry.actor_id == user.pk else None,
            }
            for entry in audit_entries_about(user=user)
        ],
    }
    data.update(exported_sections(user))
    return data


def audit_entries_about(*, user: User) -> QuerySet:
    """Audit entries the member made, and those about their account or profile (whoever made them)."""
    from network.models import AuditEntry

    profile_ids = [str(pk) for pk in Profile.objects.filter(user=user).values_list("pk", flat=True)]
    return AuditEntry.objects.filter(
        Q(actor=user)
        | Q(target_type="network.user", target_id=str(user.pk))
        | Q(target_type="network.profile", target_id__in=profile_ids)
    ).order_by("created_at", "id")


def _account_section(user: User) -> dict:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    return {
        "id": user.pk,
        "email": user.email,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user).order_by("email")
        ],
        # Which kinds of second factor are set up; never their secrets.
        "two_factor_methods": sorted(Authenticator.objects.filter(user=user).values_list("type", flat=True)),
    }


def _profile_section(profile: Profile) -> dict:
    return {
        "name": profile.display_name,
        "headline": profile.headline,
        "about": profile.bio,
        "has_photo": bool(profile.photo),
        "city": profile.city,
        "country": str(profile.country),
        "timezone": profile.timezone,
        "languages": sorted(language.name for language in profile.languages.all()),
        "sectors": sorted(sector.name for sector in profile.sectors.all()),
        "skills": profile.skills,
        "website": profile.website,
        "linkedin": profile.linkedin,
        "github": profile.github,
        "lives_abroad": profile.lives_abroad,
        "is_mentor": profile.is_mentor,
        "is_founder": profile.is_founder,
        "is_investor": profile.is_investor,
        "visibility": profile.visibility,
        "contact_email": profile.contact_email,
        "contact_phone": profile.contact_phone,
        "contact_visibility": profile.contact_visibility,
        "created_at": _iso(profile.created_at),
        "updated_at": _iso(profile.updated_at),
    }


def _introduction_row(introduction: Introduction, user: User) -> dict:
    sent = introduction.requester_id == user.pk
    other = introduction.recipient if sent else introduction.requester
    return {
        "direction": "sent" if sent else "received",
        "other_member": other.display_name,
        "reason": introduction.reason,
        "status": introduction.effective_status(),
        "decline_note": introduction.decline_note,
        "outcome": introduction.outcome,
        "outcome_note": introduction.outcome_note,
        "created_at": _iso(introduction.created_at),
        "responded_at": _iso(introduction.responded_at),
    }
