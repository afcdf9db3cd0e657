from django.contrib import admin

from .models import ModelCard


@admin.register(ModelCard)
class ModelCardAdmin(admin.ModelAdmin):
    list_display = ["artifact", "risk_rating", "license", "updated_at"]
    list_filter = ["risk_rating", "artifact__status"]
    search_fields = ["artifact__model__name", "summary"]
    list_select_related = ["artifact__model"]
    readonly_fields = ["artifact", "updated_at", "updated_by"]

    def has_add_permission(self, request):
        return False  # a card is started with its version

    def has_delete_permission(self, request, obj=None):
        return False
