"""Who may see and change what in the network app.

Predicates (``can_*``) answer yes or no; ``access_*`` helpers fetch an object
*and* authorise in one call, so every view, API and consumer uses the same
rule. They raise ``Http404`` where merely knowing the object exists would leak
something, and ``PermissionDenied`` where the object is public but the action
is not allowed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from network.models import Introduction, Membership, Organisation, Profile, User

# The members who run an organisation: edit it, apply and pitch for a startup, verify for a centre.
MANAGER_ROLES = (Membership.Role.OWNER, Membership.Role.ADMIN)


def is_member(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def acts_as_staff(user) -> bool:
    """Rabta staff, in a session that passed two-factor authentication (``network.mfa``).

    Staff vet investors and mentors and may manage any organisation, so their powers count only
    once the session proved the second factor; until then they are a member like any other.
    """
    from network.mfa import mfa_verified

    return is_member(user) and user.is_staff and mfa_verified(user)


def staff_tool(view):
    """A staff-only page: 404 for members, and staff whose session has not used two-factor
    authentication are first sent to confirm it (``network:mfa-required``), then brought back."""
    from functools import wraps

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if acts_as_staff(request.user):
            return view(request, *args, **kwargs)
        if can_open_staff_tools(request.user):
            from django.shortcuts import redirect
            from django.urls import reverse
            from django.utils.http import urlencode

            return redirect(f"{reverse('network:mfa-required')}?{urlencode({'next': request.get_full_path()})}")
        raise Http404

    return wrapper


def can_open_staff_tools(user) -> bool:
    """Rabta staff, whether or not this session has used the second factor yet: the staff tools
    (``staff_tool``, the Django admin) ask for it on the way in, so their links are theirs all the same."""
    return is_member(user) and user.is_staff


def can_use_wagtail_admin(user) -> bool:
    """Editors and story reviewers (Wagtail's ``access_admin``); the admin asks for the second factor
    on the way in (``network.middleware``)."""
    return is_member(user) and user.has_perm("wagtailadmin.access_admin")


def uses_staff_tools(user) -> bool:
    """Whoever the Django admin or the Wagtail admin would let in: staff, editors, reviewers."""
    return is_member(user) and (user.is_staff or user.has_perm("wagtailadmin.access_admin"))


def can_view_profile(viewer, profile: Profile) -> bool:
    """A deactivated member's profile is nobody's to see; a members-only one only signed-in members'.

    ``profile.user`` is read for ``is_active``: select it with the profile.
    """
    if not profile.user.is_active:
        return False
    return profile.is_public or is_member(viewer)


def can_manage_organisation(user, organisation: Organisation) -> bool:
    """Owners and admins of the organisation (and staff) may edit it."""
    if not is_member(user):
        return False
    if acts_as_staff(user):
        return True
    return Membership.objects.filter(organisation=organisation, user=user, role__in=MANAGER_ROLES).exists()


def access_organisation_for_management(user, slug: str) -> Organisation:
    """Return the organisation if ``user`` may manage it; 404 if unknown, 403 otherwise."""
    try:
        organisation = Organisation.objects.get(slug=slug)
    except Organisation.DoesNotExist:
        raise Http404 from None
    if not can_manage_organisation(user, organisation):
        raise PermissionDenied
    return organisation


def are_introduced(user_a, user_b) -> bool:
    """True when the two members have an accepted introduction, in either direction."""
    if not (is_member(user_a) and is_member(user_b)):
        return False
    return Introduction.objects.filter(
        Q(requester=user_a, recipient=user_b) | Q(requester=user_b, recipient=user_a),
        status=Introduction.Status.ACCEPTED,
    ).exists()


def can_view_contact_details(viewer, profile: Profile) -> bool:
    """The owner always; others by the owner's choice: all members, or only after an introduction."""
    if not is_member(viewer):
        return False
    if viewer.pk == profile.user_id:
        return True
    if profile.contact_visibility == Profile.ContactVisibility.MEMBERS:
        return True
    return are_introduced(viewer, profile.user)


def can_request_introduction(user, recipient: User) -> bool:
    return is_member(user) and recipient.is_active and user.pk != recipient.pk


def introduction_cooldown_until(requester, recipient: User, *, now: datetime | None = None) -> datetime | None:
    """When ``requester`` may ask ``recipient`` again after ``recipient`` declined them; ``None`` if now.

    Only a decline of the requester's own request counts, for ``RABTA["INTRODUCTION_COOLDOWN_DAYS"]``
    after it was given: the member who said no may still ask the other way at any time.
    """
    days = settings.RABTA["INTRODUCTION_COOLDOWN_DAYS"]
    if days <= 0 or not is_member(requester):
        return None
    now = now or timezone.now()
    last_decline = (
        Introduction.objects.filter(
            requester=requester,
            recipient=recipient,
            status=Introduction.Status.DECLINED,
            responded_at__gt=now - timedelta(days=days),
        )
        .order_by("-responded_at")
        .values_list("responded_at", flat=True)
        .first()
    )
    return last_decline + timedelta(days=days) if last_decline else None


def access_introduction(user, pk: int) -> Introduction:
    """Return the introduction if ``user`` is one of its two sides; otherwise 404."""
    if not is_member(user):
        raise Http404
    try:
        return (
            Introduction.objects.select_related("requester__profile", "recipient__profile").involving(user).get(pk=pk)
        )
    except Introduction.DoesNotExist:
        raise Http404 from None
