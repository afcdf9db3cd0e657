"""Organisation checks (everyone signed in) and rebalancing plans (ML leads)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response

from mlteam.api.serializers import checks as s
from mlteam.kernel.errors import NotAllowed, NotFound
from mlteam.registry.checks import checks_filters_parse, organisation_checks, severity_counts
from mlteam.roster import planning
from mlteam.roster.models import RosterPlan
from mlteam.roster.permissions import actor_for, can_edit_roster


class Checks(generics.GenericAPIView):
    serializer_class = s.ChecksSerializer
    pagination_class = None

    @extend_schema(
        operation_id="checks_list",
        parameters=[
            OpenApiParameter("severity", OpenApiTypes.STR, description="high, medium or low: "
                             "that level and above."),
            OpenApiParameter("code", OpenApiTypes.STR, description="One check code."),
            OpenApiParameter("team", OpenApiTypes.STR, description="Team slug."),
        ]
    )  # fmt: skip
    def get(self, request):
        """Where the organisation breaks the lesson's practices, most severe first."""
        params = request.query_params
        filters = checks_filters_parse(
            severity=params.get("severity"), code=params.get("code"), team=params.get("team")
        )
        findings = organisation_checks(**filters)
        body = {
            "count": len(findings),
            "counts": severity_counts(findings),
            "findings": [f.as_dict() for f in findings],
        }
        return Response(s.ChecksSerializer(body).data)


def _editor(request) -> None:
    if not can_edit_roster(request.user):
        raise NotAllowed("not_ml_lead", "Only ML leads may see and apply rebalancing plans.")


def _plan_or_404(pk: int) -> RosterPlan:
    plan = None
    if pk < 2**31:
        plan = RosterPlan.objects.select_related("created_by").filter(pk=pk).first()
    if plan is None:
        raise NotFound("not_found", f"There is no rebalancing plan #{pk}.")
    return plan


def _detail(plan: RosterPlan) -> dict:
    preview = planning.plan_preview(plan.changes if plan.state == RosterPlan.State.DRAFT else [])
    plan.descriptions = preview.descriptions if plan.state == RosterPlan.State.DRAFT else []
    plan.teams = preview.teams
    return s.PlanDetailSerializer(plan).data


class PlanList(generics.GenericAPIView):
    serializer_class = s.PlanSerializer
    pagination_class = None

    @extend_schema(operation_id="roster_plans_list")
    def get(self, request):
        """Saved rebalancing plans (drafts, applied, discarded), newest first."""
        _editor(request)
        plans = RosterPlan.objects.select_related("created_by").order_by("-updated_at", "-id")
        return Response(s.PlanSerializer(plans, many=True).data)


class PlanDetail(generics.GenericAPIView):
    serializer_class = s.PlanDetailSerializer

    @extend_schema(operation_id="roster_plans_retrieve")
    def get(self, request, pk: int):
        """One plan, its changes in words and each team's share now and after it."""
        _editor(request)
        return Response(_detail(_plan_or_404(pk)))


class PlanApply(generics.GenericAPIView):
    serializer_class = s.PlanDetailSerializer

    @extend_schema(request=s.PlanApplySerializer, responses={200: s.PlanDetailSerializer})
    def post(self, request, pk: int):
        """Apply every change as one transaction. 409 ``plan_overtaken`` names what changed on
        the roster since the plan was drafted; nothing changes then."""
        _editor(request)
        body = s.PlanApplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        note = body.validated_data.get("note", "")
        plan = planning.plan_apply(plan=_plan_or_404(pk), actor=actor_for(request.user), note=note)
        return Response(_detail(plan))
