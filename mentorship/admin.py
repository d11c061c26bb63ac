from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

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
    (through the service, which writes the audit entry and tells the mentor or the founder). A
    founder's words are theirs: nothing here edits them."""

    list_display = ["booking", "author", "rating", "words", "review", "review_changed_at"]
    list_filter = ["review"]
    list_select_related = ["booking__mentor__user__profile", "author__profile"]
    fields = ["booking", "author", "rating", "comment", "may_feature", "review", "review_changed_at", "reviewed_by"]
    readonly_fields = fields
    ordering = ["-created_at"]
    actions = ["publish_reviews", "decline_reviews"]

    @admin.display(description=_("Comment"))
    def words(self, feedback: Feedback) -> str:
        return Truncator(feedback.comment).chars(160)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The change page only shows the feedback; the actions on the list do the moderating.
        return False

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or can_moderate_reviews(request.user)

    def has_moderate_permission(self, request) -> bool:
        return can_moderate_reviews(request.user)

    def _moderate(self, request, queryset, *, publish: bool) -> None:
        done = skipped = 0
        for feedback in queryset.select_related("author"):
            try:
                services.review_moderate(actor=request.user, feedback=feedback, publish=publish)
            except ValidationError:
                skipped += 1
            else:
                done += 1
        self.message_user(
            request,
            ngettext("%(count)d review updated.", "%(count)d reviews updated.", done) % {"count": done},
            messages.SUCCESS,
        )
        if skipped:
            unchanged = ngettext(
                "%(count)d could not be changed this way and is unchanged.",
                "%(count)d could not be changed this way and are unchanged.",
                skipped,
            ) % {"count": skipped}
            self.message_user(request, unchanged, messages.WARNING)

    @admin.action(description=_("Publish the selected reviews on the mentors' pages"), permissions=["moderate"])
    def publish_reviews(self, request, queryset):
        self._moderate(request, queryset, publish=True)

    @admin.action(description=_("Decline the selected reviews (takes published ones down)"), permissions=["moderate"])
    def decline_reviews(self, request, queryset):
        self._moderate(request, queryset, publish=False)


admin.site.register(Endorsement, AuditedModelAdmin)
admin.site.register(BlockedDate, AuditedModelAdmin)
