from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.http import HttpRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from network.audit import audit_record, client_ip
from network.models import (
    AuditEntry,
    Introduction,
    Language,
    Membership,
    Notification,
    Organisation,
    Profile,
    Sector,
    User,
)

# Form fields that carry a secret: an entry says "password" changed, never what it was or became.
SECRET_FIELDS = frozenset({"password", "password1", "password2", "usable_password"})


def _plain(value: Any) -> Any:
    """A form value as JSON the audit trail can keep: related objects by name, numbers as text."""
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted(str(item) for item in value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


class AuditedAdminMixin:
    """Every add, change and delete made in the admin writes an audit entry, as the services do.

    Events are ``<app>.<entity>.create``, ``.update`` and ``.delete``; the entity is the model's name
    in snake case unless ``audit_entities`` names it (to match the services' events). An entry's data
    says which fields changed (any password only as "password"), the new values of the fields in
    ``audit_values`` (roles, flags, statuses, rates: never a secret or a person's details) and
    ``"via": "admin"``; a deletion counts what was deleted with it. Rows of inlines are audited as
    their own entity. A save that changes nothing writes nothing. Admin actions that change state
    call the services, which write their own entries.
    """

    audit_entities: dict[type[models.Model], str] = {}
    audit_values: frozenset[str] = frozenset()

    def audit_event(self, model: type[models.Model], verb: str) -> str:
        # EmailAddress → email_address, DBTaskResult → db_task_result
        snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", model.__name__).lower()
        entity = self.audit_entities.get(model) or snake
        return f"{model._meta.app_label}.{entity}.{verb}"

    def audit(self, request: HttpRequest, verb: str, obj: models.Model, data: dict[str, Any] | None = None) -> None:
        audit_record(
            actor=request.user,
            event=self.audit_event(type(obj), verb),
            target=obj,
            data={**(data or {}), "via": "admin"},
            ip_address=client_ip(request),
        )

    def audit_changes(self, form) -> dict[str, Any]:
        changed = form.changed_data
        data: dict[str, Any] = {"fields": sorted({"password" if name in SECRET_FIELDS else name for name in changed})}
        values = {
            name: _plain(form.cleaned_data[name])
            for name in changed
            if name in self.audit_values and name not in SECRET_FIELDS and name in form.cleaned_data
        }
        if values:
            data["values"] = values
        return data

    def save_model(self, request, obj, form, change):
        created = not change
        super().save_model(request, obj, form, change)
        data = self.audit_changes(form)
        if created or data["fields"]:
            self.audit(request, "create" if created else "update", obj, data)

    def save_formset(self, request, form, formset, change):
        deleted = [(row.instance, row.instance.pk) for row in formset.deleted_forms if row.instance.pk is not None]
        saved = [
            (row, row.instance.pk is None)
            for row in formset.forms
            if row not in formset.deleted_forms and row.has_changed()
        ]
        super().save_formset(request, form, formset, change)
        for row, created in saved:
            self.audit(request, "create" if created else "update", row.instance, self.audit_changes(row))
        for obj, pk in deleted:
            obj.pk = pk  # Django empties the primary key of a deleted object; the entry names it
            self.audit(request, "delete", obj)

    def delete_model(self, request, obj):
        pk = obj.pk
        with transaction.atomic(using=router.db_for_write(type(obj))):
            _total, counts = obj.delete()
            obj.pk = pk
            also = {
                label.lower(): count for label, count in sorted(counts.items()) if count and label != obj._meta.label
            }
            self.audit(request, "delete", obj, {"deleted_with_it": also} if also else None)

    def delete_queryset(self, request, queryset):
        # One by one, so that each deletion is its own entry, all in one transaction.
        with transaction.atomic(using=router.db_for_write(queryset.model)):
            for obj in queryset:
                self.delete_model(request, obj)


class AuditedModelAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """A plain ModelAdmin whose changes are audited."""


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "is_active", "is_staff", "date_joined", "deleted_at"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email"]
    readonly_fields = ["deleted_at"]
    actions = ["export_data", "delete_account"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined", "deleted_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    audit_values = frozenset({"is_active", "is_staff", "is_superuser", "groups", "user_permissions"})

    def user_change_password(self, request, id, form_url=""):
        # The new password and its audit entry are saved together, or neither is.
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().user_change_password(request, id, form_url)

    def construct_change_message(self, request, form, formsets, add=False):
        # Django's password view saves its form, then calls only this and log_change; it is the one
        # place that sees the form. The entry records that the password changed, nothing about it.
        if isinstance(form, self.change_password_form):
            self.audit(request, "update", form.user, {"fields": ["password"]})
        return super().construct_change_message(request, form, formsets, add)

    def save_model(self, request, obj, form, change):
        # Unticking "active" deactivates through the service, as everywhere else: the audit entry, and
        # the member's live connections (session rooms) closed at once.
        deactivating = change and "is_active" in form.changed_data and not obj.is_active
        if deactivating:
            obj.is_active = True
        super().save_model(request, obj, form, change)
        if deactivating:
            from network.services import user_deactivate

            user_deactivate(actor=request.user, user=obj, ip_address=client_ip(request))
            obj.is_active = False

    def audit_changes(self, form) -> dict[str, Any]:
        data = super().audit_changes(form)
        if "is_active" in form.changed_data and not form.cleaned_data.get("is_active"):
            # user_deactivate writes that entry (network.user.deactivate); this one has the rest.
            data["fields"].remove("is_active")
            data.get("values", {}).pop("is_active", None)
            if not data.get("values", True):
                del data["values"]
        return data

    # A member's row is never deleted: bookings, room messages, the deck access log and the audit
    # trail point at it. "Delete account (anonymise)" removes the personal data instead.
    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def delete_view(self, request, object_id, extra_context=None):
        self.message_user(
            request,
            _(
                "Members are not deleted outright: their records stay for others. To delete an account at the "
                "member's request, select it in the list and choose “Delete account (anonymise)”."
            ),
            messages.WARNING,
        )
        return redirect(reverse("admin:network_user_changelist"))

    @admin.action(description=_("Export data (one member, as a JSON file)"), permissions=["change"])
    def export_data(self, request, queryset):
        from network.account_views import personal_data_response
        from network.services import account_export

        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one member to export their data."), messages.ERROR)
            return None
        user = queryset.get()
        data = account_export(actor=request.user, user=user, ip_address=client_ip(request))
        return personal_data_response(data, user_id=user.pk)

    @admin.action(description=_("Delete account (anonymise)"), permissions=["change"])
    def delete_account(self, request, queryset):
        from network.services import account_delete

        queryset = queryset.filter(deleted_at__isnull=True)
        if request.POST.get("post") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": _("Delete these accounts?"),
                "users": queryset,
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/network/user/delete_account_confirmation.html", context)
        deleted = 0
        for user in queryset:
            try:
                account_delete(actor=request.user, user=user, ip_address=client_ip(request))
            except ValidationError as error:
                self.message_user(request, f"{user}: {' '.join(error.messages)}", messages.ERROR)
            else:
                deleted += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d account was deleted: its personal data removed, its records kept as “a former member”.",
                "%(count)d accounts were deleted: their personal data removed, their records kept as "
                "“a former member”.",
                deleted,
            )
            % {"count": deleted},
            messages.SUCCESS,
        )
        return None


