"""Sign-in accounts and groups in the admin: Django's pages, saved through
``mlteam.roster.accounts`` so that every change (including a password set on the password page)
is audited. Accounts are deactivated, never deleted."""

from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.http import HttpResponseRedirect

from mlteam.backoffice.mixins import DomainErrorsAsMessagesMixin
from mlteam.kernel.errors import DomainError
from mlteam.roster import accounts
from mlteam.roster.permissions import actor_for

# Django's password view builds its form without the request; the acting user rides along here.
_acting_user: ContextVar = ContextVar("acting_user", default=None)


@contextmanager
def _acting(user):
    token = _acting_user.set(user)
    try:
        yield
    finally:
        _acting_user.reset(token)


class AuditedPasswordChangeForm(AdminPasswordChangeForm):
    def save(self, commit=True):
        password = (
            self.cleaned_data["password1"] if self.cleaned_data["set_usable_password"] else None
        )
        return accounts.account_password_set(
            user=self.user, actor=actor_for(_acting_user.get()), password=password
        )


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class AccountAdmin(DomainErrorsAsMessagesMixin, UserAdmin):
    change_password_form = AuditedPasswordChangeForm
    readonly_fields = ["last_login", "date_joined"]

    def has_delete_permission(self, request, obj=None):
        return False  # audit events and roster history name the account: deactivate it instead

    def save_model(self, request, obj, form, change):
        actor = actor_for(request.user)
        if not change:
            password = None
            if form.cleaned_data.get("usable_password", "true") != "false":
                password = form.cleaned_data.get("password1") or None
            saved = accounts.account_create(
                actor=actor, username=form.cleaned_data["username"], password=password
            )
        else:
            fields = (*accounts.ACCOUNT_FIELDS, *accounts.PRIVILEGE_FIELDS)
            changes = {
                name: form.cleaned_data[name] for name in form.changed_data if name in fields
            }
            saved = accounts.account_update(user=obj, actor=actor, changes=changes)
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        """Groups and permissions were set by ``account_update``."""

    def user_change_password(self, request, id, form_url=""):
        try:
            with _acting(request.user):
                return super().user_change_password(request, id, form_url)
        except DomainError as error:
            self.message_user(request, f"Nothing was changed: {error.message}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(Group)
class AccountGroupAdmin(DomainErrorsAsMessagesMixin, GroupAdmin):
    def save_model(self, request, obj, form, change):
        actor = actor_for(request.user)
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            saved = accounts.group_update(group=obj, actor=actor, changes=changes)
        else:
            saved = accounts.group_create(
                actor=actor,
                name=form.cleaned_data["name"],
                permissions=form.cleaned_data["permissions"],
            )
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        """Permissions were set by the group service."""

    def delete_model(self, request, obj):
        accounts.group_delete(group=obj, actor=actor_for(request.user))

    def delete_queryset(self, request, queryset):
        try:
            with transaction.atomic():  # the bulk delete action is not atomic by itself
                for group in queryset:
                    self.delete_model(request, group)
        except DomainError as error:
            self.message_user(request, f"Nothing was deleted: {error.message}", messages.ERROR)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as error:
            self.message_user(request, f"Nothing was deleted: {error.message}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
