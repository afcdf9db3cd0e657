"""The demo organisation: teams of every topology, roles, ~40 members, targets and interactions."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group, Permission, User

from mlteam.kernel.actors import SYSTEM, Operator
from mlteam.roster.enums import InteractionMode, Orientation, TeamKind
from mlteam.roster.models import MLTeamMember, Role, Team
from mlteam.roster.services import (
    member_join,
    member_leave,
    member_update,
    orientation_target_set,
    role_create,
    team_create,
    team_interaction_add,
    team_update,
)

DEMO_PASSWORD = "mlteam-demo"

ROLES = [
    # name, is_ml_lead, description
    ("ML Lead", True, "Leads an ML team; edits protocols, benchmarks, the roster and targets."),
    ("Research Scientist", False, "Explores new models and fine-tuning; research-oriented."),
    ("Applied Scientist", False, "Turns research into candidate models for product use."),
    ("ML Engineer", False, "Trains, packages and serves models."),
    (
        "ML Production Engineer",
        False,
        "Owns serving, SLOs and rollbacks; signs staging → production.",
    ),
    ("Evaluation Engineer", False, "Owns the shared benchmarks; signs experimental → staging."),
    ("Safety Reviewer", False, "Reviews guardrails, red-teaming and model cards."),
    ("Platform Engineer", False, "Builds the ML platform: registry, pipelines, GPUs."),
    ("Agent Engineer", False, "Builds agents on top of the registry's models."),
    ("Product Engineer", False, "Builds product features that consume models."),
]

TEAMS = [
    # slug, name, kind, mission, target research share (None: no target)
    (
        "foundation-models",
        "Foundation Models",
        TeamKind.ML,
        "Select, fine-tune and evaluate the language models every product builds on.",
        0.5,
    ),
    (
        "applied-ml",
        "Applied ML",
        TeamKind.ML,
        "Ship task-specific models (classification, ranking, extraction) to production.",
        0.35,
    ),
    (
        "ml-platform",
        "ML Platform",
        TeamKind.PLATFORM,
        "Run the registry, training pipelines, eval infrastructure and serving.",
        0.1,
    ),
    (
        "support-agents",
        "Support Agents",
        TeamKind.AGENT,
        "Build the customer-support and operations agents.",
        0.2,
    ),
    (
        "search-discovery",
        "Search & Discovery",
        TeamKind.PRODUCT,
        "Make search and recommendations feel like magic.",
        0.0,
    ),
    (
        "customer-support",
        "Customer Support Tools",
        TeamKind.PRODUCT,
        "Help support staff resolve tickets faster.",
        0.0,
    ),
    (
        "trust-safety",
        "Trust & Safety",
        TeamKind.HYBRID,
        "Moderation and guardrails, staffed with ML people embedded from the ML teams.",
        0.4,
    ),
]

# username, first, last, role, orientation, team slug, embedded-in slug, months ago joined
DEMO_USERS = [
    ("lead", "Lena", "Lindqvist", "ML Lead", Orientation.RESEARCH, "foundation-models", None, 13),
    (
        "gatekeeper",
        "Gabriel",
        "Okafor",
        "ML Production Engineer",
        Orientation.PRODUCTION,
        "ml-platform",
        None,
        13,
    ),
    (
        "researcher",
        "Rina",
        "Sato",
        "Research Scientist",
        Orientation.RESEARCH,
        "applied-ml",
        None,
        12,
    ),
    (
        "product",
        "Priya",
        "Nair",
        "Product Engineer",
        Orientation.PRODUCTION,
        "search-discovery",
        None,
        11,
    ),
]

FIRST = [
    "Ada",
    "Ben",
    "Chen",
    "Dara",
    "Eli",
    "Femi",
    "Gita",
    "Hugo",
    "Ines",
    "Jon",
    "Kai",
    "Lia",
    "Mo",
    "Nora",
    "Omar",
    "Pia",
    "Quinn",
    "Rui",
    "Sana",
    "Tom",
    "Uma",
    "Vik",
    "Wen",
    "Xavi",
    "Yara",
    "Zed",
    "Aiko",
    "Bo",
    "Cyra",
    "Dev",
    "Emre",
    "Fay",
    "Gus",
    "Hana",
    "Ivo",
    "Jade",
]
LAST = [
    "Moreau",
    "Becker",
    "Ito",
    "Silva",
    "Kowalski",
    "Haddad",
    "Novak",
    "Park",
    "Rossi",
    "Singh",
    "Adeyemi",
    "Larsen",
    "Costa",
    "Schmidt",
    "Tanaka",
    "Murphy",
    "Dubois",
    "Kim",
    "Ortiz",
    "Weber",
]

# team slug -> [(role, orientation, count, embedded-in slug)]
STAFFING = {
    "foundation-models": [
        ("Research Scientist", Orientation.RESEARCH, 4, None),
        ("ML Engineer", Orientation.PRODUCTION, 2, None),
        ("Evaluation Engineer", Orientation.PRODUCTION, 1, None),
        ("Research Scientist", Orientation.RESEARCH, 1, "trust-safety"),
    ],
    "applied-ml": [
        ("ML Lead", Orientation.PRODUCTION, 1, None),
        ("Applied Scientist", Orientation.RESEARCH, 3, None),
        ("ML Engineer", Orientation.PRODUCTION, 3, None),
        ("Evaluation Engineer", Orientation.PRODUCTION, 1, None),
        ("ML Engineer", Orientation.PRODUCTION, 1, "trust-safety"),
    ],
    "ml-platform": [
        ("Platform Engineer", Orientation.PRODUCTION, 3, None),
        ("ML Production Engineer", Orientation.PRODUCTION, 2, None),
        ("Evaluation Engineer", Orientation.PRODUCTION, 1, None),
    ],
    "support-agents": [
        ("Agent Engineer", Orientation.PRODUCTION, 3, None),
        ("Applied Scientist", Orientation.RESEARCH, 1, None),
    ],
    "search-discovery": [("Product Engineer", Orientation.PRODUCTION, 3, None)],
    "customer-support": [("Product Engineer", Orientation.PRODUCTION, 3, None)],
    "trust-safety": [
        ("Safety Reviewer", Orientation.RESEARCH, 2, None),
        ("Safety Reviewer", Orientation.PRODUCTION, 1, None),
        ("ML Production Engineer", Orientation.PRODUCTION, 1, None),
    ],
}

# A year of roster history, replayed through the services at past dates so /roster/'s ratio over
# time has a story: Foundation Models drifts research-heavy (production engineers move away or
# leave, a researcher joins) and ends above its band; Support Agents was above its band until an
# applied scientist switched to production; Trust & Safety gains an embedded production engineer.
# role, orientation, team slug, days ago joined, [(days ago, change)]; change is a dict of
# member_update changes (role by name, team/embedded_in by slug) or "leave".
HISTORY = [
    (
        "ML Engineer",
        Orientation.PRODUCTION,
        "foundation-models",
        425,
        [(150, {"team": "ml-platform", "role": "Platform Engineer"})],
    ),
    ("Research Scientist", Orientation.RESEARCH, "applied-ml", 330, [(120, "leave")]),
    (
        "Applied Scientist",
        Orientation.RESEARCH,
        "support-agents",
        300,
        [(90, {"orientation": Orientation.PRODUCTION, "role": "Agent Engineer"})],
    ),
    ("ML Engineer", Orientation.PRODUCTION, "foundation-models", 380, [(60, "leave")]),
    (
        "ML Production Engineer",
        Orientation.PRODUCTION,
        "ml-platform",
        270,
        [(210, {"embedded_in": "trust-safety"})],
    ),
    ("Research Scientist", Orientation.RESEARCH, "foundation-models", 45, []),
]
# Targets first set a little higher for Foundation Models, then lowered (a TARGET_SET event).
TARGET_CHANGES = [("foundation-models", 0.6, 400), ("foundation-models", 0.5, 240)]

INTERACTIONS = [
    (
        "ml-platform",
        "foundation-models",
        InteractionMode.X_AS_A_SERVICE,
        "Training and serving platform",
    ),
    ("ml-platform", "applied-ml", InteractionMode.X_AS_A_SERVICE, "Registry and pipelines"),
    (
        "foundation-models",
        "support-agents",
        InteractionMode.COLLABORATION,
        "Agent planner fine-tuning",
    ),
    (
        "applied-ml",
        "search-discovery",
        InteractionMode.COLLABORATION,
        "Ranking model co-development",
    ),
    ("foundation-models", "trust-safety", InteractionMode.FACILITATING, "Red-teaming practice"),
    ("applied-ml", "customer-support", InteractionMode.X_AS_A_SERVICE, "Ticket triage models"),
    ("trust-safety", "support-agents", InteractionMode.FACILITATING, "Guardrail design reviews"),
]


@dataclass
class Organisation:
    teams: dict[str, Team]
    roles: dict[str, Role]
    members: list[MLTeamMember]
    demo_logins: list[tuple[str, str, str]]

    def holders(self, role_name: str) -> list[MLTeamMember]:
        return [m for m in self.members if m.role.name == role_name]

    def of_team(self, slug: str) -> list[MLTeamMember]:
        return [
            m
            for m in self.members
            if m.team.slug == slug or (m.embedded_in and m.embedded_in.slug == slug)
        ]


def _user(username: str, first: str, last: str, password: str | None) -> User:
    user = User(
        username=username, first_name=first, last_name=last, email=f"{username}@example.com"
    )
    if password:
        user.set_password(password)
        user.is_staff = True
    else:
        user.set_unusable_password()
    user.save()
    return user


# Admin permissions of the demo's staff accounts; the workflow rules are still the services'.
GROUP_PERMISSIONS = {
    "ML leads": ["roster", "registry", "cards", "evals", "tracking"],
    "Gate owners": ["view_", "registry.change_promotionrequest"],
}


def ensure_groups() -> dict[str, Group]:
    groups = {}
    for name, grants in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = Permission.objects.none()
        for grant in grants:
            if "." in grant:
                app, codename = grant.split(".")
                perms |= Permission.objects.filter(content_type__app_label=app, codename=codename)
            elif grant.endswith("_"):
                perms |= Permission.objects.filter(
                    codename__startswith=grant,
                    content_type__app_label__in=[
                        "roster",
                        "registry",
                        "cards",
                        "evals",
                        "tracking",
                    ],
                )
            else:
                perms |= Permission.objects.filter(content_type__app_label=grant)
        group.permissions.set(perms)
        groups[name] = group
    return groups


def _replay_history(history, names, roles, teams, actor, now, rng) -> list[MLTeamMember]:
    joined = []
    for role, orientation, slug, days_ago, changes in history:
        first, last = next(names)
        user = _user(f"{first}.{last}".lower(), first, last, None)
        member = member_join(
            user=user,
            role=roles[role],
            orientation=orientation,
            team=teams[slug],
            actor=actor,
            at=now - timedelta(days=days_ago, hours=rng.randint(0, 8)),
        )
        for change_days_ago, change in changes:
            at = now - timedelta(days=change_days_ago)
            if change == "leave":
                member_leave(member=member, actor=actor, at=at)
                continue
            lookup = {"role": roles, "team": teams, "embedded_in": teams}
            values = {k: lookup[k][v] if k in lookup else v for k, v in change.items()}
            member = member_update(member=member, actor=actor, changes=values, at=at)
        joined.append(member)
    return joined


def _build_teams(now: datetime) -> dict[str, Team]:
    teams, created = {}, now - timedelta(days=450)
    for slug, name, kind, mission, target in TEAMS:
        teams[slug] = team_create(
            slug=slug, name=name, kind=kind, mission=mission, actor=SYSTEM, at=created
        )
        if target is not None and slug not in {s for s, _, _ in TARGET_CHANGES}:
            orientation_target_set(team=teams[slug], target_share=target, actor=SYSTEM, at=created)
    for slug, share, days_ago in TARGET_CHANGES:
        orientation_target_set(
            team=teams[slug], target_share=share, actor=SYSTEM, at=now - timedelta(days=days_ago)
        )
    return teams


def build_organisation(rng: random.Random, now: datetime) -> Organisation:
    roles = {
        name: role_create(
            name=name,
            is_ml_lead=lead,
            description=desc,
            actor=SYSTEM,
            at=now - timedelta(days=460),
        )
        for name, lead, desc in ROLES
    }
    teams = _build_teams(now)
    admin_user = User.objects.filter(is_superuser=True).first()
    members, logins = [], []
    groups = ensure_groups()
    password = DEMO_PASSWORD if settings.DEBUG else None
    # The first ML lead is added by an operator (the system if there is none yet); then the lead
    # edits the roster.
    actor = Operator(admin_user) if admin_user else SYSTEM
    for username, first, last, role, orientation, slug, embedded, months in DEMO_USERS:
        user = _user(username, first, last, password)
        if username == "lead":
            user.is_superuser = bool(password)
            user.save(update_fields=["is_superuser"])
            user.groups.add(groups["ML leads"])
        elif username == "gatekeeper":
            user.groups.add(groups["Gate owners"])
        members.append(
            member_join(
                user=user,
                role=roles[role],
                orientation=orientation,
                team=teams[slug],
                embedded_in=teams[embedded] if embedded else None,
                actor=actor,
                at=now - timedelta(days=30 * months),
            )
        )
        if username == "lead":
            actor = members[-1]
        logins.append((username, role, teams[slug].name))
    names = iter(rng.sample([(f, last) for f in FIRST for last in LAST], 60))
    for slug, plan in STAFFING.items():
        for role, orientation, count, embedded in plan:
            for _ in range(count):
                first, last = next(names)
                user = _user(f"{first}.{last}".lower(), first, last, None)
                members.append(
                    member_join(
                        user=user,
                        role=roles[role],
                        orientation=orientation,
                        team=teams[slug],
                        embedded_in=teams[embedded] if embedded else None,
                        actor=actor,
                        at=now - timedelta(days=rng.randint(30, 420)),
                    )
                )
    members += _replay_history(HISTORY, names, roles, teams, actor, now, rng)
    for slug, lead_role in [("foundation-models", "ML Lead"), ("applied-ml", "ML Lead")]:
        lead = next(m for m in members if m.team.slug == slug and m.role.name == lead_role)
        team_update(
            team=teams[slug], actor=actor, changes={"lead": lead}, at=now - timedelta(days=1)
        )
    for source, target, mode, description in INTERACTIONS:
        team_interaction_add(
            from_team=teams[source],
            to_team=teams[target],
            mode=mode,
            description=description,
            actor=actor,
            at=now - timedelta(days=2),
        )
    # Later stages of the demo pick people from today's roster: active members, current teams.
    members = list(
        MLTeamMember.objects.filter(pk__in=[m.pk for m in members], left_on__isnull=True)
        .select_related("user", "role", "team", "embedded_in")
        .order_by("pk")
    )
    teams = {slug: Team.objects.get(pk=team.pk) for slug, team in teams.items()}
    return Organisation(teams=teams, roles=roles, members=members, demo_logins=logins)
