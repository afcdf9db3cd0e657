"""Registry admin. ``status`` is read-only everywhere; promotions are decided by the services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm

from mlteam.backoffice.mixins import (
    ConfigAdminMixin,
    DomainErrorsAsMessagesMixin,
    LabelledTabularInline,
)
from mlteam.kernel import limits
from mlteam.kernel.errors import DomainError, NotAllowed
from mlteam.kernel.forms import ServiceRulesFormMixin
from mlteam.kernel.models import AuditEvent
from mlteam.registry import configuration, rules, services
from mlteam.registry.enums import PromotionState
from mlteam.registry.models import (
    ChecklistItem,
    GateCriterion,
    HandoffProtocol,
    Model,
    ModelArtifact,
    PromotionApproval,
    PromotionRequest,
)
from mlteam.registry.names import model_name_refusal
from mlteam.roster.permissions import actor_for, member_of


class ModelAdminForm(ServiceRulesFormMixin, forms.ModelForm):
    """The registry's name rule and limits, so the admin shows the API's messages."""

    field_rules = {"name": model_name_refusal}
    text_limits = {"task": limits.TASK, "description": limits.DESCRIPTION}

    class Meta:
        model = Model
        fields = ["name", "team", "task", "description"]


@admin.register(Model)
class ModelAdmin(DomainErrorsAsMessagesMixin, admin.ModelAdmin):
    """Models are registered through ``model_create`` (team check, slug name, audit event) and
    never deleted: their versions and audit rows point at them. Name and team are fixed."""

    form = ModelAdminForm
    list_display = ["name", "task", "team", "last_version", "updated_at"]
    list_filter = ["team__kind", "team", "task"]
    search_fields = ["name", "description", "task"]
    list_select_related = ["team"]
    readonly_fields = ["last_version", "created_at", "updated_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "team", "task", "description"]
        return ["name", "team", "task", "description", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["name", "team", *self.readonly_fields]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        actor = member_of(request.user)
        if actor is None:
            raise NotAllowed(
                "no_roster_entry",
                "You have no roster entry, so you cannot register or edit models; "
                "ask an ML lead to add you to a team.",
            )
        if change:
            changes = {name: form.cleaned_data[name] for name in ("task", "description")}
            services.model_update(model=obj, actor=actor, changes=changes)
            return
        data = form.cleaned_data
        model = services.model_create(
            name=data["name"],
            team=data["team"],
            task=data["task"],
            description=data["description"],
            actor=actor,
        )
        obj.pk = model.pk
        obj.refresh_from_db()


@admin.register(ModelArtifact)
class ModelArtifactAdmin(DomainErrorsAsMessagesMixin, admin.ModelAdmin):
    """Versions are registered through the service (UI, API, CLI) and are immutable: here only
    the description is edited, through ``artifact_update`` (audited, the same rule as the API)."""

    list_display = ["__str__", "status", "owner", "created_at", "status_changed_at"]
    list_filter = ["status", "model__team", "model__task"]
    search_fields = ["model__name", "artifact_uri", "owner__user__username"]
    list_select_related = ["model", "owner__user"]
    show_full_result_count = False
    readonly_fields = [
        "model",
        "version",
        "status",
        "owner",
        "source_run",
        "artifact_uri",
        "created_at",
        "status_changed_at",
    ]
    fields = [*readonly_fields[:6], "description", *readonly_fields[6:]]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        stored = ModelArtifact.objects.select_related("model__team").get(pk=obj.pk)
        services.artifact_update(artifact=stored, actor=member_of(request.user), changes=changes)
        obj.refresh_from_db()


class GateCriterionInline(LabelledTabularInline):
    # A plain select for the benchmark (there are a handful): the autocomplete widget's combobox
    # has no accessible name.
    model = GateCriterion
    extra = 0
    fields = ["position", "kind", "statement", "benchmark", "comparator", "threshold"]


class HandoffProtocolForm(forms.ModelForm):
    """The protocol form; a post without *Required approvals* keeps the protocol's number (1 for
    a new one) rather than failing, since older scripts and bookmarks predate the field."""

    class Meta:
        model = HandoffProtocol
        fields = list(configuration.PROTOCOL_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["required_approvals"].required = False

    def clean_required_approvals(self):
        value = self.cleaned_data.get("required_approvals")
        if value is None:
            return self.instance.required_approvals if self.instance.pk else 1
        return value


@admin.register(HandoffProtocol)
class HandoffProtocolAdmin(ConfigAdminMixin, admin.ModelAdmin):
    """The state machine: ML leads edit it through ``mlteam.registry.configuration`` (one audit
    event per changed protocol or criterion). Requests already made keep the checklist they
    snapshotted."""

    list_display = [
        "name",
        "from_stage",
        "to_stage",
        "responsible_role",
        "allow_owner_approval",
        "required_approvals",
        "active",
    ]
    list_filter = ["active", "from_stage", "to_stage", "responsible_role"]
    search_fields = ["name", "description"]
    list_select_related = ["responsible_role"]
    inlines = [GateCriterionInline]
    form = HandoffProtocolForm

    def save_model(self, request, obj, form, change):
        actor = actor_for(request.user)
        fields = configuration.PROTOCOL_FIELDS
        if change:
            protocol = HandoffProtocol.objects.get(pk=obj.pk)
            changes = {
                name: form.cleaned_data[name] for name in form.changed_data if name in fields
            }
            saved = configuration.protocol_update(protocol=protocol, actor=actor, changes=changes)
        else:
            values = {name: form.cleaned_data[name] for name in fields if name in form.cleaned_data}
            saved = configuration.protocol_create(actor=actor, **values)
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        """Each added, changed or deleted criterion through its service (one event each)."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        actor = actor_for(request.user)
        fields = configuration.CRITERION_FIELDS
        for criterion_form in formset.forms:
            existing = criterion_form.instance.pk and GateCriterion.objects.get(
                pk=criterion_form.instance.pk
            )
            if formset._should_delete_form(criterion_form):
                if existing:
                    configuration.criterion_remove(criterion=existing, actor=actor)
                    formset.deleted_objects.append(existing)
                continue
            if not criterion_form.has_changed():
                continue
            data = criterion_form.cleaned_data
            if existing:
                changes = {n: data[n] for n in criterion_form.changed_data if n in fields}
                saved = configuration.criterion_change(
                    criterion=existing, actor=actor, changes=changes
                )
                formset.changed_objects.append((saved, criterion_form.changed_data))
            else:
                values = {name: data[name] for name in fields if name in data}
                saved = configuration.criterion_add(protocol=form.instance, actor=actor, **values)
                formset.new_objects.append(saved)

    def delete_model(self, request, obj):
        configuration.protocol_delete(protocol=obj, actor=actor_for(request.user))


