"""What the admin pages share: ML-lead-only editing, domain refusals shown as messages, and
configuration (handoff protocols with their criteria, roles, team relations, model consumers)
saved and deleted through its services, which write the audit trail in the same transaction.
"""

from django.contrib import admin, messages
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect

from mlteam.kernel.errors import DomainError
from mlteam.roster.permissions import can_edit_roster


class LabelledInlineFormSet(BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs.setdefault("aria-label", "Delete this row")


class LabelledTabularInline(admin.TabularInline):
    """A tabular inline whose fields are named for screen readers: Django writes the field names
    only as column headers, so every input and select gets its column's name as ``aria-label``."""

    formset = LabelledInlineFormSet

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None:
            widget = getattr(formfield.widget, "widget", formfield.widget)  # related wrapper
            widget.attrs.setdefault("aria-label", str(formfield.label or db_field.verbose_name))
        return formfield


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


class ConfigAdminMixin(MLLeadEditsMixin, DomainErrorsAsMessagesMixin):
    """Configuration (protocols and their criteria, roles, team relations, model consumers):
    ML leads edit it, and every save and delete calls a configuration service, which writes the
    audit event. Subclasses implement ``save_model`` and ``delete_model`` with those services."""

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as error:  # the admin's atomic block has rolled everything back
            self.message_user(request, f"Nothing was deleted: {error.message}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_queryset(self, request, queryset):
        with transaction.atomic():  # the bulk delete action is not atomic by itself
            for obj in queryset:
                self.delete_model(request, obj)
