"""Models, their versions, eval results and per-version promotion requests.

Thin adapters: parse input, call the registry/evals services, shape the answer. Domain errors
propagate to ``api_exception_handler``, which turns them into ``{"error", "detail"}`` JSON.
"""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.fields import DateTimeField
from rest_framework.response import Response

from mlteam.api import fast_reads, filters, selectors
from mlteam.api import representations as rep
from mlteam.api.errors import ErrorSerializer
from mlteam.api.serializers import registry as s
from mlteam.api.views import common
from mlteam.api.views.common import RepresentedList, acting_member, model_or_404, version_or_404
from mlteam.evals import selectors as evals_selectors
from mlteam.evals.services import eval_record
from mlteam.kernel.errors import InvalidInput
from mlteam.registry import selectors as registry_selectors
from mlteam.registry import services
from mlteam.registry.models import Model, ModelArtifact
from mlteam.roster.models import Team
from mlteam.tracking.models import Run

REFUSED = OpenApiResponse(ErrorSerializer, description="`status_read_only` or `version_immutable`.")


def refuse_status(data, name: str, version: int | None) -> None:
    """``status`` in a write is refused with the request that would move ``name`` ``version``
    (``None``: the version being registered, which starts experimental)."""
    if not (isinstance(data, dict) and "status" in data):
        return
    if version is None:
        how = (
            "Register it without status (every version starts experimental), then request a "
            f"promotion: POST /api/v1/models/{name}/versions/<the new version>/promotions/ "
            f'{{"to_stage": "staging"}} (or `mlteam promote {name} <the new version> '
            "--to staging`)."
        )
    else:
        how = (
            "To move it, request a promotion: "
            f'POST /api/v1/models/{name}/versions/{version}/promotions/ {{"to_stage": "..."}} '
            f"(or `mlteam promote {name} {version} --to STAGE`)."
        )
    raise InvalidInput(
        "status_read_only",
        f"status is read-only: a version changes stage only through an approved promotion. {how}",
    )


def run_or_400(run_id: int | None) -> Run | None:
    if run_id is None:
        return None
    run = Run.objects.filter(pk=run_id).first()
    if run is None:
        raise InvalidInput("unknown_run", f"There is no run with id {run_id}.")
    return run


class ModelList(RepresentedList):
    """Registered models; filter by team, task, stage or words; order by name or activity."""

    serializer_class = s.ModelSerializer
    columns = rep.MODEL_COLUMNS
    represent = staticmethod(rep.model)
    filterset_class = filters.ModelFilter
    # Not created_at: Model.created_at has no index, so ordering by it would sort the table.
    ordering_fields = ["name", "updated_at"]
    ordering = "name"

    def get_queryset(self):
        return registry_selectors.models_for_registry()

    def list(self, request, *args, **kwargs):
        # A pipeline's lookup by name prefix (or the plain first page), the busiest list: one
        # compiled read; anything else goes through the filters and the cursor.
        if set(request.query_params) - {"page_size", "name_prefix"}:
            return super().list(request, *args, **kwargs)
        prefix = filters.ModelFilter.prefix_of(request.query_params.get("name_prefix", ""))
        return self.first_page_response(
            lambda order, limit: fast_reads.models_first_page(prefix, order, limit), Model
        )

    @extend_schema(request=s.ModelCreateSerializer, responses={201: s.ModelSerializer})
    def post(self, request):
        """Register a new model owned by a team you work in (ML leads: any team)."""
        data = s.ModelCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team = Team.objects.filter(slug=data.validated_data["team"]).first()
        if team is None:
            raise InvalidInput("unknown_team", f"There is no team '{data.validated_data['team']}'.")
        model = services.model_create(
            name=data.validated_data["name"],
            team=team,
            task=data.validated_data["task"],
            description=data.validated_data["description"],
            actor=acting_member(request),
        )
        return Response(rep.model(fast_reads.model(model.name)), status=201)


class ModelDetail(generics.GenericAPIView):
    serializer_class = s.ModelSerializer

    def get(self, request, name: str):
        row = fast_reads.model(name)
        if row is None:
            model_or_404(name)  # raises, in words
        return Response(rep.model(row))


class ModelProduction(generics.GenericAPIView):
    serializer_class = s.ProductionSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "at", OpenApiTypes.DATETIME, description="ISO 8601 moment (default: now)."
            )
        ]
    )
    def get(self, request, name: str):
        """Which version was in production at ``at``, answered from the stage history."""
        try:
            at = parse_at(request.query_params.get("at"))
        except InvalidInput:
            model_or_404(name)  # an unknown model is a 404 whatever ``at`` says
            raise
        found, version = fast_reads.production_at(name, at)
        if not found:
            model_or_404(name)  # no history at all: no model (404), or never in production
        return Response({"model": name, "at": rep.iso(at), "version": version})


def parse_at(raw: str | None):
    """``?at=``: absent is now; an empty or unreadable value is refused (an empty ``at=`` is a
    client that lost its value, and "now" would answer a question it did not ask)."""
    if raw is None:
        return timezone.now()
    if not raw.strip():
        raise InvalidInput(
            "invalid_at",
            "at: give an ISO 8601 time, e.g. 2026-01-31T12:00:00Z, or leave at out for now.",
        )
    try:
        return DateTimeField().to_internal_value(raw)
    except Exception:
        raise InvalidInput(
            "invalid_at", f"at: '{raw}' is not an ISO 8601 time, e.g. 2026-01-31T12:00:00Z."
        ) from None


