"""The audit trail: every state change that matters writes one entry."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from network.models import AuditEntry


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
