from django.urls import path

from mlteam.web.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/read/", views.notification_mark_read, name="mark_read"),
    path("notifications/preferences/", views.email_preferences, name="preferences"),
]
