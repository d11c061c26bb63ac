"""Pages of the deal room. Every content page goes through ``permissions.access_deal`` (investors) or
``permissions.access_deal_for_startup_side`` (the startup and its incubator)."""

from __future__ import annotations

import re
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.converters import parse_id
from core.keyset import query_without_position
from core.pagecache import cached_form, cached_fragment
from core.ratelimits import limited
from investments import selectors as pitch_selectors
from investments.dealroom import decks, selectors, services
from investments.dealroom.forms import (
    AnswerForm,
    DealFilterForm,
    InterestForm,
    InvestorApplicationForm,
    QuestionForm,
    TermsForm,
    VetForm,
)
from investments.models import DeckAccess, Interest, InvestorProfile, Pitch, Question
from investments.permissions import (
    DealRoomClosed,
    access_deal,
    access_deal_for_startup_side,
    access_deal_to_read,
    can_answer_questions,
    can_view_interest_timeline,
    current_terms,
    deal_room_missing,
    interest_history_for,
    require_deal_room,
)
from network.audit import client_ip
from network.forms import add_validation_errors
from network.permissions import staff_tool
from network.reauthentication import kept_form_data, reauthentication_required


def deal_room_page(view):
    """Signed-in members only; anyone the room does not admit gets a page saying what is missing (403)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DealRoomClosed as closed:
            return render(
                request,
                "investments/dealroom/closed.html",
                {"missing": closed.missing, "investor": InvestorProfile.objects.filter(user=request.user).first()},
                status=403,
            )

    return wrapper


def _committing(request: HttpRequest) -> bool:
    return request.POST.get("stage") in (Interest.Stage.SOFT, Interest.Stage.COMMITTED)


# --- Joining ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """Apply as an investor, and see what still stands between you and the deal room."""
    investor = InvestorProfile.objects.filter(user=request.user).prefetch_related("sectors").first()
    can_apply = investor is None or investor.status in (
        InvestorProfile.Status.PENDING,
        InvestorProfile.Status.REJECTED,
    )
    form = InvestorApplicationForm(request.POST or None, instance=investor) if can_apply else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.investor_apply(
                    actor=request.user,
                    data={k: v for k, v in form.cleaned_data.items() if k != "sectors"},
                    sectors=form.cleaned_data["sectors"],
                    ip_address=client_ip(request),
                )
            except ValidationError as error:
                add_validation_errors(form, error)
            else:
                messages.success(request, _("Your application was sent. Rabta's staff will vet it."))
                return redirect("deals:join")
    return render(
        request,
        "investments/dealroom/join.html",
        {"investor": investor, "form": form, "missing": deal_room_missing(request.user), "terms": current_terms()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def terms(request: HttpRequest) -> HttpResponse:
    if not InvestorProfile.objects.filter(user=request.user).exists():
        messages.info(request, _("Apply as an investor first."))
        return redirect("deals:join")
    current = current_terms()
    if current is None:
        raise Http404
    accepted = current.acceptances.filter(user=request.user).first()
    form = TermsForm(request.POST or None, initial={"version": current.version})
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["version"] != current.version:
            messages.error(request, _("The terms changed while you were reading. Read the new version."))
            return redirect("deals:terms")
        services.terms_accept(actor=request.user, terms=current, ip_address=client_ip(request))
        messages.success(request, _("Thank you. You accepted version %(v)s of the terms.") % {"v": current.version})
        return redirect("deals:deal-list" if not deal_room_missing(request.user) else "deals:join")
    return render(request, "investments/dealroom/terms.html", {"terms": current, "accepted": accepted, "form": form})


# --- The room --------------------------------------------------------------------------


@deal_room_page
@require_GET
def deal_list(request: HttpRequest) -> HttpResponse:
    """Live deals. A page of them is the same for every investor who asks for it (cached until
    anything in the deal room or an organisation changes); only "You: <stage>" is the viewer's own,
    put into the cached page of results afterwards."""
    require_deal_room(request.user)
    form = DealFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    query = query_without_position(request, form.fields)
    page_number = request.GET.get("page") or ""

    def render_results() -> str:
        deals = selectors.deal_list(filters=filters, sort=filters.get("sort") or "newest")
        page = Paginator(deals, 20).get_page(page_number)
        for deal in page:
            deal.percent = min(100, int(deal.raised * 100 / deal.ask_amount))
        return render_to_string("investments/dealroom/includes/deal_results.html", {"page": page, "query": query})

    results = cached_fragment(
        "deals", query, page_number, depends_on=("deals", "organisations", "taxonomy"), render=render_results
    )
    return render(
        request,
        "investments/dealroom/deal_list.html",
        {
            # The incubators to filter by are those with live deals.
            "filter_form": cached_form(form, depends_on=("taxonomy", "organisations", "deals")),
            "results": with_my_stages(results, selectors.my_stages(investor=request.user)),
        },
    )


MY_STAGE = re.compile(r"<!--my-stage:(\d+)-->")


def with_my_stages(results: str, stages: dict[int, str]) -> SafeString:
    """The shared page of results with the viewer's stage on each deal they follow (the template
    leaves ``<!--my-stage:<pk>-->`` where it goes)."""

    def tag(match: re.Match) -> str:
        stage = stages.get(int(match.group(1)))
        if not stage:
            return ""
        label = _("You: %(stage)s") % {"stage": Interest.Stage(stage).label}
        return format_html(' <span class="tag">{}</span>', label)

    return mark_safe(MY_STAGE.sub(tag, results))  # noqa: S308 - escaped fragments, tags built by format_html


@deal_room_page
@require_GET
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pitch = access_deal_to_read(request.user, pk)
    deck = decks.deck_state(pitch)
    interest = Interest.objects.filter(pitch=pitch, investor=request.user).first()
    # Back from confirming access for a reconfirmation: nothing to fill in, only the note to send it again.
    kept_form_data(request, target=reverse("deals:interest-reconfirm", args=[pitch.pk]))
    return render(
        request,
        "investments/dealroom/deal_detail.html",
        {
            "pitch": pitch,
            "closed": pitch.status == Pitch.Status.CLOSED,
            "signals": pitch_selectors.mentorship_signals(startup=pitch.startup),
            "milestones": selectors.deal_milestones(pitch=pitch),
            "round": selectors.round_progress(pitch=pitch),
            "history": pitch_selectors.pitch_version_history(pitch=pitch),
            "questions": selectors.questions_for_investor(pitch=pitch, user=request.user),
            "question_form": QuestionForm(),
            "interest": interest,
            "history_events": selectors.with_previous_stages(interest_history_for(request.user, pitch)),
            "interest_form": InterestForm(
                kept_form_data(request, target=reverse("deals:interest-update", args=[pitch.pk])),
                initial={"stage": interest.stage, "amount": interest.amount} if interest else {"stage": "watching"},
            ),
            "pages": deck.pages if deck.usable else 0,
            "deck_problem": deck.message() if pitch.deck and not deck.usable else "",
        },
    )


def _deck_unavailable(request: HttpRequest, pitch, state: decks.DeckState, *, status: int) -> HttpResponse:
    """Why the stored deck cannot be shown (damaged, too many pages, a page too large): never a server error."""
    return render(
        request,
        "investments/dealroom/deck_unavailable.html",
        {"pitch": pitch, "message": state.message()},
        status=status,
    )


def _slides_not_ready(request: HttpRequest, pitch, *, status: int) -> HttpResponse:
    """The deck's pages are still being drawn (off the request): say so, and ask for them once."""
    decks.slides_render_later(pitch)
    response = render(
        request,
        "investments/dealroom/deck_preparing.html",
        {"pitch": pitch, "closed": pitch.status == Pitch.Status.CLOSED},
        status=status,
    )
    response["Retry-After"] = "10"
    return _private(response)


