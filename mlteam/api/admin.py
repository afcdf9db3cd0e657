from django.contrib import admin

from mlteam.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Operators see who holds which token; nothing here reveals or changes a secret."""

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
    # Who holds a token and what it is called are fixed once it is made (re-pointing a token at
    # another user would hand them its rights without a trace).
    readonly_fields = [
        "name",
        "user",
        "prefix",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    exclude = ["digest"]

    def has_add_permission(self, request):
        return False  # tokens are made on the API tokens page or by `manage.py create_token`

    def has_delete_permission(self, request, obj=None):
        return False  # a token is revoked (its record stays), never deleted
