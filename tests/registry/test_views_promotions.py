"""The promotions inbox and the promotion page: ticking, approving, rejecting, withdrawing."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mlteam.evals.services import eval_record
from mlteam.kernel.enums import Stage
from mlteam.kernel.models import AuditEvent
from mlteam.registry import services
from mlteam.registry.enums import CriterionKind, PromotionState
from mlteam.registry.models import ChecklistItem, ModelArtifact, PromotionRequest
from tests.factories import CriterionFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def text(response) -> str:
    return response.content.decode()


def pending_to_production(world):
    """v1 in production, v2 in staging with a pending request to production by the requester."""
    v1 = world.in_production()
    v2 = world.register()
    world.passing_evals(v2)
    world.move(v2, Stage.STAGING)
    request = services.promotion_request(
        artifact=v2, to_stage=Stage.PRODUCTION, actor=world.requester
    )
    return v1, v2, request


def manual_item(request) -> ChecklistItem:
    return request.items.get(kind=CriterionKind.MANUAL)


def snapshot():
    return (
        AuditEvent.objects.count(),
        list(ModelArtifact.objects.order_by("pk").values_list("status", flat=True)),
        list(PromotionRequest.objects.order_by("pk").values_list("state", flat=True)),
        list(ChecklistItem.objects.order_by("pk").values_list("ticked", "evidence")),
    )


def url(name: str, request, *extra) -> str:
    return reverse(f"registry:{name}", args=[request.pk, *extra])


# -- the inbox ------------------------------------------------------------------------------------


def test_inbox_shows_what_waits_for_me_what_i_requested_and_everything(client, world):
    _, _, request = pending_to_production(world)
    inbox = reverse("registry:promotions")

    client.force_login(world.gate.user)
    waiting = text(client.get(inbox))  # the default tab when something waits
    client.force_login(world.requester.user)
    own_waiting = text(client.get(inbox, {"show": "waiting"}))
    requested = text(client.get(inbox, {"show": "requested"}))
    everything = text(client.get(inbox, {"show": "all"}))
    approved_only = text(client.get(inbox, {"show": "all", "state": "approved"}))

    link = f'href="{request.get_absolute_url()}"'
    assert link in waiting and 'aria-current="page">Waiting for me' in waiting
    assert link not in own_waiting  # nobody signs their own request
    assert link in requested and link in everything
    assert link not in approved_only and "Approved" in approved_only


def owner_holds_the_gate_role(world):
    world.owner.role = world.gate.role
    world.owner.save()


def test_inbox_leaves_out_versions_the_viewer_owns(client, world):
    _, _, request = pending_to_production(world)
    owner_holds_the_gate_role(world)
    inbox = reverse("registry:promotions")
    link = f'href="{request.get_absolute_url()}"'

    client.force_login(world.owner.user)
    owner_sees = text(client.get(inbox, {"show": "waiting"}))
    client.force_login(world.gate2.user)
    colleague_sees = text(client.get(inbox, {"show": "waiting"}))

    assert link not in owner_sees  # the protocol does not let owners sign their own version
    assert link in colleague_sees


def test_inbox_tabs_swap_over_htmx_and_push_the_url(client, world):
    pending_to_production(world)
    client.force_login(world.gate.user)

    response = client.get(reverse("registry:promotions"), {"show": "all"}, **HTMX)

    assert "<html" not in text(response)
    assert 'hx-push-url="true"' in text(response) and "HX-Request" in response["Vary"]


def test_inbox_query_count_does_not_grow_with_rows(client, world):
    client.force_login(world.gate.user)
    inbox = reverse("registry:promotions") + "?show=all&per_page=100"
    first = world.register()
    services.promotion_request(artifact=first, to_stage="staging", actor=world.requester)
    with CaptureQueriesContext(connection) as one:
        assert client.get(inbox).status_code == 200
    for _ in range(49):
        artifact = world.register()
        services.promotion_request(artifact=artifact, to_stage="staging", actor=world.owner)
    with CaptureQueriesContext(connection) as fifty:
        page = text(client.get(inbox))

    assert page.count('data-label="Request"') == 50
    assert len(one) == len(fifty)


# -- the promotion page ---------------------------------------------------------------------------


def test_promotion_page_shows_every_checklist_item_with_its_evidence(client, world):
    _, v2, request = pending_to_production(world)
    eval_record(artifact=v2, benchmark=world.latency, value=420, actor=world.owner)
    v2.card.ethical_considerations = ""
    v2.card.save()
    client.force_login(world.gate.user)

    page = text(client.get(request.get_absolute_url()))

    assert "p99 latency within SLO" in page and "420" in page and "≤ 350" in page
    assert "Fail" in page and "Pass" in page and "≥ 0.98" in page
    assert "Missing section: <strong>Ethical considerations</strong>" in page
    assert 'for="evidence-' in page and "Sign off this item" in page
    assert "Why you cannot approve:" in page and "still open" in page


def requester_holds_the_gate_role(world):
    world.requester.role = world.gate.role
    world.requester.save()


def test_requester_sees_why_they_cannot_act(client, world):
    _, _, request = pending_to_production(world)
    requester_holds_the_gate_role(world)
    client.force_login(world.requester.user)

    page = text(client.get(request.get_absolute_url()))

    assert "Sign off this item" not in page
    assert "disabled" in page
    assert (
        "You requested this promotion; another holder of &#x27;ML Production Engineer&#x27;" in page
    )
    assert "Withdraw request" in page


def test_wrong_role_sees_which_role_is_needed(client, world):
    _, _, request = pending_to_production(world)
    client.force_login(world.outsider.user)

    page = text(client.get(request.get_absolute_url()))

    assert "Only a holder of &#x27;ML Production Engineer&#x27; can sign this gate" in page
    assert "Withdraw request" not in page


def test_promotion_page_query_count_does_not_grow_with_checklist_items(client, world):
    def page_queries(items: int) -> int:
        for n in range(items):
            CriterionFactory(protocol=world.to_staging, position=10 + n, statement=f"Check {n}")
        artifact = world.register()
        world.passing_evals(artifact)
        request = services.promotion_request(
            artifact=artifact, to_stage="staging", actor=world.requester
        )
        world.sign_manual_items(request, world.evaluator)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(request.get_absolute_url())
        assert text(response).count('class="check check-') == request.items.count()
        return len(captured)

    client.force_login(world.evaluator.user)

    assert page_queries(0) == page_queries(50)


def test_unknown_promotion_is_404(client, world):
    client.force_login(world.gate.user)

    assert client.get("/promotions/999999/").status_code == 404


# -- ticking manual items -------------------------------------------------------------------------


def test_gate_owner_ticks_a_manual_item_inline(client, world):
    _, _, request = pending_to_production(world)
    item = manual_item(request)
    client.force_login(world.gate.user)

    response = client.post(
        url("promotion_tick", request, item.pk),
        {"evidence": "https://wiki/rollback-drill", "ticked": "1"},
        **HTMX,
    )

    item.refresh_from_db()
    page = text(response)
    assert response.status_code == 200
    assert item.ticked and item.ticked_by == world.gate
    assert page.lstrip().startswith(f'<li id="check-{item.pk}"')
    assert 'id="promotion-actions"' in page and 'hx-swap-oob="true"' in page
    assert "Approve: move to production" in page  # every item satisfied now
    assert "Saved your sign-off" in page  # the message, out of band
    assert 'href="https://wiki/rollback-drill"' in page


def test_ticking_without_evidence_is_refused_inline(client, world):
    _, _, request = pending_to_production(world)
    item = manual_item(request)
    client.force_login(world.gate.user)
    before = snapshot()

    response = client.post(url("promotion_tick", request, item.pk), {"evidence": "  "}, **HTMX)

    assert response.status_code == 200
    assert "Add evidence (a sentence or a link)" in text(response)
    assert snapshot() == before


def test_the_requester_cannot_tick_even_by_forcing_the_post(client, world):
    _, _, request = pending_to_production(world)
    requester_holds_the_gate_role(world)
    item = manual_item(request)
    client.force_login(world.requester.user)
    before = snapshot()

    response = client.post(url("promotion_tick", request, item.pk), {"evidence": "trust me"})

    assert response.status_code == 200  # the page, with the engine's refusal inline
    assert "You requested this promotion" in text(response)
    assert snapshot() == before


def test_removing_a_sign_off(client, world):
    _, _, request = pending_to_production(world)
    item = manual_item(request)
    world.sign_manual_items(request, world.gate)
    client.force_login(world.gate.user)

    response = client.post(url("promotion_tick", request, item.pk), {"ticked": "0"})

    item.refresh_from_db()
    assert response.status_code == 302
    assert not item.ticked and item.evidence == ""


def test_an_item_of_another_request_is_404(client, world):
    _, _, request = pending_to_production(world)
    other = services.promotion_request(
        artifact=world.register(), to_stage="staging", actor=world.requester
    )
    client.force_login(world.gate.user)

    response = client.post(url("promotion_tick", request, manual_item(other).pk), {"evidence": "x"})

    assert response.status_code == 404


# -- approving, rejecting, withdrawing ------------------------------------------------------------


def test_approving_over_htmx_moves_the_version_and_rerenders_the_page_body(client, world):
    v1, v2, request = pending_to_production(world)
    world.sign_manual_items(request, world.gate)
    client.force_login(world.gate.user)

    response = client.post(url("promotion_approve", request), {"note": "ship it"}, **HTMX)

    page = text(response)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert response.status_code == 200
    assert v2.status == Stage.PRODUCTION and v1.status == Stage.DEPRECATED
    assert page.lstrip().startswith('<div id="promotion-body">')
    assert 'id="version-stage" class="badge stage-production">production' in page
    assert "Approved: intent-classifier v2 is now in production; v1 is now deprecated." in page
    assert 'hx-swap-oob="innerHTML"' in page


def test_approving_without_javascript_redirects_back_with_a_message(client, world):
    _, _, request = pending_to_production(world)
    world.sign_manual_items(request, world.gate)
    client.force_login(world.gate.user)

    response = client.post(url("promotion_approve", request))
    follow = text(client.get(response["Location"]))

    assert response.status_code == 302
    assert "Approved: intent-classifier v2 is now in production" in follow
    assert "Approved</span>" in follow and f"by <strong>{world.gate}</strong>" in follow


def test_approving_with_open_items_is_refused_inline(client, world):
    _, _, request = pending_to_production(world)
    client.force_login(world.gate.user)
    before = snapshot()

    response = client.post(url("promotion_approve", request), **HTMX)

    assert response.status_code == 200
    assert "Not every gate item is satisfied" in text(response)
    assert snapshot() == before


def test_the_requester_cannot_approve_their_own_request_even_by_forcing_the_post(client, world):
    _, _, request = pending_to_production(world)
    world.sign_manual_items(request, world.gate)
    requester_holds_the_gate_role(world)
    client.force_login(world.requester.user)
    before = snapshot()

    response = client.post(url("promotion_approve", request), **HTMX)

    assert response.status_code == 200
    assert "You requested this promotion" in text(response)
    assert snapshot() == before


def test_the_owner_cannot_approve_their_own_version(client, world):
    _, v2, request = pending_to_production(world)
    world.sign_manual_items(request, world.gate)
    owner_holds_the_gate_role(world)
    client.force_login(world.owner.user)
    before = snapshot()

    page = text(client.get(request.get_absolute_url()))
    response = client.post(url("promotion_approve", request), **HTMX)

    assert f"You own {v2}" in page
    assert f"You own {v2}" in text(response)
    assert snapshot() == before


def test_a_second_gate_owner_approving_a_decided_request_gets_a_clear_message(client, world):
    _, _, request = pending_to_production(world)
    world.sign_manual_items(request, world.gate)
    services.promotion_approve(request=request, actor=world.gate)
    client.force_login(world.gate2.user)
    before = snapshot()

    response = client.post(url("promotion_approve", request), **HTMX)

    page = text(response)
    assert response.status_code == 200
    assert f"Request #{request.pk} was already approved by {world.gate}" in page
    assert "nothing was changed" in page
    assert snapshot() == before


def test_rejecting_needs_a_reason(client, world):
    _, v2, request = pending_to_production(world)
    client.force_login(world.gate.user)
    before = snapshot()

    blank = client.post(url("promotion_reject", request), {"reason": " "}, **HTMX)
    after_blank = snapshot()
    given = client.post(url("promotion_reject", request), {"reason": "latency regressed"}, **HTMX)

    request.refresh_from_db()
    v2.refresh_from_db()
    assert "Say why you reject this request" in text(blank)
    assert after_blank == before
    assert request.state == PromotionState.REJECTED and request.decision_note == "latency regressed"
    assert v2.status == Stage.STAGING
    assert "Rejected #" in text(given) and "latency regressed" in text(given)


def test_withdrawing_is_for_the_requester(client, world):
    _, _, request = pending_to_production(world)
    client.force_login(world.gate.user)
    refused = client.post(url("promotion_withdraw", request), **HTMX)
    client.force_login(world.requester.user)
    accepted = client.post(url("promotion_withdraw", request), **HTMX)

    request.refresh_from_db()
    assert "Only" in text(refused) and "can withdraw" in text(refused)
    assert request.state == PromotionState.WITHDRAWN
    assert "Withdrew #" in text(accepted)


def test_a_user_without_roster_entry_cannot_act(client, world):
    _, _, request = pending_to_production(world)
    client.force_login(UserFactory())
    before = snapshot()

    page = text(client.get(request.get_absolute_url()))
    response = client.post(url("promotion_approve", request), **HTMX)

    assert "You have no roster entry" in page
    assert "You have no roster entry" in text(response)
    assert snapshot() == before


# -- CSRF and sessions ----------------------------------------------------------------------------


def test_actions_need_the_csrf_token(world):
    _, _, request = pending_to_production(world)
    item = manual_item(request)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.gate.user)
    before = snapshot()

    for name, args in [
        ("promotion_tick", [item.pk]),
        ("promotion_approve", []),
        ("promotion_reject", []),
        ("promotion_withdraw", []),
    ]:
        response = client.post(url(name, request, *args), {"evidence": "x", "reason": "x"}, **HTMX)
        assert response.status_code == 403, name
    assert snapshot() == before

    client.get(request.get_absolute_url())  # sets the CSRF cookie, as the page would
    token = client.cookies["csrftoken"].value
    ticked = client.post(
        url("promotion_tick", request, item.pk),
        {"evidence": "drill"},
        HTTP_X_CSRFTOKEN=token,
        **HTMX,
    )
    assert ticked.status_code == 200
    item.refresh_from_db()
    assert item.ticked


def test_an_expired_session_during_htmx_sends_the_whole_page_to_login(client, world):
    _, _, request = pending_to_production(world)

    response = client.post(url("promotion_approve", request), **HTMX)
    plain = client.post(url("promotion_approve", request))

    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")
    assert plain.status_code == 302 and plain["Location"].startswith("/accounts/login/")
    request.refresh_from_db()
    assert request.state == PromotionState.PENDING
