from django.contrib import admin, messages

from mlteam.api.models import ApiToken
from mlteam.api.services import token_revoke
from mlteam.kernel.errors import DomainError


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Operators see who holds which token and revoke one (audited); nothing here reveals a
    secret, and no row is edited or deleted directly."""

    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    list_select_related = ["user"]
    fields = ["name", "user", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # tokens are made on the API tokens page or by `manage.py create_token`

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoking keeps the row (and writes the audit event); deleting would not

    @admin.action(description="Revoke the selected tokens (audited)")
    def revoke(self, request, queryset):
        revoked = 0
        for token in queryset:
            try:
                token_revoke(token=token, actor=request.user)
                revoked += 1
            except DomainError as error:
                self.message_user(request, error.message, messages.WARNING)
        if revoked:
            self.message_user(request, f"Revoked {revoked} tokens.", messages.SUCCESS)