class ChecklistItemInline(LabelledTabularInline):
    model = ChecklistItem
    extra = 0
    can_delete = False
    fields = [
        "position",
        "kind",
        "statement",
        "benchmark",
        "comparator",
        "threshold",
        "ticked",
        "evidence",
        "ticked_by",
        "ticked_at",
        "observed_value",
        "satisfied_at_decision",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class PromotionApprovalInline(LabelledTabularInline):
    """Who approved (K of N) and the checklist verdicts they saw; written only by the engine."""

    model = PromotionApproval
    extra = 0
    can_delete = False
    fields = ["approver", "at", "note", "verdicts_summary"]
    readonly_fields = fields
    verbose_name = "approval"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Approvals are part of the request: whoever may see the request sees who approved it.
        return request.user.has_perm("registry.view_promotionrequest")

    @admin.display(description="Checklist at approval")
    def verdicts_summary(self, approval: PromotionApproval) -> str:
        return "; ".join(
            f"{v['item']}. {'✓' if v['satisfied'] else '✗'} {v['statement']}"
            for v in approval.verdicts
        )


class DecisionActionForm(ActionForm):
    reason = forms.CharField(required=False, label="Reason (required to reject)")


def _outcome(promotion: PromotionRequest) -> str:
    if not promotion.is_pending:
        return promotion.state
    progress = rules.approvals_label(promotion.approvals.count(), promotion.required_approvals)
    return f"your approval was added ({progress})"


@admin.register(PromotionRequest)
class PromotionRequestAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "state",
        "responsible_role",
        "requested_by",
        "requested_at",
        "decided_by",
    ]
    list_filter = ["state", "to_stage", "responsible_role"]
    search_fields = ["artifact__model__name", "note", "decision_note"]
    list_select_related = [
        "artifact__model",
        "responsible_role",
        "requested_by__user",
        "decided_by__user",
    ]
    readonly_fields = [
        "artifact",
        "protocol",
        "from_stage",
        "to_stage",
        "responsible_role",
        "allow_owner_approval",
        "required_approvals",
        "approvals_progress",
        "replaces",
        "requested_by",
        "requested_at",
        "note",
        "state",
        "decided_by",
        "decided_at",
        "decision_note",
    ]
    inlines = [ChecklistItemInline, PromotionApprovalInline]
    action_form = DecisionActionForm
    actions = ["approve_selected", "reject_selected"]
    date_hierarchy = "requested_at"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Approvals")
    def approvals_progress(self, promotion: PromotionRequest) -> str:
        return rules.approvals_label(promotion.approvals.count(), promotion.required_approvals)

    def _decide(self, request, queryset, decide) -> None:
        actor = member_of(request.user)
        if actor is None:
            self.message_user(
                request, "You have no roster entry, so you cannot sign off.", messages.ERROR
            )
            return
        for promotion in queryset.filter(state=PromotionState.PENDING):
            try:
                decided = decide(promotion, actor)
            except DomainError as error:
                self.message_user(request, f"#{promotion.pk}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"#{decided.pk}: {_outcome(decided)}.", messages.SUCCESS)

    @admin.action(description="Approve selected requests (adds your approval, as a gate owner)")
    def approve_selected(self, request, queryset):
        self._decide(
            request, queryset, lambda p, actor: services.promotion_approve(request=p, actor=actor)
        )

    @admin.action(description="Reject selected requests (enter a reason)")
    def reject_selected(self, request, queryset):
        reason = request.POST.get("reason", "")
        self._decide(
            request,
            queryset,
            lambda p, actor: services.promotion_reject(request=p, actor=actor, reason=reason),
        )


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is never added to, changed or deleted by hand."""

    list_display = ["at", "action", "summary", "actor", "from_state", "to_state"]
    # Filter by model through the search box: a sidebar entry per model does not scale.
    list_filter = ["action"]
    search_fields = ["summary", "model__name"]
    show_full_result_count = False
    list_select_related = ["actor", "model"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
