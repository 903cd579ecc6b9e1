"""
The server error handler (handler500): a database that cannot be reached is an outage, not a bug.
And the page of a form refused for its stale CSRF token (CSRF_FAILURE_VIEW).

While PostgreSQL restarts or fails over, every request that needs it fails before or inside its
view, often in middleware (the session of a signed-in user). Django hands all of those to
handler500; this one answers them 503 with a page that says to try again in a moment (JSON
under /api/), and anything else with the usual 500 page. Either way Django's request logger
records the error with its reason ("Service Unavailable: /path" and the exception).
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.defaults import server_error as plain_server_error

# Long enough for a restart, short enough for someone waiting on the page.
RETRY_AFTER_SECONDS = 30

# A database out of reach for a while (the pages' 503, the tasks' retries): connection refused,
# closed or terminated, and the database's other passing troubles (a deadlock, a statement
# timeout) are OperationalError; a connection used after it broke is InterfaceError. A bad
# query is a ProgrammingError or an IntegrityError: a bug.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def database_unavailable(error) -> bool:
    return isinstance(error, DATABASE_UNAVAILABLE)


def server_error(request):
    if not database_unavailable(sys.exc_info()[1]):
        return plain_server_error(request)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": _("The service is briefly unavailable; try again in a moment.")}, status=503)
    else:
        # Rendered without the request's context: the menu would ask the database who is signed in.
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def csrf_failure(request, reason=""):
    """Django's own page is English and bare; this one says what happened and how to go on.
    The reason ("CSRF token missing") stays in the request log, not on the page."""
    back = request.META.get("HTTP_REFERER", "")
    # A link back to the form, never to another site that sent the browser here.
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = ""
    return render(request, "403_csrf.html", {"back": back}, status=403)
