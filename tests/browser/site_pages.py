"""Every page people use, as concrete URLs into the demo organisation (`seed_demo`).

The list follows README's page table, adds the promotion page in each state (and as the people
who see it differently) and the admin pages for members, teams, protocols and promotion requests.
It is shared by the accessibility, phone-width and screenshot tests.
"""

from dataclasses import dataclass

from django.apps import apps
from django.urls import reverse


@dataclass(frozen=True)
class SitePage:
    name: str  # also the screenshot's file name
    path: str
    user: str = "lead"


def _model(label: str):
    return apps.get_model(label)


def site_pages() -> list[SitePage]:
    Artifact = _model("registry.ModelArtifact")
    Promotion = _model("registry.PromotionRequest")
    Benchmark = _model("evals.Benchmark")
    Team = _model("roster.Team")
    Member = _model("roster.MLTeamMember")
    Protocol = _model("registry.HandoffProtocol")
    Experiment = _model("tracking.Experiment")
    Run = _model("tracking.Run")

    production = Artifact.objects.filter(status="production").select_related("model").first()
    model = production.model
    versions = list(model.artifacts.order_by("version").values_list("version", flat=True))
    version = f"{production.get_absolute_url()}"
    benchmark = Benchmark.objects.filter(results__isnull=False).distinct().first()
    team = Team.objects.order_by("name").first()
    experiment = Experiment.objects.filter(runs__isnull=False).distinct().first()
    run = Run.objects.filter(metrics__isnull=False).distinct().first()
    pending = Promotion.objects.filter(state="pending").order_by("pk")
    waiting = pending.filter(to_stage="production").first() or pending.first()

    pages = [
        SitePage("login", reverse("login"), user=""),
        SitePage("dashboard", reverse("dashboard"), user="gatekeeper"),
        SitePage("registry", reverse("registry:models")),
        SitePage("model", model.get_absolute_url()),
        SitePage("version", version),
        SitePage("promotions", reverse("registry:promotions"), user="gatekeeper"),
        SitePage("promotion-pending-gate-owner", waiting.get_absolute_url(), user="gatekeeper"),
        SitePage("promotion-pending-requester", waiting.get_absolute_url(), user="researcher"),
        SitePage("promotion-pending-reader", waiting.get_absolute_url(), user="product"),
    ]
    for state in ("approved", "rejected", "withdrawn"):
        decided = Promotion.objects.filter(state=state).order_by("-pk").first()
        if decided is not None:
            pages.append(SitePage(f"promotion-{state}", decided.get_absolute_url()))
    pages += [
        SitePage("roster", reverse("roster:ratio")),
        SitePage("teams", reverse("roster:teams")),
        SitePage("team", reverse("roster:team", kwargs={"slug": team.slug})),
        SitePage("topology", reverse("roster:topology")),
        SitePage("card", f"{version}card/"),
        SitePage("card-reader", f"{version}card/", user="product"),
        SitePage("card-section", f"{version}card/sections/summary/"),
        SitePage("card-import", f"{version}card/import/"),
        SitePage("benchmarks", reverse("evals:benchmarks")),
        SitePage("benchmark-new", reverse("evals:benchmark_create")),
        SitePage("leaderboard", reverse("evals:benchmark", kwargs={"slug": benchmark.slug})),
        SitePage("record-result", f"{version}evals/record/"),
        SitePage(
            "compare",
            reverse("evals:compare", kwargs={"name": model.name})
            + f"?a={versions[0]}&b={versions[-1]}",
        ),
        SitePage("experiments", reverse("tracking:experiments")),
        SitePage("experiment", reverse("tracking:experiment", kwargs={"pk": experiment.pk})),
        SitePage("experiment-new", reverse("tracking:experiment_create")),
        SitePage("run", reverse("tracking:run", kwargs={"pk": run.pk})),
        SitePage("api-tokens", reverse("api:tokens")),
        SitePage("notifications", reverse("notifications:list"), user="gatekeeper"),
        SitePage("notification-preferences", reverse("notifications:preferences")),
        SitePage("not-found", "/models/no-such-model/"),
    ]
    admin = [
        ("members", Member, Member.objects.order_by("pk").first()),
        ("teams", Team, team),
        ("protocols", Protocol, Protocol.objects.order_by("pk").first()),
        ("promotions", Promotion, waiting),
    ]
    for name, model_class, obj in admin:
        meta = model_class._meta
        prefix = f"admin:{meta.app_label}_{meta.model_name}"
        pages.append(SitePage(f"admin-{name}", reverse(f"{prefix}_changelist")))
        pages.append(SitePage(f"admin-{name}-change", reverse(f"{prefix}_change", args=[obj.pk])))
    return pages
