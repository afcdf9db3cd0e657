from django.urls import NoReverseMatch, reverse

from mlteam.notifications.selectors import unread_count
from mlteam.registry.selectors import promotions_waiting_for
from mlteam.roster.permissions import member_of

# (label, url name) in menu order. Entries whose URL is not installed yet are left out, so the
# menu never shows a link to a page that does not exist.
NAVIGATION = [
    ("Dashboard", "dashboard"),
    ("Models", "registry:models"),
    ("Promotions", "registry:promotions"),
    ("Benchmarks", "evals:benchmarks"),
    ("Experiments", "tracking:experiments"),
    ("Teams", "roster:teams"),
    ("Roster", "roster:ratio"),
    ("Topology", "roster:topology"),
    ("Checks", "checks:checks"),
]


def _resolvable(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def _badges(user) -> dict:
    """The inbox count ("N waiting for you", one query) and unread notifications (one query)."""
    member = member_of(user)
    if member is None:
        return {"waiting_count": 0, "unread_count": 0}
    return {
        "waiting_count": promotions_waiting_for(member).count(),
        "unread_count": unread_count(member),
    }


def navigation(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    items = []
    for label, url_name in NAVIGATION:
        url = _resolvable(url_name)
        if url is not None:
            active = request.path == url if url == "/" else request.path.startswith(url)
            items.append({"label": label, "url": url, "active": active})
    return {"nav_items": items, **_badges(request.user)}
