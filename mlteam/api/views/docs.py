"""The OpenAPI schema and the interactive docs (Swagger UI from drf-spectacular-sidecar, so it
works offline), plus a JSON 404 for any other /api/ path."""

from django.contrib.auth.views import redirect_to_login
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from mlteam.kernel.errors import NotFound


class ApiDocs(SpectacularSwaggerSplitView):
    """Swagger UI with its init script served from a URL, not inline, so it runs under our CSP.

    People arrive here from a browser, so a missing login redirects to the login page instead of
    answering 401 JSON.
    """

    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().get(request, *args, **kwargs)


@extend_schema(exclude=True)
class ApiNotFound(APIView):
    """Unknown paths under /api/ answer in the API's error shape, not with an HTML page."""

    permission_classes = [AllowAny]

    def _answer(self, request, *args, **kwargs):
        raise NotFound("not_found", f"There is no API endpoint at {request.path}; see /api/docs/.")

    get = post = put = patch = delete = head = options = _answer
