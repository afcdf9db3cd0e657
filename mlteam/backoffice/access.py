"""Sign-in lockouts in the admin: ML leads see the failed sign-ins django-axes counts and lift a
lockout early. Nothing here deletes or edits a row directly: "Lift the lockout" calls
``roster.access.lockout_lift``, which writes the audit event (axes' own admin, which deletes
attempts unaudited, is switched off: AXES_ENABLE_ADMIN = False)."""

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin, messages
from django.utils import timezone

from mlteam.kernel.errors import DomainError
from mlteam.roster.access import lockout_lift
from mlteam.roster.permissions import actor_for, can_edit_roster


@admin.register(AccessAttempt)
class AccessAttemptAdmin(admin.ModelAdmin):
    list_display = ["username", "ip_address", "failures_since_start", "attempt_time", "locked"]
    list_filter = ["attempt_time"]
    search_fields = ["username", "ip_address"]
    fields = ["username", "ip_address", "user_agent", "path_info", "failures_since_start"]
    readonly_fields = fields
    actions = ["lift_lockout"]
    ordering = ["-attempt_time"]

    @admin.display(boolean=True, description="Locked now")
    def locked(self, obj: AccessAttempt) -> bool:
        return obj.failures_since_start >= settings.AXES_FAILURE_LIMIT and (
            obj.attempt_time + get_cool_off() > timezone.now()
        )

    def has_module_permission(self, request):
        return can_edit_roster(request.user)

    def has_view_permission(self, request, obj=None):
        return can_edit_roster(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # lifting a lockout is the audited action below

    @admin.action(description="Lift the lockout of the selected sign-ins (audited)")
    def lift_lockout(self, request, queryset):
        lift_lockouts(self, request, [(a.username, a.ip_address) for a in queryset])


def lift_lockouts(model_admin, request, pairs) -> None:
    """Shared by this list and the member list's action: one service call per username and
    address, each refusal shown as a message."""
    cleared = 0
    for username, address in dict.fromkeys(pairs):
        try:
            cleared += lockout_lift(
                username=username or "", ip_address=address, actor=actor_for(request.user)
            )
        except DomainError as error:
            model_admin.message_user(request, error.message, messages.WARNING)
    if cleared:
        model_admin.message_user(
            request, f"Cleared {cleared} failed sign-ins; they can sign in again.", messages.SUCCESS
        )
