"""The audit trail: every state change that matters writes one entry."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import models
from django.http import HttpRequest

from network.models import AppendOnlyQuerySet, AuditEntry


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # Behind a proxy, SECURE_PROXY_SSL_HEADER-style trust must be configured
    # at the proxy; REMOTE_ADDR is what the server itself saw.
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    actor,
    event: str,
    target: models.Model,
    data: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEntry:
    """Write one audit entry named ``app.entity.verb`` about ``target``."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        event=event,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data or {},
        ip_address=ip_address,
    )


def append_only_models() -> list[type[models.Model]]:
    """The models whose rows are only ever added (their queryset is an ``AppendOnlyQuerySet``).

    Their tables carry triggers refusing UPDATE, DELETE and TRUNCATE, and the site's database
    role may only read and insert into them (``manage.py db_roles``).
    """
    return [
        model
        for model in apps.get_models()
        if issubclass(getattr(model._default_manager, "_queryset_class", models.QuerySet), AppendOnlyQuerySet)
    ]