@deal_room_page
@require_GET
def deck_viewer(request: HttpRequest, pk: int) -> HttpResponse:
    """The deck, one slide at a time; each slide image is fetched (and logged) separately."""
    pitch = access_deal_to_read(request.user, pk)
    if not pitch.deck:
        raise Http404
    state = decks.deck_state(pitch)
    if not state.usable:
        return _deck_unavailable(request, pitch, state, status=200)
    pages = state.pages
    raw = request.GET.get("page", "")
    page = parse_id(raw) if raw else 1
    if page is None:
        raise Http404
    if not 1 <= page <= pages:
        raise Http404
    if not decks.slides_ready(pitch):
        return _slides_not_ready(request, pitch, status=200)
    if not raw:
        services.deck_access_record(
            user=request.user, pitch=pitch, kind=DeckAccess.Kind.VIEW, ip_address=client_ip(request)
        )
    return render(
        request,
        "investments/dealroom/deck_viewer.html",
        {
            "pitch": pitch,
            "page": page,
            "pages": pages,
            "page_numbers": range(1, pages + 1),
            "closed": pitch.status == Pitch.Status.CLOSED,
            "question_form": QuestionForm(initial={"slide": page}),
        },
    )


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@deal_room_page
@require_GET
@limited("deck_slide", methods=("GET",))
def deck_slide(request: HttpRequest, pk: int, page: int) -> HttpResponse:
    pitch = access_deal_to_read(request.user, pk)
    if not pitch.deck:
        raise Http404
    state = decks.deck_state(pitch)
    if not state.usable:
        # Nothing was shown, so nothing is logged; opened on its own, the address says why.
        return _deck_unavailable(request, pitch, state, status=404)
    if not 1 <= page <= state.pages:
        raise Http404
    try:
        image = decks.slide_jpeg(pitch, page, text=decks.watermark_text(request.user.email, timezone.now()))
    except decks.SlidesNotReadyError:
        return _slides_not_ready(request, pitch, status=503)
    except decks.DeckUnreadableError:
        return _deck_unavailable(request, pitch, decks.DeckState(problem="damaged"), status=404)
    services.deck_access_record(
        user=request.user, pitch=pitch, kind=DeckAccess.Kind.PAGE, page=page, ip_address=client_ip(request)
    )
    return _private(HttpResponse(image, content_type="image/jpeg"))


