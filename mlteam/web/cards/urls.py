from django.urls import path

from mlteam.web.cards import views

app_name = "cards"

CARD = "models/<slug:name>/v<int:version>/card/"

urlpatterns = [
    path(CARD, views.card_page, name="card"),
    path(f"{CARD}export/", views.card_export, name="export"),
    path(f"{CARD}import/", views.card_import, name="import"),
    path(f"{CARD}sections/<slug:section>/", views.section_show, name="section"),
    path(f"{CARD}sections/<slug:section>/edit/", views.section_edit, name="edit_section"),
]