class VersionList(RepresentedList):
    """A model's versions, newest first; filter by status or owner."""

    serializer_class = s.VersionSerializer
    columns = rep.VERSION_COLUMNS
    represent = staticmethod(rep.version)
    filterset_class = filters.VersionFilter
    ordering_fields = ["version", "created_at", "status_changed_at"]
    ordering = "-version"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return self.serializer_class.Meta.model.objects.none()
        model_id = fast_reads.model_id(self.kwargs["name"])
        if model_id is None:
            model_or_404(self.kwargs["name"])  # raises, in words
        return ModelArtifact.objects.filter(model_id=model_id)

    def list(self, request, *args, **kwargs):
        # The call pipelines make most (the newest versions, no filter, no cursor) is one
        # prepared read; anything else goes through the filters and the cursor.
        if set(request.query_params) - {"page_size"}:
            return super().list(request, *args, **kwargs)
        name = self.kwargs["name"]

        def read(order, limit):
            rows = fast_reads.versions_first_page(name, order, limit)
            if not rows and fast_reads.model_id(name) is None:
                model_or_404(name)  # raises, in words
            return rows

        return self.first_page_response(read, ModelArtifact)

    @extend_schema(request=s.VersionRegisterSerializer, responses={201: s.VersionSerializer})
    def post(self, request, name: str):
        """Register the next version; it starts experimental, owned by you."""
        refuse_status(request.data, name, None)
        data = s.VersionRegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        artifact = services.artifact_register(
            model=common.model_to_write_or_404(name),
            actor=acting_member(request),
            artifact_uri=data.validated_data["artifact_uri"],
            source_run=run_or_400(data.validated_data.get("run")),
            description=data.validated_data["description"],
        )
        # The new row already carries its model, owner (the actor) and card: no re-read.
        return Response(rep.version_of(artifact), status=201)


class VersionDetail(generics.GenericAPIView):
    serializer_class = s.VersionDetailSerializer

    def get(self, request, name: str, version: int):
        # Two queries: the version with its pending request and next stages, then its scores.
        shown = fast_reads.version_detail(name, version)
        if shown is None:
            version_or_404(name, version)  # raises, naming the model's latest version
        return Response(shown)

    @extend_schema(
        request=s.VersionPatchSerializer,
        responses={200: s.VersionSerializer, 400: REFUSED},
        description="Only the description changes (audited as `artifact.updated`): a registered "
        "version is otherwise immutable (`version_immutable`) and its status changes only "
        "through promotions (`status_read_only`).",
    )
    def patch(self, request, name: str, version: int):
        artifact = version_or_404(name, version)
        refuse_status(request.data, name, version)
        if not isinstance(request.data, dict):
            raise InvalidInput("invalid", 'Send a JSON object, e.g. {"description": "..."}.')
        # The service holds the rule (only the description may change) for the admin too.
        updated = services.artifact_update(
            artifact=artifact, actor=acting_member(request), changes=dict(request.data)
        )
        artifact.description = updated.description  # the row with its joins, re-read not needed
        return Response(s.VersionSerializer(artifact).data)

    @extend_schema(
        request=s.VersionPatchSerializer, responses={200: s.VersionSerializer, 400: REFUSED}
    )
    def put(self, request, name: str, version: int):
        return self.patch(request, name, version)


class EvalResultList(RepresentedList):
    """Every recorded result of one version (history included), newest first."""

    serializer_class = s.EvalResultSerializer
    columns = rep.EVAL_RESULT_COLUMNS
    represent = staticmethod(rep.eval_result)
    filterset_class = filters.EvalResultFilter
    ordering_fields = ["recorded_at", "value"]
    ordering = "-recorded_at"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return self.serializer_class.Meta.model.objects.none()
        artifact = version_or_404(self.kwargs["name"], self.kwargs["version"])
        return selectors.eval_results_for_api().filter(artifact=artifact)

    @extend_schema(request=s.EvalRecordSerializer, responses={201: s.EvalResultSerializer})
    def post(self, request, name: str, version: int):
        """Record a result; the latest per benchmark is what cards and gates use."""
        artifact = common.version_to_write_or_404(name, version)
        data = s.EvalRecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        benchmark = evals_selectors.benchmark_by_slug(data.validated_data["benchmark"])
        if benchmark is None:
            raise InvalidInput(
                "unknown_benchmark",
                f"There is no benchmark '{data.validated_data['benchmark']}'; "
                "see GET /api/v1/benchmarks/.",
            )
        result = eval_record(
            artifact=artifact,
            benchmark=benchmark,
            value=data.validated_data["value"],
            actor=acting_member(request),
            run=run_or_400(data.validated_data.get("run")),
            note=data.validated_data["note"],
        )
        return Response(rep.eval_result_of(result), status=status.HTTP_201_CREATED)


class VersionPromotionList(generics.ListAPIView):
    """Promotion requests of one version, newest first."""

    serializer_class = s.PromotionSerializer
    ordering_fields = ["requested_at"]
    ordering = "-requested_at"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return self.serializer_class.Meta.model.objects.none()
        artifact = version_or_404(self.kwargs["name"], self.kwargs["version"])
        return selectors.promotions_for_api().filter(artifact=artifact)

    @extend_schema(
        request=s.PromotionRequestSerializer, responses={201: s.PromotionDetailSerializer}
    )
    def post(self, request, name: str, version: int):
        """Ask for the version to move to ``to_stage`` through the matching handoff protocol."""
        from mlteam.api.views.promotions import promotion_detail_response

        artifact = version_or_404(name, version)
        data = s.PromotionRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        promotion = services.promotion_request(
            artifact=artifact,
            to_stage=data.validated_data["to_stage"],
            note=data.validated_data["note"],
            actor=acting_member(request),
        )
        return promotion_detail_response(promotion.pk, status=201)
