from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from network.models import (
    AuditEntry,
    ExchangeRate,
    ExportReport,
    Introduction,
    Language,
    Membership,
    Notification,
    Organisation,
    Profile,
    Sector,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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

    def save_model(self, request, obj, form, change):
        # Unticking "active" deactivates through the service, as everywhere else: the audit entry, and
        # the member's live connections (session rooms) closed at once.
        deactivating = change and "is_active" in form.changed_data and not obj.is_active
        if deactivating:
            obj.is_active = True
        super().save_model(request, obj, form, change)
        if deactivating:
            from network.audit import client_ip
            from network.services import user_deactivate

            user_deactivate(actor=request.user, user=obj, ip_address=client_ip(request))
            obj.is_active = False

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
        from network.audit import client_ip
        from network.services import account_export

        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one member to export their data."), messages.ERROR)
            return None
        user = queryset.get()
        data = account_export(actor=request.user, user=user, ip_address=client_ip(request))
        return personal_data_response(data, user_id=user.pk)

    @admin.action(description=_("Delete account (anonymise)"), permissions=["change"])
    def delete_account(self, request, queryset):
        from network.audit import client_ip
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
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "city", "country", "is_mentor", "is_founder", "is_investor"]
    list_filter = ["is_mentor", "is_founder", "is_investor", "lives_abroad"]
    search_fields = ["display_name", "user__email", "city"]
    raw_id_fields = ["user"]
    filter_horizontal = ["sectors", "languages"]


class MembershipInline(admin.TabularInline):
    model = Membership
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "city", "country"]
    list_filter = ["kind"]
    search_fields = ["name", "city"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Introduction)
class IntroductionAdmin(admin.ModelAdmin):
    list_display = ["requester", "recipient", "status", "outcome", "created_at"]
    list_filter = ["status", "outcome"]
    raw_id_fields = ["requester", "recipient"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
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


admin.site.register(Sector)
admin.site.register(Language)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    """Staff record each quarter's rates (e.g. the State Bank of Pakistan's averages) before reports use them."""

    list_display = ["currency", "year", "quarter", "usd_per_unit", "source"]
    list_filter = ["currency", "year"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that change only through the site's services, where every change is audited."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ExportReport)
class ExportReportAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "centre", "status", "amount_usd", "submitted_at"]
    list_filter = ["status", "year", "quarter"]
    list_select_related = ["organisation", "person__profile", "centre"]
