"""The REST API under /api/v1/, its schema and docs, and the "API tokens" page."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from mlteam.api import pages
from mlteam.api.views import (
    catalogue,
    checks,
    docs,
    events,
    promotions,
    registry,
    roster,
    tracking,
    webhooks,
)
from mlteam.api.views.cards import CardView

app_name = "api"

MODEL = "v1/models/<slug:name>/"
VERSION = MODEL + "versions/<int:version>/"

# Everything under /api/, behind one prefix: the resolver tries "api/" once instead of each of
# these patterns for every page (and, placed first in mlteam/urls.py, an API request does not
# walk the pages' patterns).
api_patterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs.ApiDocs.as_view(url_name="api:schema"), name="docs"),
    path("v1/models/", registry.ModelList.as_view(), name="models"),
    path(MODEL, registry.ModelDetail.as_view(), name="model"),
    path(MODEL + "production/", registry.ModelProduction.as_view(), name="model-production"),
    path(MODEL + "versions/", registry.VersionList.as_view(), name="versions"),
    path(VERSION, registry.VersionDetail.as_view(), name="version"),
    path(VERSION + "card/", CardView.as_view(), name="card"),
    path(VERSION + "evals/", registry.EvalResultList.as_view(), name="evals"),
    path(
        VERSION + "promotions/", registry.VersionPromotionList.as_view(), name="version-promotions"
    ),
    path("v1/promotions/", promotions.PromotionList.as_view(), name="promotions"),
    path("v1/promotions/<int:pk>/", promotions.PromotionDetail.as_view(), name="promotion"),
    path(
        "v1/promotions/<int:pk>/checks/<int:item>/",
        promotions.PromotionTick.as_view(),
        name="promotion-check",
    ),
    path(
        "v1/promotions/<int:pk>/approve/",
        promotions.PromotionApprove.as_view(),
        name="promotion-approve",
    ),
    path(
        "v1/promotions/<int:pk>/reject/",
        promotions.PromotionReject.as_view(),
        name="promotion-reject",
    ),
    path(
        "v1/promotions/<int:pk>/withdraw/",
        promotions.PromotionWithdraw.as_view(),
        name="promotion-withdraw",
    ),
    path("v1/protocols/", catalogue.ProtocolList.as_view(), name="protocols"),
    path("v1/protocols/<int:pk>/", catalogue.ProtocolDetail.as_view(), name="protocol"),
    path("v1/benchmarks/", catalogue.BenchmarkList.as_view(), name="benchmarks"),
    path("v1/benchmarks/<slug:slug>/", catalogue.BenchmarkDetail.as_view(), name="benchmark"),
    path(
        "v1/benchmarks/<slug:slug>/leaderboard/",
        catalogue.Leaderboard.as_view(),
        name="leaderboard",
    ),
    path("v1/teams/", roster.TeamList.as_view(), name="teams"),
    path("v1/teams/<slug:slug>/", roster.TeamDetail.as_view(), name="team"),
    path("v1/members/", roster.MemberList.as_view(), name="members"),
    path("v1/members/<str:username>/", roster.MemberDetail.as_view(), name="member"),
    path("v1/roster/ratio/", roster.Ratio.as_view(), name="ratio"),
    path("v1/roster/plans/", checks.PlanList.as_view(), name="plans"),
    path("v1/roster/plans/<int:pk>/", checks.PlanDetail.as_view(), name="plan"),
    path("v1/roster/plans/<int:pk>/apply/", checks.PlanApply.as_view(), name="plan-apply"),
    path("v1/checks/", checks.Checks.as_view(), name="checks"),
    path("v1/experiments/", tracking.ExperimentList.as_view(), name="experiments"),
    path("v1/experiments/<int:pk>/", tracking.ExperimentDetail.as_view(), name="experiment"),
    path("v1/experiments/<int:pk>/runs/", tracking.RunList.as_view(), name="runs"),
    path("v1/runs/<int:pk>/", tracking.RunDetail.as_view(), name="run"),
    path("v1/runs/<int:pk>/metrics/", tracking.RunMetricList.as_view(), name="run-metrics"),
    path("v1/runs/<int:pk>/finish/", tracking.RunFinish.as_view(), name="run-finish"),
    path("v1/events/", events.EventList.as_view(), name="events"),
    path("v1/webhooks/", webhooks.WebhookList.as_view(), name="webhooks"),
    path("v1/webhooks/<int:pk>/", webhooks.WebhookDetail.as_view(), name="webhook"),
    path(
        "v1/webhooks/<int:pk>/deliveries/",
        webhooks.DeliveryList.as_view(),
        name="webhook-deliveries",
    ),
    path(
        "v1/webhooks/<int:pk>/deliveries/<int:delivery>/redeliver/",
        webhooks.Redeliver.as_view(),
        name="webhook-redeliver",
    ),
    re_path(r"^", docs.ApiNotFound.as_view(), name="not-found"),  # any other /api/ path
]

urlpatterns = [
    path("account/tokens/", pages.tokens, name="tokens"),
    path("account/tokens/<int:pk>/revoke/", pages.token_revoke, name="token-revoke"),
    path("api/", include(api_patterns)),
]
