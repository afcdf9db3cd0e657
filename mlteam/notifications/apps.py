from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Who hears about what: in-app notifications, email and signed webhooks, delivered by the
    background workers. Sits above the registry (it reads promotions to find recipients)."""

    name = "mlteam.notifications"
    label = "notifications"

    def ready(self):
        from mlteam.kernel import events
        from mlteam.notifications.tasks import enqueue_dispatch

        events.subscribe(enqueue_dispatch)