@deal_room_page
@require_GET
def deck_download(request: HttpRequest, pk: int) -> HttpResponse:
    pitch = access_deal_to_read(request.user, pk)
    if not pitch.deck:
        raise Http404
    if not pitch.allow_download:
        raise PermissionDenied
    try:
        pdf = decks.watermarked_pdf(pitch, text=decks.watermark_text(request.user.email, timezone.now()))
    except decks.DeckUnreadableError:
        state = decks.deck_state(pitch)
        messages.error(request, (state if not state.usable else decks.DeckState(problem="damaged")).message())
        return redirect("deals:deal-detail", pk=pitch.pk)
    services.deck_access_record(
        user=request.user, pitch=pitch, kind=DeckAccess.Kind.DOWNLOAD, ip_address=client_ip(request)
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pitch.startup.slug}-deck-v{pitch.version}.pdf"'
    return _private(response)


@deal_room_page
@require_POST
@limited("deal_question")
def question_create(request: HttpRequest, pk: int) -> HttpResponse:
    pitch = access_deal(request.user, pk)
    form = QuestionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("deals:deal-detail", pk=pk)
    try:
        services.question_ask(
            actor=request.user,
            pitch=pitch,
            text=form.cleaned_data["text"],
            slide=form.cleaned_data["slide"],
            page_count=decks.page_count(pitch),
            ip_address=client_ip(request),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your question was sent to the startup."))
    return redirect(reverse("deals:deal-detail", args=[pk]) + "#questions")


@deal_room_page
@require_http_methods(["GET", "POST"])
def interest_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Move my interest. Committing money asks for the password (or passkey) again — after the room's own
    check, so someone the room does not admit is told why rather than asked to sign in again."""
    pitch = access_deal(request.user, pk)
    if request.method == "GET":
        return redirect("deals:deal-detail", pk=pk)
    return _interest_update(request, pitch)


def _interest_section(request: HttpRequest, pitch) -> str:
    return reverse("deals:deal-detail", args=[pitch.pk]) + "#interest"


@reauthentication_required(enabled=_committing, form_url=_interest_section)
def _interest_update(request: HttpRequest, pitch) -> HttpResponse:
    form = InterestForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("deals:deal-detail", pk=pitch.pk)
    try:
        services.interest_set(
            actor=request.user,
            pitch=pitch,
            stage=form.cleaned_data["stage"],
            amount=form.cleaned_data["amount"],
            ip_address=client_ip(request),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your interest was recorded."))
    return redirect(reverse("deals:deal-detail", args=[pitch.pk]) + "#interest")


@deal_room_page
@require_http_methods(["GET", "POST"])
def interest_reconfirm(request: HttpRequest, pk: int) -> HttpResponse:
    pitch = access_deal(request.user, pk)
    if request.method == "GET":
        return redirect("deals:deal-detail", pk=pk)
    return _interest_reconfirm(request, pitch)


@reauthentication_required(form_url=_interest_section)
def _interest_reconfirm(request: HttpRequest, pitch) -> HttpResponse:
    try:
        services.interest_reconfirm(actor=request.user, pitch=pitch, ip_address=client_ip(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your commitment stands against the new terms."))
    return redirect(reverse("deals:deal-detail", args=[pitch.pk]) + "#interest")


# --- The startup's side ----------------------------------------------------------------


@login_required
@require_GET
def analytics(request: HttpRequest, pk: int) -> HttpResponse:
    """Who viewed the deck, which slides, for how long; questions to answer; interest by stage."""
    pitch = access_deal_for_startup_side(request.user, pk)
    data = selectors.deal_analytics(pitch=pitch)
    if can_answer_questions(request.user, pitch):
        for question in data["questions"]:
            question.answer_form = AnswerForm(question=question)
    return render(
        request,
        "investments/dealroom/analytics.html",
        {
            "pitch": pitch,
            "data": data,
            "round": selectors.round_progress(pitch=pitch),
            "timeline": (
                selectors.interest_timeline(pitch=pitch) if can_view_interest_timeline(request.user, pitch) else None
            ),
            "chart_height": len(data["stages"]) * 22,
        },
    )


@login_required
@require_POST
def question_answer(request: HttpRequest, pk: int) -> HttpResponse:
    question = Question.objects.filter(pk=pk).only("id", "pitch_id").first()
    if question is None:
        raise Http404
    pitch = access_deal_for_startup_side(request.user, question.pitch_id)
    if not can_answer_questions(request.user, pitch):
        raise PermissionDenied
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the answer."))
    else:
        services.question_answer(
            actor=request.user,
            question=question,
            answer=form.cleaned_data["answer"],
            private=form.cleaned_data["private"],
            ip_address=client_ip(request),
        )
        messages.success(request, _("Your answer was published."))
    return redirect(reverse("deals:analytics", args=[pitch.pk]) + f"#question-{question.pk}")


# --- Vetting (Rabta staff) -------------------------------------------------------------


@login_required
@require_GET
@staff_tool
def investor_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", InvestorProfile.Status.PENDING)
    if status not in InvestorProfile.Status.values:
        status = InvestorProfile.Status.PENDING
    investors = InvestorProfile.objects.filter(status=status).select_related("user__profile").order_by("created_at")
    return render(
        request,
        "investments/dealroom/investor_list.html",
        {
            "page": Paginator(investors, 50).get_page(request.GET.get("page")),
            "status": status,
            "statuses": InvestorProfile.Status.choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@staff_tool
def investor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An investor's application and standing; staff decide here, after confirming who they are."""
    return _investor_detail(request, pk)


@reauthentication_required(allow_get=True)
def _investor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    investor = (
        InvestorProfile.objects.select_related("user__profile", "decided_by__profile")
        .prefetch_related("sectors")
        .filter(pk=pk)
        .first()
    )
    if investor is None:
        raise Http404
    form = VetForm(request.POST or kept_form_data(request) or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.investor_decide(
                actor=request.user,
                investor=investor,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            messages.success(request, _("The decision was recorded and the investor told."))
            return redirect("deals:investor-detail", pk=pk)
    return render(request, "investments/dealroom/investor_detail.html", {"investor": investor, "form": form})
