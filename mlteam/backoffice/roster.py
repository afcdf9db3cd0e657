"""Roster admin: the ML lead's place to manage teams, members and targets.

Every save goes through ``mlteam.roster.services`` (which write the RosterPeriods and AuditEvents);
nothing here writes a roster row directly, people are never deleted (their leaving is recorded)
and only ML leads may edit. The member changelist shows an orientation-ratio chart of exactly
the members it lists, so it follows the filters and the search.
"""

from django.contrib import admin, messages
from django.template.loader import render_to_string

from mlteam.backoffice.access import lift_lockouts
from mlteam.backoffice.mixins import (
    ConfigAdminMixin,
    DomainErrorsAsMessagesMixin,
    MLLeadEditsMixin,
)
from mlteam.backoffice.roster_filters import ActiveFilter, TeamOrEmbeddedFilter
from mlteam.backoffice.roster_forms import MemberAddForm, MemberChangeForm, TargetForm, TeamForm
from mlteam.kernel.errors import DomainError
from mlteam.roster import charts, selectors, services
from mlteam.roster.configuration import CONSUMER_FIELDS, INTERACTION_FIELDS, ROLE_FIELDS
from mlteam.roster.models import (
    MLTeamMember,
    ModelConsumer,
    OrientationTarget,
    Role,
    RosterPeriod,
    Team,
    TeamInteraction,
)
from mlteam.roster.permissions import actor_for, can_edit_roster


class RosterEditMixin(MLLeadEditsMixin, DomainErrorsAsMessagesMixin):
    """Only ML leads (and superusers) edit; a refusal from a service becomes a message."""


def ratio_svg(rows, overall=None, *, chart_id: str, caption: str) -> str:
    return render_to_string(
        "roster/includes/ratio_chart.html",
        {"chart": charts.ratio_chart(rows, overall), "chart_id": chart_id, "caption": caption},
    )


