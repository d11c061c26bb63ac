from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from mentorship import services
from mentorship.models import AvailabilityRule, BlockedDate, Booking, Endorsement, Feedback, Mentor, SessionType
from mentorship.permissions import can_moderate_reviews
from network.admin import AuditedAdminMixin, AuditedModelAdmin


class SessionTypeInline(admin.TabularInline):
    model = SessionType
    extra = 0
    fields = ["title", "duration_minutes", "requires_approval", "is_active"]


class AvailabilityRuleInline(admin.TabularInline):
    model = AvailabilityRule
    extra = 0


@admin.register(Mentor)
class MentorAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "status", "timezone", "created_at", "approved_at"]
    list_filter = ["status"]
    search_fields = ["user__email", "user__profile__display_name"]
    raw_id_fields = ["user"]
    readonly_fields = ["status", "approved_at"]
    inlines = [SessionTypeInline, AvailabilityRuleInline]
    actions = ["approve", "suspend"]
    # The services' names for these rows (mentorship.availability.create, …).
    audit_entities = {AvailabilityRule: "availability"}
    audit_values = frozenset({"is_active", "requires_approval"})

    def _set_status(self, request, queryset, status):
        # Through the service, which writes the mentorship.mentor.status entry.
        for mentor in queryset:
            services.mentor_set_status(actor=request.user, mentor=mentor, status=status)
        self.message_user(request, _("%(count)d mentors updated.") % {"count": queryset.count()}, messages.SUCCESS)

    @admin.action(description=_("Approve and list the selected mentors"))
    def approve(self, request, queryset):
        self._set_status(request, queryset, Mentor.Status.APPROVED)

    @admin.action(description=_("Suspend the selected mentors"))
    def suspend(self, request, queryset):
        self._set_status(request, queryset, Mentor.Status.SUSPENDED)


@admin.register(Booking)
class BookingAdmin(AuditedModelAdmin):
    list_display = ["start", "mentor", "mentee", "status", "session_type"]
    list_filter = ["status"]
    raw_id_fields = ["mentor", "mentee", "session_type", "rescheduled_from", "rescheduled_by", "cancelled_by"]
    date_hierarchy = "start"

    def has_change_permission(self, request, obj=None):
        # Bookings change through their services (with audit entries), not by hand.
        return False


@admin.register(Feedback)
class FeedbackAdmin(AuditedModelAdmin):
    """Feedback on sessions; the founders' shared reviews are read here and published or declined
    (through the service, which writes the audit entry and tells the mentor or the founder)."""

    list_display = ["booking", "author", "rating", "review", "review_changed_at"]
    list_filter = ["review"]
    list_select_related = ["booking__mentor__user__profile", "author__profile"]
    raw_id_fields = ["booking", "author"]
    readonly_fields = ["review", "review_changed_at", "reviewed_by"]
    ordering = ["-created_at"]
    actions = ["publish_reviews", "decline_reviews"]

    def has_moderate_permission(self, request) -> bool:
        return can_moderate_reviews(request.user)

    def _moderate(self, request, queryset, *, publish: bool) -> None:
        done = 0
        for feedback in queryset.filter(review=Feedback.Review.PENDING):
            services.review_moderate(actor=request.user, feedback=feedback, publish=publish)
            done += 1
        skipped = queryset.count() - done
        self.message_user(request, _("%(count)d reviews updated.") % {"count": done}, messages.SUCCESS)
        if skipped:
            unchanged = _("%(count)d were not waiting for staff and are unchanged.") % {"count": skipped}
            self.message_user(request, unchanged, messages.WARNING)

    @admin.action(description=_("Publish the selected reviews on the mentors' pages"), permissions=["moderate"])
    def publish_reviews(self, request, queryset):
        self._moderate(request, queryset, publish=True)

    @admin.action(description=_("Decline the selected reviews"), permissions=["moderate"])
    def decline_reviews(self, request, queryset):
        self._moderate(request, queryset, publish=False)


admin.site.register(Endorsement, AuditedModelAdmin)
admin.site.register(BlockedDate, AuditedModelAdmin)
