"""Page middleware that the JSON API (``/api/v1/``) skips.

These serve the HTML pages only: flash messages, HTMX details, the login redirect (API views
answer 401 in JSON) and WhiteNoise's static files. On an API call they still built message
storage, HTMX details and so on. Everything else (request id and log line, fault barrier, every
security and cache header, CSP included, sessions and the signed-in user, Django's CSRF
middleware, django-axes — the last two also because Django's and axes' system checks look for
their own classes) runs for every request. The API's schema
and docs pages (``/api/schema/``, ``/api/docs/``) are pages: they keep all of it.

Each class here is the library's own, wrapped: the order of ``settings.MIDDLEWARE`` stays theirs.
"""

from django.contrib.messages.middleware import MessageMiddleware as _Messages
from django_htmx.middleware import HtmxMiddleware as _Htmx
from whitenoise.middleware import WhiteNoiseMiddleware as _WhiteNoise

from mlteam.kernel import middleware as ours

API_PREFIX = "/api/v1/"


def is_api_call(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def pages_only(middleware: type) -> type:
    """``middleware`` for every request but the JSON API's, which go straight on."""

    class PagesOnly(middleware):
        def __call__(self, request):
            if is_api_call(request):
                return self.get_response(request)
            return super().__call__(request)

    if hasattr(middleware, "process_view"):

        def process_view(self, request, view_func, view_args, view_kwargs):
            if is_api_call(request):
                return None
            return super(PagesOnly, self).process_view(request, view_func, view_args, view_kwargs)

        PagesOnly.process_view = process_view
    PagesOnly.__name__ = PagesOnly.__qualname__ = middleware.__name__
    PagesOnly.__doc__ = f"{middleware.__doc__ or middleware.__name__}\n\n(Skipped by /api/v1/.)"
    return PagesOnly


WhiteNoiseMiddleware = pages_only(_WhiteNoise)
MessageMiddleware = pages_only(_Messages)
HtmxMiddleware = pages_only(_Htmx)
LoginRequiredMiddleware = pages_only(ours.LoginRequiredMiddleware)