@admin.register(MLTeamMember)
class MLTeamMemberAdmin(RosterEditMixin, admin.ModelAdmin):
    list_display = ["__str__", "role", "orientation", "team", "embedded_in", "joined_on", "left_on"]
    list_filter = [TeamOrEmbeddedFilter, "team__kind", "role", "orientation", ActiveFilter]
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "role__name",
        "team__name",
    ]
    list_select_related = ["user", "role", "team", "embedded_in"]
    readonly_fields = ["joined_on", "left_on"]
    actions = ["record_leaving", "record_rejoining", "lift_lockout"]
    list_per_page = 50

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = MemberChangeForm if obj is not None else MemberAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "role", "orientation", "team", "embedded_in", "effective_at"]
        return [
            "role",
            "orientation",
            "team",
            "embedded_in",
            "effective_at",
            "leave",
            *self.readonly_fields,
        ]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # people leave, they are not deleted: the ratio history needs them

    def save_model(self, request, obj, form, change):
        at = form.cleaned_data.get("effective_at")
        if not change:
            data = form.cleaned_data
            member = services.member_join(
                user=data["user"],
                role=data["role"],
                orientation=data["orientation"],
                team=data["team"],
                embedded_in=data["embedded_in"],
                actor=actor_for(request.user),
                at=at,
            )
            obj.pk = member.pk
            return
        member = MLTeamMember.objects.get(pk=obj.pk)
        if form.cleaned_data.get("leave"):
            services.member_leave(member=member, actor=actor_for(request.user), at=at)
        elif form.changes():
            services.member_update(
                member=member, actor=actor_for(request.user), changes=form.changes(), at=at
            )
        obj.refresh_from_db()

    @admin.action(description="Record that the selected members left (now)")
    def record_leaving(self, request, queryset):
        left = 0
        for member in queryset.select_related("user", "team", "role"):
            try:
                services.member_leave(member=member, actor=actor_for(request.user))
                left += 1
            except DomainError as error:
                self.message_user(request, error.message, messages.WARNING)
        if left:
            self.message_user(request, f"Recorded {left} leaving.", messages.SUCCESS)

    @admin.action(description="Record that the selected members rejoined (now, as before)")
    def record_rejoining(self, request, queryset):
        """People who left come back with their last role, orientation and team; their history
        continues (edit them afterwards for anything that differs)."""
        rejoined = 0
        for member in queryset.select_related("user", "team", "role"):
            try:
                services.member_join(
                    user=member.user,
                    role=member.role,
                    orientation=member.orientation,
                    team=member.team,
                    actor=actor_for(request.user),
                )
                rejoined += 1
            except DomainError as error:
                self.message_user(request, error.message, messages.WARNING)
        if rejoined:
            self.message_user(request, f"Recorded {rejoined} rejoining.", messages.SUCCESS)

    @admin.action(description="Lift the sign-in lockout of the selected members (audited)")
    def lift_lockout(self, request, queryset):
        lift_lockouts(
            self, request, [(m.user.username, None) for m in queryset.select_related("user")]
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not can_edit_roster(request.user):
            actions.pop("record_leaving", None)
            actions.pop("record_rejoining", None)
            actions.pop("lift_lockout", None)
        return actions

    def changelist_view(self, request, extra_context=None):
        """The list, and above it the orientation ratio of exactly the members it lists."""
        response = super().changelist_view(request, extra_context)
        cl = (getattr(response, "context_data", None) or {}).get("cl")
        if cl is None:
            return response  # a redirect or an error page: nothing to chart
        members = cl.queryset
        team_filter = next(
            (f for f in cl.filter_specs if isinstance(f, TeamOrEmbeddedFilter)), None
        )
        team_id = team_filter.team_id() if team_filter else None
        rows = selectors.ratio_of_members(members, teams=[team_id] if team_id else None)
        overall = selectors.ratio_of_members_overall(members)
        response.context_data["ratio_rows"] = rows
        response.context_data["ratio_outside"] = [row for row in rows if row.outside_target]
        response.context_data["ratio_chart"] = charts.ratio_chart(rows, overall)
        return response


class TargetInline(admin.StackedInline):
    model = OrientationTarget
    form = TargetForm
    fields = ["target_research_share", "tolerance", "trajectory"]
    extra = 0
    max_num = 1
    verbose_name = "research share target"

    def has_add_permission(self, request, obj=None):
        return can_edit_roster(request.user)

    def has_change_permission(self, request, obj=None):
        return can_edit_roster(request.user)

    def has_delete_permission(self, request, obj=None):
        return can_edit_roster(request.user)


class ReadOnlyMemberInline(admin.TabularInline):
    model = MLTeamMember
    fields = ["__str__", "role", "orientation", "team", "embedded_in", "joined_on"]
    readonly_fields = fields
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(left_on__isnull=True)
            .select_related("user", "role", "team", "embedded_in")
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MemberInline(ReadOnlyMemberInline):
    fk_name = "team"
    verbose_name_plural = "members (primary team) — edit them in ML team members"


class EmbeddedInline(ReadOnlyMemberInline):
    fk_name = "embedded_in"
    verbose_name = "embedded member"
    verbose_name_plural = "embedded members (primary team elsewhere, working inside this team)"


@admin.register(Team)
class TeamAdmin(RosterEditMixin, admin.ModelAdmin):
    form = TeamForm
    list_display = ["name", "kind", "lead"]
    list_filter = ["kind"]
    search_fields = ["name", "mission"]
    list_select_related = ["lead__user"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["orientation_ratio"]
    inlines = [TargetInline, MemberInline, EmbeddedInline]

    def get_fields(self, request, obj=None):
        fields = ["name", "slug", "kind", "mission", "lead"]
        return fields + (["orientation_ratio"] if obj is not None else [])

    @admin.display(description="Research / production ratio")
    def orientation_ratio(self, obj):
        row = selectors.ratio_by_team(teams=[obj])[0]
        return ratio_svg(
            [row], chart_id="team-ratio", caption=f"Ratio of {obj.name} against its target"
        )

    def has_delete_permission(self, request, obj=None):
        return False  # teams keep their roster history

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in TeamForm.Meta.fields}
        if not change:
            team = services.team_create(actor=actor_for(request.user), **values)
            obj.pk = team.pk
            return
        changed = {k: v for k, v in values.items() if k in form.changed_data}
        services.team_update(
            team=Team.objects.get(pk=obj.pk), actor=actor_for(request.user), changes=changed
        )
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is not OrientationTarget:
            return  # member inlines are read-only
        team = form.instance
        for target_form in formset.forms:
            if not target_form.has_changed() and not formset._should_delete_form(target_form):
                continue
            if formset._should_delete_form(target_form):
                if target_form.instance.pk:
                    services.orientation_target_remove(team=team, actor=actor_for(request.user))
                    formset.deleted_objects.append(target_form.instance)
                continue
            target = services.orientation_target_set(
                team=team,
                actor=actor_for(request.user),
                target_share=target_form.cleaned_data["target_research_share"],
                tolerance=target_form.cleaned_data["tolerance"],
                schedule=[
                    (p["on"], p["share"], p["tolerance"])
                    for p in target_form.cleaned_data["trajectory"]
                ],
            )
            if target_form.instance.pk:
                formset.changed_objects.append((target, target_form.changed_data))
            else:
                formset.new_objects.append(target)


@admin.register(OrientationTarget)
class OrientationTargetAdmin(RosterEditMixin, admin.ModelAdmin):
    form = TargetForm
    list_display = ["team", "target_research_share", "tolerance", "updated_at"]
    list_select_related = ["team"]

    def get_readonly_fields(self, request, obj=None):
        return ["team"] if obj is not None else []  # a target belongs to its team for good

    def save_model(self, request, obj, form, change):
        target = services.orientation_target_set(
            team=obj.team if change else form.cleaned_data["team"],
            actor=actor_for(request.user),
            target_share=form.cleaned_data["target_research_share"],
            tolerance=form.cleaned_data["tolerance"],
            schedule=[
                (p["on"], p["share"], p["tolerance"]) for p in form.cleaned_data["trajectory"]
            ],
        )
        obj.pk = target.pk

    def delete_model(self, request, obj):
        services.orientation_target_remove(team=obj.team, actor=actor_for(request.user))

    def delete_queryset(self, request, queryset):
        for target in queryset.select_related("team"):
            services.orientation_target_remove(team=target.team, actor=actor_for(request.user))


def _saved(obj, saved) -> None:
    """Point the admin's object at the row a service wrote, so its messages and logs name it."""
    obj.pk = saved.pk
    obj._state.adding = False
    obj.refresh_from_db()


def _changes(form, fields) -> dict:
    return {name: form.cleaned_data[name] for name in form.changed_data if name in fields}


@admin.register(Role)
class RoleAdmin(ConfigAdminMixin, admin.ModelAdmin):
    list_display = ["name", "is_ml_lead"]
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        actor = actor_for(request.user)
        if change:
            role = Role.objects.get(pk=obj.pk)
            changes = _changes(form, ROLE_FIELDS)
            _saved(obj, services.role_update(role=role, actor=actor, changes=changes))
            return
        values = {
            name: form.cleaned_data[name] for name in ROLE_FIELDS if name in form.cleaned_data
        }
        _saved(obj, services.role_create(actor=actor, **values))

    def delete_model(self, request, obj):
        services.role_delete(role=obj, actor=actor_for(request.user))


@admin.register(RosterPeriod)
class RosterPeriodAdmin(admin.ModelAdmin):
    """The recorded history behind every ratio: read-only, written only by the services."""

    list_display = [
        "member",
        "role",
        "orientation",
        "team",
        "embedded_in",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["orientation", "team"]
    list_select_related = ["member__user", "role", "team", "embedded_in"]
    date_hierarchy = "valid_from"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TeamInteraction)
class TeamInteractionAdmin(ConfigAdminMixin, admin.ModelAdmin):
    list_display = ["from_team", "to_team", "mode", "description"]
    list_filter = ["mode"]
    list_select_related = ["from_team", "to_team"]

    def save_model(self, request, obj, form, change):
        actor = actor_for(request.user)
        if change:
            interaction = TeamInteraction.objects.get(pk=obj.pk)
            changes = _changes(form, INTERACTION_FIELDS)
            saved = services.team_interaction_update(
                interaction=interaction, actor=actor, changes=changes
            )
        else:
            values = {name: form.cleaned_data[name] for name in INTERACTION_FIELDS}
            saved = services.team_interaction_add(actor=actor, **values)
        _saved(obj, saved)

    def delete_model(self, request, obj):
        services.team_interaction_remove(interaction=obj, actor=actor_for(request.user))


@admin.register(ModelConsumer)
class ModelConsumerAdmin(ConfigAdminMixin, admin.ModelAdmin):
    list_display = ["team", "model", "since"]
    list_filter = ["team"]
    list_select_related = ["team", "model"]

    def save_model(self, request, obj, form, change):
        actor = actor_for(request.user)
        if change:
            consumer = ModelConsumer.objects.get(pk=obj.pk)
            changes = _changes(form, CONSUMER_FIELDS)
            saved = services.model_consumer_update(consumer=consumer, actor=actor, changes=changes)
        else:
            values = {name: form.cleaned_data[name] for name in CONSUMER_FIELDS}
            saved = services.model_consumer_add(actor=actor, **values)
        _saved(obj, saved)

    def delete_model(self, request, obj):
        services.model_consumer_remove(consumer=obj, actor=actor_for(request.user))
