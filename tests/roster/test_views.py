"""The roster pages: /roster/, /teams/, /teams/<slug>/, /topology/."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from mlteam.kernel.actors import SYSTEM
from mlteam.roster import services
from mlteam.roster.enums import InteractionMode, Orientation
from mlteam.roster.models import ModelConsumer, TeamInteraction
from mlteam.web.templatetags.roster_ui import url_or_blank
from tests.factories import MemberFactory, ModelFactory, ProtocolFactory, RoleFactory, TeamFactory

from .conftest import day

pytestmark = pytest.mark.django_db
R, P = Orientation.RESEARCH, Orientation.PRODUCTION


def build(join, n_teams: int, per_team: int = 3):
    """n teams with members, targets, interactions, consumed models and an embedded person."""
    teams = [
        TeamFactory(kind=["ml", "product", "agent", "hybrid", "platform"][i % 5])
        for i in range(n_teams)
    ]
    for i, team in enumerate(teams):
        services.orientation_target_set(team=team, target_share=0.5, actor=SYSTEM)
        for k in range(per_team):
            join(team, R if k % 2 else P, at=day(k))
        ModelFactory(team=team)
        if i:
            TeamInteraction.objects.create(
                from_team=teams[i - 1], to_team=team, mode=list(InteractionMode)[i % 3]
            )
            ModelConsumer.objects.create(team=team, model=teams[i - 1].models.first())
            join(teams[i - 1], R, embedded_in=team, at=day(5))
    return teams


def test_pages_need_a_login(client):
    for name in ["roster:ratio", "roster:teams", "roster:topology"]:
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


class TestRatioPage:
    def test_shows_overall_and_teams_with_outside_ones_flagged_in_words(
        self, logged_in_client, team, other_team, join
    ):
        services.orientation_target_set(team=team, target_share=0.2, tolerance=0.1, actor=SYSTEM)
        services.orientation_target_set(team=other_team, target_share=0.5, actor=SYSTEM)
        for o in (R, R, R, P, P):
            join(team, o)
        join(other_team, R)
        join(other_team, P)

        response = logged_in_client.get(reverse("roster:ratio"))

        html = response.content.decode()
        assert response.status_code == 200
        assert response.context["outside"] == [
            row for row in response.context["rows"] if row.team == team
        ]
        assert "▲ above band" in html and "⚠ Applied ML" in html
        assert "Teams outside their target band" in html
        assert '<svg class="rchart"' in html and 'class="hchart"' in html
        assert "<script" not in html.split("</head>")[1]  # no inline scripts in the page body

    def test_gate_coverage_warnings(self, logged_in_client, team, join):
        ProtocolFactory(
            from_stage="staging",
            to_stage="production",
            responsible_role=RoleFactory(name="ML Production Engineer"),
        )
        single = ProtocolFactory(
            from_stage="experimental",
            to_stage="staging",
            responsible_role=RoleFactory(name="Evaluation Engineer"),
        )
        only = join(team, P, role=single.responsible_role)
        html = logged_in_client.get(reverse("roster:ratio")).content.decode()
        assert "nobody can approve this transition" in html
        assert (
            f"only {only} (Applied ML) holds it; their own requests can never be approved" in html
        )

    def test_kind_narrows_the_teams(self, logged_in_client, team, other_team, join):
        join(team)
        join(other_team)
        response = logged_in_client.get(reverse("roster:ratio"), {"kind": "hybrid"})
        assert [row.team for row in response.context["rows"]] == [other_team]
        bad = logged_in_client.get(reverse("roster:ratio"), {"kind": "tribe"})
        assert bad.status_code == 200  # an unknown kind is ignored: every team is shown
        assert {team, other_team} <= {row.team for row in bad.context["rows"]}

    def test_query_count_does_not_grow_with_teams(self, client, join):
        build(join, 2)
        viewer = MemberFactory()
        client.force_login(viewer.user)
        with CaptureQueriesContext(connection) as few:
            assert client.get(reverse("roster:ratio")).status_code == 200
        build(join, 12)
        with CaptureQueriesContext(connection) as many:
            client.get(reverse("roster:ratio"))
        assert len(many) == len(few)


class TestTeams:
    def test_list_filters_and_htmx_partial(self, logged_in_client, team, other_team, join):
        join(team, R)
        join(other_team, P, embedded_in=team)
        response = logged_in_client.get(reverse("roster:teams"), {"kind": "hybrid"})
        assert [t for t in response.context["table"].data] == [other_team]
        partial = logged_in_client.get(reverse("roster:teams"), HTTP_HX_REQUEST="true")
        html = partial.content.decode()
        assert "<html" not in html and "Applied ML" in html and "+1 embedded" in html
        assert "HX-Request" in partial["Vary"]

    def test_list_query_count_does_not_grow(self, client, join):
        build(join, 2)
        client.force_login(MemberFactory().user)
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("roster:teams"))
        build(join, 12)
        with CaptureQueriesContext(connection) as many:
            response = client.get(reverse("roster:teams"))
        assert len(response.context["table"].rows) > 14
        assert len(many) == len(few)

    def test_team_page_shows_members_embedded_models_and_interactions(
        self, logged_in_client, team, other_team, join
    ):
        owner = join(team, R)
        guest = join(other_team, P, embedded_in=team)
        services.team_update(team=team, actor=SYSTEM, changes={"lead": owner})
        owned = ModelFactory(team=team, name="intent-classifier")
        used = ModelFactory(team=other_team, name="toxicity-filter")
        ModelConsumer.objects.create(team=team, model=used)
        TeamInteraction.objects.create(
            from_team=other_team,
            to_team=team,
            mode=InteractionMode.FACILITATING,
            description="Red-teaming",
        )

        html = logged_in_client.get(reverse("roster:team", args=[team.slug])).content.decode()
        host_html = logged_in_client.get(
            reverse("roster:team", args=[other_team.slug])
        ).content.decode()

        assert str(owner) in html and "lead" in html
        assert f'{guest} <span class="badge embedded-badge">embedded</span>' in html
        assert "↪ embedded in" in host_html and str(guest) in host_html  # shown in both teams
        assert owned.name in html and used.name in html and "Red-teaming" in html
        assert "Facilitating" in html

    def test_unknown_team_is_404(self, logged_in_client):
        assert logged_in_client.get(reverse("roster:team", args=["nope"])).status_code == 404

    def test_team_page_query_count_does_not_grow(self, client, join):
        teams = build(join, 3, per_team=2)
        client.force_login(MemberFactory().user)
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("roster:team", args=[teams[1].slug]))
        for _ in range(6):
            join(teams[1], R)
            ModelFactory(team=teams[1])
        with CaptureQueriesContext(connection) as many:
            client.get(reverse("roster:team", args=[teams[1].slug]))
        assert len(many) == len(few)


def test_model_links_are_left_out_while_the_registry_page_is_missing(monkeypatch, team):
    model = ModelFactory(team=team)

    def missing(self):
        raise NoReverseMatch("registry:model is not installed")

    monkeypatch.setattr(type(model), "get_absolute_url", missing)
    assert url_or_blank(model) == ""


class TestTopology:
    def test_picture_of_the_organisation(self, logged_in_client, join):
        teams = build(join, 5)
        html = logged_in_client.get(reverse("roster:topology")).content.decode()
        assert html.count('class="node node-') == 6  # and the viewer's own team
        for team in teams:
            assert team.name in html
        for label in [
            "Collaboration",
            "X-as-a-service",
            "Facilitating",
            "Uses models of",
            "Embedded members",
        ]:
            assert label in html  # legend and connection table say what each line means
        assert "1 embedded" in html

    def test_edge_labels_keep_off_each_other_the_boxes_and_the_band_titles(self, join):
        from mlteam.roster.topology import BOX_H, BOX_W, topology

        teams = build(join, 12, per_team=1)
        for i, team in enumerate(teams[2:], start=2):  # a second consumer line per team
            ModelConsumer.objects.create(team=team, model=teams[i - 2].models.first())
        picture = topology()

        def overlap(a, b):
            return not (a[2] < b[0] or a[0] > b[2] or a[3] < b[1] or a[1] > b[3])

        labels = [
            (
                e.label_x - 3.2 * len(e.label),
                e.label_y - 10,
                e.label_x + 3.2 * len(e.label),
                e.label_y + 2,
            )
            for e in picture.edges
            if e.label
        ]
        boxes = [(n.x, n.y, n.x + BOX_W, n.y + BOX_H) for n in picture.nodes]
        titles = [
            (12, lane.title_y - 12, 12 + 8 * len(lane.label) + 30, lane.title_y + 3)
            for lane in picture.lanes
        ]
        assert len(labels) > 10
        for i, label in enumerate(labels):
            assert not any(overlap(label, other) for other in labels[i + 1 :])
            assert not any(overlap(label, box) for box in boxes)
            assert not any(overlap(label, title) for title in titles)

    def test_fifty_teams_with_bounded_queries(self, client, join, django_assert_max_num_queries):
        build(join, 5, per_team=1)
        client.force_login(MemberFactory().user)
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("roster:topology"))
        build(join, 45, per_team=1)
        with CaptureQueriesContext(connection) as many:
            response = client.get(reverse("roster:topology"))
        assert len(many) == len(few)
        topology = response.context["topology"]
        assert len(topology.nodes) == 51  # 50 built + the viewer's own team
        boxes = {(round(n.x), round(n.y)) for n in topology.nodes}
        assert len(boxes) == 51  # no two teams drawn on top of each other
        assert all(n.x >= 0 and n.x + 188 <= topology.width for n in topology.nodes)
