"""Pages of the network app. Views parse input, check access, call a service
or selector, and render; the rules live in ``permissions`` and ``services``."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.keyset import keyset_page, query_without_position
from core.pagecache import cache_for_visitors, cached_form, cached_fragment
from core.ratelimits import limited, searching
from network import dashboard_blocks, dashboard_tools, profile_sections, selectors, services
from network.audit import client_ip
from network.filters import MemberFilter, OrganisationFilter
from network.forms import (
    COMMON_TIMEZONES,
    IntroductionDeclineForm,
    IntroductionOutcomeForm,
    IntroductionRequestForm,
    MembershipAddForm,
    MembershipRoleForm,
    OrganisationForm,
    ProfileForm,
    add_validation_errors,
)
from network.models import Membership, Organisation, Profile, User
from network.permissions import (
    access_introduction,
    access_organisation_for_management,
    can_manage_organisation,
    can_request_introduction,
    can_view_contact_details,
    introduction_cooldown_until,
)


def _paginate(request: HttpRequest, queryset, per_page: int):
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))


# --- Dashboard and profile ---------------------------------------------------


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The member's home: what each of their roles has to do next (``network.dashboard_blocks``),
    then their organisations, notifications and account."""
    profile = services.profile_ensure(user=request.user)
    return render(
        request,
        "network/dashboard.html",
        {
            "profile": profile,
            "home": dashboard_blocks.blocks_for(user=request.user),
            "memberships": selectors.membership_list_for_user(user=request.user),
            "notifications": selectors.notification_list(user=request.user)[:5],
            "tools": dashboard_tools.tools_for(user=request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    profile = services.profile_ensure(user=request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, instance=Profile.objects.get(pk=profile.pk))
        if form.is_valid():
            data = {
                name: value
                for name, value in form.cleaned_data.items()
                if name not in {"photo", "remove_photo", "sectors", "languages"}
            }
            try:
                services.profile_update(
                    profile=profile,
                    data=data,
                    sectors=form.cleaned_data["sectors"],
                    languages=form.cleaned_data["languages"],
                    photo=form.cleaned_data.get("photo"),
                    remove_photo=form.cleaned_data.get("remove_photo", False),
                    ip_address=client_ip(request),
                )
            except ValidationError as error:
                add_validation_errors(form, error)
            else:
                messages.success(request, _("Your profile was saved."))
                return redirect("network:member-detail", user_id=request.user.pk)
    else:
        form = ProfileForm(instance=profile)
    return render(
        request, "network/profile_form.html", {"form": form, "profile": profile, "timezones": COMMON_TIMEZONES}
    )


# --- Directory ---------------------------------------------------------------


@login_required
@require_GET
@limited("search", methods=("GET",), when=searching)
def member_list(request: HttpRequest) -> HttpResponse:
    """The directory. A page of results is the same for every member who asks for it, so it is
    cached until a profile changes; the filter form is cached per chosen values."""
    member_filter = MemberFilter(request.GET, queryset=selectors.profile_list())
    query = query_without_position(request, member_filter.form.fields)
    after, before = request.GET.get("after"), request.GET.get("before")

    def render_results() -> str:
        page = keyset_page(
            member_filter.qs,
            ordering=("display_name", "id"),
            per_page=settings.RABTA["DIRECTORY_PAGE_SIZE"],
            after=after,
            before=before,
            # A word of three letters or more is found through the search index: sort its matches.
            sort_matches=any(len(term) >= 3 for term in request.GET.get("q", "").split()[:5]),
        )
        return render_to_string("network/includes/member_results.html", {"page": page, "query": query})

    results = cached_fragment(
        "directory", query, after or "", before or "", depends_on=("profiles",), render=render_results
    )
    if request.htmx:
        return HttpResponse(results)
    context = {"filter_form": cached_form(member_filter.form), "results": results}
    return render(request, "network/member_list.html", context)


@require_GET
@cache_for_visitors("profiles")
def member_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    try:
        profile = selectors.profile_get(user_id=user_id, viewer=request.user)
    except Profile.DoesNotExist:
        raise Http404 from None
    viewer = request.user
    context = {
        "profile": profile,
        "show_contact": can_view_contact_details(viewer, profile),
        "memberships": selectors.membership_list_for_user(user=profile.user),
        "is_self": viewer.is_authenticated and viewer.pk == profile.user_id,
        "sections": profile_sections.render_context(profile=profile, viewer=viewer),
    }
    if viewer.is_authenticated and viewer.pk != profile.user_id:
        context["introduction"] = selectors.introduction_between(user=viewer, other=profile.user)
        context["can_introduce"] = can_request_introduction(viewer, profile.user)
        context["introduction_cooldown_until"] = introduction_cooldown_until(viewer, profile.user)
    return render(request, "network/member_detail.html", context)


@require_GET
def member_photo(request: HttpRequest, user_id: int) -> FileResponse:
    """A member's photo, to whoever may see their profile. A public profile's photo may be kept by
    shared caches; a members-only one's only by the viewer's browser."""
    profile = Profile.objects.visible_to(request.user).filter(user_id=user_id).only("photo", "visibility").first()
    if profile is None or not profile.photo:
        raise Http404
    try:
        handle = profile.photo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=3600" if profile.is_public else "private, max-age=3600"
    response["Content-Disposition"] = "inline"
    return response


# --- Organisations -------------------------------------------------------------


@login_required
@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    org_filter = OrganisationFilter(request.GET, queryset=selectors.organisation_list())
    page = _paginate(request, org_filter.qs, settings.RABTA["DIRECTORY_PAGE_SIZE"])
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "network/organisation_list.html", {"filter": org_filter, "page": page, "query": query.urlencode()}
    )


@require_GET
@cache_for_visitors("organisations", "profiles")  # the members it lists: their names, visibility, accounts
def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        organisation = selectors.organisation_get(slug=slug, viewer=request.user)
    except Organisation.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "network/organisation_detail.html",
        {"organisation": organisation, "can_manage": can_manage_organisation(request.user, organisation)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "sectors"}
        try:
            organisation = services.organisation_create(
                creator=request.user, data=data, sectors=form.cleaned_data["sectors"], ip_address=client_ip(request)
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("%(name)s was created. You are its owner.") % {"name": organisation.name})
            return redirect(organisation)
    return render(request, "network/organisation_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = access_organisation_for_management(request.user, slug)
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "sectors"}
        try:
            services.organisation_update(
                actor=request.user,
                organisation=access_organisation_for_management(request.user, slug),
                data=data,
                sectors=form.cleaned_data["sectors"],
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect("network:organisation-detail", slug=slug)
    return render(request, "network/organisation_form.html", {"form": form, "organisation": organisation})


@login_required
@require_http_methods(["GET", "POST"])
def organisation_members(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = access_organisation_for_management(request.user, slug)
    form = MembershipAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_add(
                actor=request.user, organisation=organisation, **form.cleaned_data, ip_address=client_ip(request)
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("The member was added."))
            return redirect("network:organisation-members", slug=slug)
    memberships = organisation.memberships.select_related("user__profile").order_by("role", "user__email")
    return render(
        request,
        "network/organisation_members.html",
        {"organisation": organisation, "memberships": memberships, "form": form, "roles": Membership.Role.choices},
    )


def _membership_for_management(request: HttpRequest, slug: str, membership_id: int) -> Membership:
    organisation = access_organisation_for_management(request.user, slug)
    return get_object_or_404(
        Membership.objects.select_related("organisation", "user"), pk=membership_id, organisation=organisation
    )


@login_required
@require_POST
def membership_role(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    membership = _membership_for_management(request, slug, membership_id)
    form = MembershipRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose owner, admin or member."))
    else:
        try:
            services.membership_update_role(
                actor=request.user, membership=membership, role=form.cleaned_data["role"], ip_address=client_ip(request)
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except PermissionDenied:
            messages.error(request, _("Only an owner can change who is an owner."))
        else:
            messages.success(request, _("The role was changed."))
    return redirect("network:organisation-members", slug=slug)


@login_required
@require_POST
def membership_remove(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    membership = _membership_for_management(request, slug, membership_id)
    try:
        services.membership_remove(actor=request.user, membership=membership, ip_address=client_ip(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        messages.error(request, _("Only an owner can remove an owner."))
    else:
        messages.success(request, _("The member was removed."))
    return redirect("network:organisation-members", slug=slug)


# --- Introductions -------------------------------------------------------------


@login_required
@require_GET
def introduction_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "network/introduction_list.html",
        {
            "received": selectors.introduction_list_received(user=request.user)[:50],
            "sent": selectors.introduction_list_sent(user=request.user)[:50],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@limited("introduction_request")
def introduction_request(request: HttpRequest, user_id: int) -> HttpResponse:
    recipient = get_object_or_404(User.objects.select_related("profile"), pk=user_id, is_active=True)
    if not can_request_introduction(request.user, recipient):
        raise PermissionDenied
    form = IntroductionRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            introduction = services.introduction_request(
                requester=request.user,
                recipient=recipient,
                reason=form.cleaned_data["reason"],
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(
                request,
                _("Your request was sent. %(name)s will be told and can accept or decline.")
                % {"name": recipient.display_name},
            )
            return redirect(introduction)
    return render(
        request,
        "network/introduction_form.html",
        {
            "form": form,
            "recipient": recipient,
            "cooldown_until": introduction_cooldown_until(request.user, recipient),
        },
    )


@login_required
@require_GET
def introduction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    introduction = access_introduction(request.user, pk)
    other = introduction.recipient if introduction.requester_id == request.user.pk else introduction.requester
    return render(
        request,
        "network/introduction_detail.html",
        {
            "introduction": introduction,
            "other": other,
            "is_recipient": introduction.recipient_id == request.user.pk,
            "decline_form": IntroductionDeclineForm(),
            "outcome_form": IntroductionOutcomeForm(
                initial={"outcome": introduction.outcome or None, "note": introduction.outcome_note}
            ),
        },
    )


def _introduction_action(request: HttpRequest, pk: int, action, success: str, **kwargs) -> HttpResponse:
    introduction = access_introduction(request.user, pk)
    try:
        action(actor=request.user, introduction=introduction, ip_address=client_ip(request), **kwargs)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect("network:introduction-detail", pk=pk)


@login_required
@require_POST
def introduction_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _introduction_action(
        request, pk, services.introduction_accept, _("You accepted. You can now see each other's contact details.")
    )


@login_required
@require_POST
def introduction_decline(request: HttpRequest, pk: int) -> HttpResponse:
    form = IntroductionDeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The note is too long: keep it under 500 characters."))
        return redirect("network:introduction-detail", pk=pk)
    note = form.cleaned_data["note"]
    return _introduction_action(request, pk, services.introduction_decline, _("You declined the request."), note=note)


@login_required
@require_POST
def introduction_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _introduction_action(request, pk, services.introduction_withdraw, _("You withdrew your request."))


@login_required
@require_POST
def introduction_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    introduction = access_introduction(request.user, pk)
    form = IntroductionOutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what came of the introduction."))
        return redirect("network:introduction-detail", pk=introduction.pk)
    return _introduction_action(
        request,
        pk,
        services.introduction_record_outcome,
        _("Thank you. The outcome was recorded."),
        outcome=form.cleaned_data["outcome"],
        note=form.cleaned_data["note"],
    )


# --- Notifications -------------------------------------------------------------


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page = _paginate(request, selectors.notification_list(user=request.user), 30)
    return render(request, "network/notification_list.html", {"page": page})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(selectors.notification_list(user=request.user), pk=pk)
    services.notification_mark_read(user=request.user, notification_id=notification.pk)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("network:notification-list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.notification_mark_read(user=request.user)
    messages.success(request, _("All notifications are marked as read."))
    return redirect("network:notification-list")


# --- One way in -------------------------------------------------------------------------------


def _safe_next(request: HttpRequest, fallback: str = "") -> str:
    candidate = request.GET.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def _to_allauth(url_name: str):
    """A door of Django's or Wagtail's own (their sign-in, password reset and change pages) that sends
    the visitor to allauth's, keeping where they were going: two-factor authentication, email
    verification and rate limits apply to every way in."""

    def view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        from django.utils.http import urlencode

        if url_name == "account_login" and request.user.is_authenticated:
            # Signed in already, and the tool that sent them here refused them: say so rather than
            # send them round again (allauth's secure_admin_login does the same for the admin).
            raise PermissionDenied
        target = reverse(url_name)
        next_url = _safe_next(request)
        return redirect(f"{target}?{urlencode({'next': next_url})}" if next_url else target)

    view.__name__ = f"to_{url_name}"
    return view


sign_in_elsewhere = _to_allauth("account_login")
password_reset_elsewhere = _to_allauth("account_reset_password")
password_change_elsewhere = _to_allauth("account_change_password")


@login_required
@require_GET
def mfa_required(request: HttpRequest) -> HttpResponse:
    """What the deal room's vetting, the Django admin and the Wagtail admin ask of staff and editors:
    two-factor authentication on, and used in this session."""
    from allauth.mfa.utils import is_mfa_enabled

    return render(
        request,
        "network/mfa_required.html",
        {"mfa_enabled": is_mfa_enabled(request.user), "next": _safe_next(request, reverse("network:dashboard"))},
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: a form sent without a valid CSRF token or cookie, 403, and what to do.

    Rendering the layout gives a signed-in member a fresh token (the sign-out form holds one), so
    the reload the page asks for is enough."""
    return render(request, "403_csrf.html", status=403)


def rate_limited(request: HttpRequest, exception=None) -> HttpResponse:
    """Past a limit of ``core.ratelimits`` (and allauth's): 429, and what to do about it."""
    template = "includes/rate_limited.html" if getattr(request, "htmx", False) else "429.html"
    response = render(request, template, status=429)
    response["Retry-After"] = "60"
    return response
