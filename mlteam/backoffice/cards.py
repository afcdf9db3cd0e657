from django import forms
from django.contrib import admin

from mlteam.cards.models import ModelCard
from mlteam.cards.services import CARRIED_OVER, card_clean_changes, card_require_editor, card_update
from mlteam.kernel.errors import DomainError
from mlteam.roster.permissions import member_of


class ModelCardAdminForm(forms.ModelForm):
    """Checks the editor's rights and the values with the service's own rules."""

    class Meta:
        model = ModelCard
        fields = CARRIED_OVER

    def clean(self):
        data = super().clean()
        changes = {name: data.get(name) for name in self.changed_data if name in CARRIED_OVER}
        try:
            card_require_editor(card=self.instance, actor=member_of(self.request_user))
            card_clean_changes(changes)
        except DomainError as error:
            raise forms.ValidationError(error.message) from None
        return data


@admin.register(ModelCard)
class ModelCardAdmin(admin.ModelAdmin):
    """Cards are edited through ``card_update`` here too, so every change is audited."""

    form = ModelCardAdminForm
    list_display = ["artifact", "risk_rating", "license", "updated_at"]
    list_filter = ["risk_rating", "artifact__status"]
    search_fields = ["artifact__model__name", "summary"]
    list_select_related = ["artifact__model"]
    readonly_fields = ["artifact", "updated_at", "updated_by"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request_user = request.user
        return form

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        original = ModelCard.objects.select_related("artifact__model__team").get(pk=obj.pk)
        card_update(card=original, actor=member_of(request.user), changes=changes)

    def has_add_permission(self, request):
        return False  # a card is started with its version

    def has_delete_permission(self, request, obj=None):
        return False
