from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

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
    list_display = ["email", "is_active", "is_staff", "date_joined"]
    search_fields = ["email"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


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
