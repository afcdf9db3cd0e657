"""What the admin pages share: ML-lead-only editing, domain refusals shown as messages, and
audited configuration (handoff protocols with their criteria, roles, team relations), whose
every add, change and delete lands in the audit trail in the same transaction as the edit (the
admin's change and delete views are atomic).
"""

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseRedirect

from mlteam.kernel.audit import audit_config_change
from mlteam.kernel.enums import AuditAction
from mlteam.kernel.errors import DomainError
from mlteam.roster.permissions import can_edit_roster


class DomainErrorsAsMessagesMixin:
    """A service's refusal during a save becomes a message on the same page, not a 500."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:  # the admin's atomic block has rolled everything back
            self.message_user(request, f"Nothing was changed: {error.message}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class MLLeadEditsMixin:
    """Everyone with admin access may look; only ML leads (and superusers) add, change, delete."""

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and can_edit_roster(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and can_edit_roster(request.user)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and can_edit_roster(request.user)


class AuditedConfigAdminMixin(MLLeadEditsMixin):
    audit_action = AuditAction.CONFIG_CHANGED

    def audit_targets(self, obj) -> dict:
        """The team or model the audit event is filed under (so their timelines show it)."""
        return {}

    def save_related(self, request, form, formsets, change):
        """After the inlines too, so one event covers the object and its criteria."""
        super().save_related(request, form, formsets, change)
        changed = [*form.changed_data]
        changed += [fs.model._meta.verbose_name_plural for fs in formsets if fs.has_changed()]
        if change and not changed:
            return
        self._record(request, form.instance, "changed" if change else "added", changed)

    def delete_model(self, request, obj):
        self._record(request, obj, "deleted", [])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():  # the bulk delete action is not atomic by itself
            for obj in queryset:
                self.delete_model(request, obj)

    def _record(self, request, obj, verb: str, changed: list[str]) -> None:
        audit_config_change(
            action=self.audit_action,
            obj=obj,
            verb=verb,
            actor=request.user,
            changed=changed,
            **self.audit_targets(obj),
        )
