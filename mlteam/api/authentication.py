"""``Authorization: Bearer <token>`` (or ``Token <token>``) for the REST API."""

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from mlteam.api.services import token_find, token_touch

KEYWORDS = {"bearer", "token"}


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Hashed, expiring, revocable tokens made on the "API tokens" page or by ``create_token``."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in KEYWORDS:
            return None  # not ours: session authentication may still apply
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as 'Authorization: Bearer <token>' (one value, no spaces)."
            )
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(
                "The token contains characters a token never has."
            ) from None
        token = token_find(raw)
        now = timezone.now()
        if token is None:
            raise exceptions.AuthenticationFailed(
                "Unknown API token; create one on the API tokens page."
            )
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(f"The API token '{token.name}' was revoked.")
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(
                f"The API token '{token.name}' expired on {token.expires_at:%Y-%m-%d}; "
                "create a new one."
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("The token's user account is inactive.")
        token_touch(token, now)
        return token.user, token

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) when no credentials were sent.
        return 'Bearer realm="mlteam"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "mlteam.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token: `Authorization: Bearer mlt_…` (`Token mlt_…` works too).",
        }
