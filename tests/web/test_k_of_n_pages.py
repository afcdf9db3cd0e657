"""K-of-N sign-off on the promotion page and in the admin: "1 of 2 approvals", who approved and
when, a button that says it adds an approval, and the protocol field edited through the audited
configuration service."""

import re

import pytest
from django.urls import reverse

from mlteam.kernel.enums import AuditAction
from mlteam.kernel.models import AuditEvent
from mlteam.registry import configuration, services
from mlteam.registry.enums import PromotionState
from mlteam.registry.models import HandoffProtocol
from tests.registry.test_admin import staff
from tests.registry.test_admin_config import ALL_PROTOCOL_PERMS

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def two_of_n(world):
    """A staged version whose production request needs two approvals; checklist complete."""
    configuration.protocol_update(
        protocol=world.to_production, actor=world.lead, changes={"required_approvals": 2}
    )
    return world.production_request()


def page(client, request) -> str:
    return client.get(reverse("registry:promotion", args=[request.pk])).content.decode()


def test_the_page_says_no_approvals_yet_and_the_button_adds_one(client, world, two_of_n):
    client.force_login(world.gate.user)

    html = page(client, two_of_n)

    assert "<strong>0 of 2 approvals</strong>" in html
    assert "2 distinct holders of <strong>ML Production Engineer</strong>" in html
    assert "Add my approval (1 of 2)</button>" in html


def test_a_first_approval_shows_who_approved_and_when_and_the_request_stays(
    client, world, two_of_n
):
    client.force_login(world.gate.user)

    response = client.post(
        reverse("registry:promotion_approve", args=[two_of_n.pk]), {"note": "ok"}, **HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Added your approval (1 of 2 approvals)" in html
    assert "<strong>1 of 2 approvals</strong>" in html
    approval = two_of_n.approvals.get()
    assert re.search(
        rf"<strong>{world.gate}</strong> <span class=\"muted\">on <time[^>]*>"
        rf"{approval.at:%Y-%m-%d %H:%M}</time>",
        html,
    )
    # The approver cannot approve again, and the page says why.
    assert "Why you cannot approve: You approved this request at" in html
    two_of_n.refresh_from_db()
    assert two_of_n.state == PromotionState.PENDING


def test_the_next_gate_owner_sees_the_last_approval_moves_the_version(client, world, two_of_n):
    services.promotion_approve(request=two_of_n, actor=world.gate)
    client.force_login(world.gate2.user)

    assert "Add the last approval (2 of 2): move to production</button>" in page(client, two_of_n)
    response = client.post(reverse("registry:promotion_approve", args=[two_of_n.pk]), **HTMX)

    html = response.content.decode()
    assert f"Approved: {two_of_n.artifact} is now in production" in html
    assert "2 of 2 approvals:" in html
    assert html.index(str(world.gate)) < html.index(str(world.gate2))


def test_the_same_approver_posting_again_is_refused_inline(client, world, two_of_n):
    services.promotion_approve(request=two_of_n, actor=world.gate)
    client.force_login(world.gate.user)
    events = AuditEvent.objects.count()

    response = client.post(reverse("registry:promotion_approve", args=[two_of_n.pk]), **HTMX)

    assert "You already approved" in response.content.decode()
    assert AuditEvent.objects.count() == events


def test_a_single_approval_gate_keeps_its_old_wording(client, world):
    request = world.production_request()
    client.force_login(world.gate.user)

    html = page(client, request)

    assert "Approve: move to production</button>" in html
    assert "approvals</strong>" not in html


# -- the admin ---------------------------------------------------------------------------------


def protocol_form(client, protocol) -> dict:
    """The protocol's change form as the browser would post it back unchanged."""
    url = f"/admin/registry/handoffprotocol/{protocol.pk}/change/"
    html = client.get(url).content.decode()
    inline = re.search(r'name="([\w-]+)-TOTAL_FORMS"', html).group(1)
    criteria = list(protocol.criteria.order_by("position", "id"))
    data = {
        "name": protocol.name,
        "description": protocol.description,
        "from_stage": protocol.from_stage,
        "to_stage": protocol.to_stage,
        "responsible_role": protocol.responsible_role_id,
        "required_approvals": protocol.required_approvals,
        "active": "on",
        f"{inline}-TOTAL_FORMS": len(criteria),
        f"{inline}-INITIAL_FORMS": len(criteria),
    }
    if protocol.allow_owner_approval:
        data["allow_owner_approval"] = "on"
    for index, criterion in enumerate(criteria):
        prefix = f"{inline}-{index}-"
        data |= {
            prefix + "id": criterion.pk,
            prefix + "protocol": protocol.pk,
            prefix + "position": criterion.position,
            prefix + "kind": criterion.kind,
            prefix + "statement": criterion.statement,
            prefix + "benchmark": criterion.benchmark_id or "",
            prefix + "comparator": criterion.comparator,
            prefix + "threshold": "" if criterion.threshold is None else criterion.threshold,
        }
    return data


def test_an_ml_lead_sets_required_approvals_in_the_admin_and_it_is_audited(client, world):
    staff(client, world.lead, *ALL_PROTOCOL_PERMS)
    data = protocol_form(client, world.retire) | {"required_approvals": 2}

    response = client.post(f"/admin/registry/handoffprotocol/{world.retire.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert HandoffProtocol.objects.get(pk=world.retire.pk).required_approvals == 2
    event = AuditEvent.objects.filter(action=AuditAction.PROTOCOL_CHANGED).latest("id")
    assert "required_approvals" in str(event.details)


def test_the_admin_refuses_an_impossible_number_of_approvals(client, world):
    staff(client, world.lead, *ALL_PROTOCOL_PERMS)
    data = protocol_form(client, world.retire) | {"required_approvals": 50}
    events = AuditEvent.objects.count()

    response = client.post(
        f"/admin/registry/handoffprotocol/{world.retire.pk}/change/", data, follow=True
    )

    assert "Required approvals is a whole number from 1 to 10" in response.content.decode()
    assert HandoffProtocol.objects.get(pk=world.retire.pk).required_approvals == 1
    assert AuditEvent.objects.count() == events


def test_the_promotion_request_admin_shows_its_approvals_read_only(client, world, two_of_n):
    services.promotion_approve(request=two_of_n, actor=world.gate, note="first pair of eyes")
    staff(client, world.lead, "view_promotionrequest", "change_promotionrequest")

    html = client.get(f"/admin/registry/promotionrequest/{two_of_n.pk}/change/").content.decode()

    assert "1 of 2 approvals" in html
    assert "first pair of eyes" in html and str(world.gate) in html
    assert 'name="approvals-0-note"' not in html  # shown, never editable
