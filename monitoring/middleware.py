import re
import uuid

from monitoring import context

# An id from the proxy in front is kept (so its log and ours join up) only if it is short and
# plain: anything else could forge log lines or carry someone's data into them.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestIdMiddleware:
    """Gives each request an id, sent back as X-Request-ID, that its log lines carry with the user's id.

    After AuthenticationMiddleware, so the signed-in user is known (API token callers are
    authenticated later, by DRF, and log without a user id)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        user = getattr(request, "user", None)
        context.bind(request_id=request.request_id, user_id=user.pk if user and user.is_authenticated else None)
        response = self.get_response(request)
        response.headers["X-Request-ID"] = request.request_id
        return response
