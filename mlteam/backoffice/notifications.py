"""Webhook subscriptions and their delivery log in the admin. Subscribing, changing and
deleting go through the notifications services (ML leads, audited); the signing secret is shown
once, in the message after adding; deliveries are read-only with a "redeliver" action."""

from django import forms
from django.contrib import admin, messages

from mlteam.backoffice.mixins import DomainErrorsAsMessagesMixin, MLLeadEditsMixin
from mlteam.kernel.errors import DomainError
from mlteam.kernel.events import EVENT_TYPES
from mlteam.notifications import services
from mlteam.notifications.models import DeliveryAttempt, WebhookDelivery, WebhookSubscription
from mlteam.roster.permissions import member_of


class WebhookForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=[(code, code) for code in EVENT_TYPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event.",
    )

    class Meta:
        model = WebhookSubscription
        fields = ["url", "events", "description", "active"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(MLLeadEditsMixin, DomainErrorsAsMessagesMixin, admin.ModelAdmin):
    form = WebhookForm
    list_display = ["url", "active", "events", "consecutive_failures", "created_by", "created_at"]
    list_filter = ["active"]
    list_select_related = ["created_by__user"]
    readonly_fields = ["consecutive_failures", "disabled_reason", "created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        actor = member_of(request.user)
        values = {name: form.cleaned_data[name] for name in ["url", "events", "description"]}
        if change:
            values["active"] = form.cleaned_data["active"]
            original = WebhookSubscription.objects.get(pk=obj.pk)
            changed = {k: v for k, v in values.items() if getattr(original, k) != v}
            saved = services.webhook_update(actor=actor, subscription=original, **changed)
        else:
            created = services.webhook_create(actor=actor, **values)
            saved = created.subscription
            self.message_user(
                request,
                f"Signing secret (shown only now; give it to the receiver): {created.secret}",
                messages.WARNING,
            )
        obj.pk, obj.created_by_id, obj.secret = saved.pk, saved.created_by_id, saved.secret

    def delete_model(self, request, obj):
        services.webhook_delete(actor=member_of(request.user), subscription=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ["number", "at", "status_code", "duration_ms", "error", "response_excerpt"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "event_type",
        "subscription",
        "state",
        "attempts",
        "created_at",
        "next_attempt_at",
    ]
    list_filter = ["state", "event_type"]
    list_select_related = ["subscription"]
    inlines = [AttemptInline]
    actions = ["redeliver"]
    readonly_fields = [
        "subscription",
        "event",
        "event_type",
        "message_id",
        "state",
        "attempts",
        "created_at",
        "next_attempt_at",
    ]
    exclude = ["round_start"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Redeliver the selected deliveries")
    def redeliver(self, request, queryset):
        actor = member_of(request.user)
        done = 0
        for item in queryset.select_related("subscription"):
            try:
                services.delivery_redeliver(actor=actor, delivery_item=item)
                done += 1
            except DomainError as error:
                self.message_user(request, f"#{item.pk}: {error.message}", messages.ERROR)
        if done:
            self.message_user(request, f"{done} deliveries queued again.", messages.SUCCESS)
