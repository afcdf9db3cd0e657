"""The notifications page (unread and read, mark all read) and the email preferences."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mlteam.kernel.errors import DomainError, NotAllowed
from mlteam.kernel.htmx import posted, refuse, render_page
from mlteam.notifications import selectors, services
from mlteam.notifications.models import EmailPreference
from mlteam.roster.permissions import member_of
from mlteam.web.notifications.forms import EmailPreferencesForm

PER_PAGE = 30


def _member(request):
    member = member_of(request.user)
    if member is None:
        raise NotAllowed("no_roster_entry", "You have no roster entry; ask an ML lead to add you.")
    return member


@require_GET
def notification_list(request):
    """What the system told you: unread first tab, everything on the second."""
    try:
        member = _member(request)
    except DomainError as error:
        return refuse(request, error)
    show = "all" if request.GET.get("show") == "all" else "unread"
    rows = selectors.notifications_of(member, unread_only=show == "unread")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "show": show,
        "unread": selectors.unread_count(member),
    }
    return render_page(request, "notifications/list.html", context, partial="list")


@require_POST
def notification_mark_read(request):
    """Mark all (or the posted ``id``) read, then back to the list."""
    try:
        member = _member(request)
    except DomainError as error:
        return refuse(request, error)
    raw = request.POST.get("id", "")
    ids = [int(raw)] if raw.isascii() and raw.isdigit() and len(raw) < 19 else None
    count = services.notifications_mark_read(member=member, ids=ids)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect("notifications:list")


@require_http_methods(["GET", "POST"])
def email_preferences(request):
    try:
        member = _member(request)
    except DomainError as error:
        return refuse(request, error)
    saved = EmailPreference.objects.filter(member=member).first()
    initial = {"events": saved.events if saved else services.DEFAULT_EMAIL_EVENTS}
    data, _ = posted(request)
    form = EmailPreferencesForm(data, initial=initial)
    if data is not None and form.is_valid():
        services.email_preferences_set(member=member, events=form.cleaned_data["events"])
        messages.success(request, "Email preferences saved.")
        return redirect("notifications:preferences")
    context = {"form": form, "email": request.user.email}
    return render_page(request, "notifications/preferences.html", context)
