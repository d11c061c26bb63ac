"""The member's own data: download it, or delete the account. Both ask for the password (or a second
factor) again first (``network.reauthentication``, keeping what was typed), as changing an email address does."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from network import services
from network.audit import client_ip
from network.forms import AccountDeleteForm, add_validation_errors
from network.reauthentication import kept_form_data, reauthentication_required


def personal_data_response(data: dict, *, user_id: int) -> HttpResponse:
    """The download: one JSON file, never kept by any cache."""
    body = json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"rabta-data-{user_id}-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def account_data(request: HttpRequest) -> HttpResponse:
    kept_form_data(request, target=reverse("network:account-data-download"))
    return render(request, "network/account_data.html")


@login_required
@require_POST
@reauthentication_required(form_url=lambda request: reverse("network:account-data"))
def account_data_download(request: HttpRequest) -> HttpResponse:
    data = services.account_export(actor=request.user, user=request.user, ip_address=client_ip(request))
    return personal_data_response(data, user_id=request.user.pk)


@login_required
@require_http_methods(["GET", "POST"])
@reauthentication_required
def account_delete(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST or kept_form_data(request) or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_delete(actor=request.user, user=request.user, ip_address=client_ip(request))
        except ValidationError as error:
            add_validation_errors(form, error)
        else:
            logout(request)
            messages.success(request, _("Your account was deleted. Thank you for being part of Rabta."))
            return redirect("cms:home")
    return render(request, "network/account_delete.html", {"form": form})
