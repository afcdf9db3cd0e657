from django.contrib import admin

from .models import (
    MLTeamMember,
    ModelConsumer,
    OrientationTarget,
    Role,
    RosterPeriod,
    Team,
    TeamInteraction,
)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "lead"]
    list_filter = ["kind"]
    search_fields = ["name", "mission"]
    list_select_related = ["lead__user"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "is_ml_lead"]
    search_fields = ["name"]


@admin.register(MLTeamMember)
class MLTeamMemberAdmin(admin.ModelAdmin):
    list_display = ["__str__", "role", "orientation", "team", "embedded_in", "joined_on", "left_on"]
    list_filter = ["orientation", "team__kind", "team", "role"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "role", "team", "embedded_in"]


@admin.register(RosterPeriod)
class RosterPeriodAdmin(admin.ModelAdmin):
    list_display = ["member", "role", "orientation", "team", "valid_from", "valid_to"]
    list_filter = ["orientation", "team"]
    list_select_related = ["member__user", "role", "team"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OrientationTarget)
class OrientationTargetAdmin(admin.ModelAdmin):
    list_display = ["team", "target_research_share", "tolerance", "updated_at"]
    list_select_related = ["team"]


@admin.register(TeamInteraction)
class TeamInteractionAdmin(admin.ModelAdmin):
    list_display = ["from_team", "to_team", "mode", "description"]
    list_filter = ["mode"]
    list_select_related = ["from_team", "to_team"]


@admin.register(ModelConsumer)
class ModelConsumerAdmin(admin.ModelAdmin):
    list_display = ["team", "model", "since"]
    list_filter = ["team"]
    list_select_related = ["team", "model"]
