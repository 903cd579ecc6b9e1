"""The page an SMS link opens (/s/<token>): its agent acts on its one shift without signing in.

The token is the only key: 64 random bits, one agent, one shift, the actions of its message,
until the shift ends. It signs nobody in. An address that opens many unknown links is made to
wait, so that guessing stays hopeless even without the 64 bits."""

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import PasswordResetConfirmView
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from roster import services
from roster.models import ActionLink, Assignment
from roster.services import RosterError
from roster.tokens import welcome_token_generator

MISSES_WINDOW_SECONDS = 3600


def misses_key(request) -> str:
    return f"sms-link-misses:{get_client_ip_address(request) or ''}"


def offered_actions(link: ActionLink, now) -> list[str]:
    """The link's actions that can be done now, in the order its page shows them."""
    assignment = link.assignment
    Action = ActionLink.Action
    possible = {
        Action.TAKE: assignment is None and services.open_places(link.shift) > 0,
        Action.CHECK_IN: assignment is not None and assignment.can_check_in(now),
        Action.CONFIRM: assignment is not None and assignment.can_confirm(now),
        Action.DECLINE: assignment is not None
        and assignment.status in (Assignment.Status.ASSIGNED, Assignment.Status.CONFIRMED)
        and now < assignment.end,
    }
    return [action for action, ok in possible.items() if ok and action in link.actions and action not in link.done]


DONE = {
    ActionLink.Action.CONFIRM: gettext_lazy("You have confirmed the shift."),
    ActionLink.Action.CHECK_IN: gettext_lazy("You have checked in. Thank you."),
    ActionLink.Action.DECLINE: gettext_lazy("Noted: you cannot come. Your directors are told that the shift is short."),
    ActionLink.Action.TAKE: gettext_lazy("The shift is yours. Check in here when you arrive."),
}


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def action_link(request, token):
    if cache.get(misses_key(request), 0) >= settings.SMS_LINK_MISSES_PER_HOUR:
        response = render(request, "roster/link_gone.html", {"reason": "throttled"}, status=429)
        response["Retry-After"] = str(MISSES_WINDOW_SECONDS)
        return response
    # A deactivated agent's links open nothing.
    links = ActionLink.objects.filter(token=token, agent__active=True)
    link = links.select_related("agent__user", "shift__line__hotline", "assignment").first()
    if link is None:
        cache.add(misses_key(request), 0, timeout=MISSES_WINDOW_SECONDS)
        cache.incr(misses_key(request))
        return render(request, "roster/link_gone.html", {"reason": "unknown"}, status=404)
    now = timezone.now()
    if link.shift_id is None:
        return welcome_link(request, link, now)
    if link.is_expired(now):
        return render(request, "roster/link_gone.html", {"reason": "expired"}, status=410)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            services.action_link_act(link=link, action=action, now=now)
        except RosterError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, DONE[action])
        return redirect(link)
    offered = offered_actions(link, now)
    taken = ActionLink.Action.TAKE in link.actions and link.assignment is None and not offered
    return render(
        request,
        "roster/link.html",
        {
            "link": link,
            "shift": link.shift,
            "assignment": link.assignment,
            "offered": [(action, ActionLink.Action(action).label) for action in offered],
            "taken": taken,
        },
    )


def welcome_link(request, link: ActionLink, now):
    """A welcome SMS's link leads to the page where the new account chooses its password,
    as long as it has none: once chosen, the link is spent."""
    user = link.agent.user
    if link.is_expired(now):
        return render(request, "roster/link_gone.html", {"reason": "welcome_expired"}, status=410)
    if user is None or user.has_usable_password() or ActionLink.Action.SET_PASSWORD not in link.actions:
        return render(request, "roster/link_gone.html", {"reason": "password_set"}, status=410)
    return redirect(services.welcome_path(user))


# Django's page to choose a new password, with the welcome's token (valid WELCOME_LINK_DAYS days).
welcome_password = PasswordResetConfirmView.as_view(
    token_generator=welcome_token_generator, success_url=reverse_lazy("password_reset_complete")
)
