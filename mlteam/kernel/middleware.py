"""Cross-cutting request handling: login everywhere, HTMX-aware redirects, CSP header."""

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpResponse
from django_htmx.http import HttpResponseClientRedirect


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs a signed-in user, except views marked ``@login_not_required``.

    REST framework views authenticate themselves (tokens as well as sessions) and answer 401
    in JSON, so they are left to DRF instead of being redirected to the login page.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        from rest_framework.views import APIView

        view_class = getattr(view_func, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class HtmxLoginRedirectMiddleware:
    """An expired session during an HTMX request sends the whole page to login.

    Without this, htmx would follow the 302 and swap the login page into a fragment.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        login_path = str(settings.LOGIN_URL)
        location = response.get("Location", "")
        is_login_redirect = response.status_code == 302 and (
            location.startswith("/accounts/login") or location.startswith(login_path)
        )
        if getattr(request, "htmx", False) and is_login_redirect:
            return HttpResponseClientRedirect(location)
        return response


class ContentSecurityPolicyMiddleware:
    """Sends the strict policy of settings.CONTENT_SECURITY_POLICY with every HTML response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response: HttpResponse = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