@admin.register(Profile)
class ProfileAdmin(AuditedModelAdmin):
    list_display = ["display_name", "user", "city", "country", "is_mentor", "is_founder", "is_investor"]
    list_filter = ["is_mentor", "is_founder", "is_investor", "lives_abroad"]
    search_fields = ["display_name", "user__email", "city"]
    raw_id_fields = ["user"]
    filter_horizontal = ["sectors", "languages"]
    audit_values = frozenset({"is_mentor", "is_founder", "is_investor"})


class MembershipInline(admin.TabularInline):
    model = Membership
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin):
    list_display = ["name", "kind", "city", "country"]
    list_filter = ["kind"]
    search_fields = ["name", "city"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    audit_values = frozenset({"kind", "role"})


@admin.register(Introduction)
class IntroductionAdmin(AuditedModelAdmin):
    list_display = ["requester", "recipient", "status", "outcome", "created_at"]
    list_filter = ["status", "outcome"]
    raw_id_fields = ["requester", "recipient"]
    audit_values = frozenset({"status", "outcome"})


@admin.register(Notification)
class NotificationAdmin(AuditedModelAdmin):
    list_display = ["recipient", "kind", "message", "created_at", "read_at"]
    raw_id_fields = ["recipient"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only."""

    list_display = ["created_at", "event", "actor", "target_type", "target_id", "ip_address"]
    list_filter = ["event"]
    search_fields = ["event", "target_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(Sector, AuditedModelAdmin)
admin.site.register(Language, AuditedModelAdmin)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that change only through the site's services, where every change is audited."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# The values worth keeping when other apps' records change: who may do what, which address is verified.
OTHER_APPS_AUDIT_VALUES = {
    "auth.group": frozenset({"permissions"}),
    "account.emailaddress": frozenset({"verified", "primary"}),
}


def _audit_registered_admins() -> None:
    """Other apps' admins (groups and their permissions, email addresses, second factors, social
    accounts, images…) are registered before this module is imported (INSTALLED_APPS lists them
    first); each is registered again with the same admin, its changes audited the same way."""
    for model, model_admin in list(admin.site._registry.items()):
        if isinstance(model_admin, AuditedAdminMixin | ReadOnlyAdmin | AuditEntryAdmin):
            continue
        audited = type(
            f"Audited{type(model_admin).__name__}",
            (AuditedAdminMixin, type(model_admin)),
            {"audit_values": OTHER_APPS_AUDIT_VALUES.get(model._meta.label_lower, frozenset())},
        )
        admin.site.unregister(model)
        admin.site.register(model, audited)


_audit_registered_admins()
