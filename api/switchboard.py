"""Webhooks for cloud switchboards: the AMI's queue events, pushed and signed (docs/switchboard.md).

The body is signed with the hotline's webhook secret, `X-Trucban-Signature: sha256=<hex HMAC-SHA256
of the raw body>`: the signature is the only credential, so the view takes no session or token
(and no CSRF token), and says nothing of a hotline to a caller who cannot sign for it."""

import datetime
import hashlib
import hmac
import json

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from hotline.models import Hotline
from switchboard.events import handle_events, happened_before
from switchboard.models import Switchboard

MAX_EVENTS = 1000
MAX_EVENT_AGE = datetime.timedelta(hours=24)
SIGNATURE_HEADER = "X-Trucban-Signature"


class EventField(serializers.DictField):
    """One AMI event: its own keys and values, an "Event" among them."""

    child = serializers.CharField(allow_blank=True, max_length=1024, trim_whitespace=False)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            # AMI values are text; a number pushed as JSON (HoldTime: 8) is its text.
            data = {
                key: str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
                for key, value in data.items()
            }
        value = super().to_internal_value(data)
        if not value.get("Event"):
            raise serializers.ValidationError('Each event names its kind in "Event", e.g. QueueCallerJoin.')
        return value


class SwitchboardEventsSerializer(serializers.Serializer):
    hotline = serializers.CharField(max_length=32, help_text="the hotline's number, e.g. 0290.1022")
    events = serializers.ListField(child=EventField(), max_length=MAX_EVENTS, allow_empty=True)


class HandledSerializer(serializers.Serializer):
    handled = serializers.IntegerField(help_text="events that concerned one of the hotline's queues")


def signature_ok(secret: str, body: bytes, header: str) -> bool:
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.removeprefix("sha256=").strip().lower().encode())


class SwitchboardEventsView(APIView):
    """Queue events of a hotline's switchboard, handled as the AMI connector handles them:
    members present or away, call records, escalation when a caller waits with nobody present."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "switchboard"

    @extend_schema(
        request=SwitchboardEventsSerializer,
        parameters=[
            OpenApiParameter(
                SIGNATURE_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="sha256=<hex HMAC-SHA256 of the raw body, keyed by the hotline's webhook secret>",
            )
        ],
        responses={
            200: HandledSerializer,
            400: OpenApiResponse(description="not JSON, or fields missing: {field: [messages]}"),
            403: OpenApiResponse(description="no valid signature for that hotline"),
        },
        auth=[],
    )
    def post(self, request):
        body = request.body
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return Response({"non_field_errors": ["The body is not JSON."]}, status=status.HTTP_400_BAD_REQUEST)
        payload = SwitchboardEventsSerializer(data=data)
        number = data.get("hotline") if isinstance(data, dict) else None
        if not isinstance(number, str) or not number or len(number) > 32 or not number.isprintable():
            payload.is_valid()  # no hotline, no secret to check: only the field errors, which tell nothing
            return Response(payload.errors, status=status.HTTP_400_BAD_REQUEST)
        # The signature before the events are read: an unsigned body costs no more than its JSON.
        hotline = Hotline.objects.dialled(number).filter(active=True).first()
        switchboard = Switchboard.objects.filter(hotline=hotline).select_related("hotline").first() if hotline else None
        secret = switchboard.webhook_secret() if switchboard else ""
        if not signature_ok(secret, body, request.headers.get(SIGNATURE_HEADER, "")):
            return Response({"detail": "Bad or missing signature."}, status=status.HTTP_403_FORBIDDEN)
        if not payload.is_valid():
            return Response(payload.errors, status=status.HTTP_400_BAD_REQUEST)
        # A live event is at most a day old (a contact centre's retries): an older one is a
        # captured request sent again, whose time would be taken for now and could check an
        # agent in today. Calls and presence within the day are idempotent by their own ids and times.
        oldest = timezone.now() - MAX_EVENT_AGE
        fresh = [event for event in payload.validated_data["events"] if not happened_before(event, oldest)]
        handled = handle_events(switchboard, fresh)
        return Response({"handled": handled})
