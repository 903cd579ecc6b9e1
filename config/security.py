"""Signing in safely: the lockout answer, the API token endpoint and rate limits on credentials.

Lockout itself is django-axes (5 failures per username and address, then a 15-minute cool-off,
by default); tokens are django-rest-knox (hashed in the database, expiring after 30 days).
"""

import hashlib
import logging

from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from knox.views import LoginView, LogoutAllView, LogoutView
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(
        "Too many failed sign-in attempts. For your account's safety, signing in is blocked for "
        "%(minutes)s minutes. Please wait and try again, or ask the administrator to unlock it."
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out sign-in gets: JSON from the API, the lockout page elsewhere, both 429."""
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    logger.warning("sign-in locked out for %r from %s", (credentials or {}).get("username"), client_address(request))
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": lockout_message()}, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"message": lockout_message()}, status=429)
    response["Retry-After"] = retry_after
    return response


def client_address(request) -> str:
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or ""


class CredentialsRateThrottle(SimpleRateThrottle):
    """A strict rate for endpoints that take a password or send mail, keyed by the username
    (or email) that is tried plus the caller's address, so that one attacker cannot lock a
    colleague out from elsewhere and cannot try many names from one place either."""

    scope = "credentials"

    def get_cache_key(self, request, view):
        data = getattr(request, "data", None) or request.POST
        who = str(data.get("username") or data.get("email") or "").strip().lower()[:150]
        # Hashed: a username may hold any character, and cache keys may not.
        ident = hashlib.sha256(f"{who}|{self.get_ident(request)}".encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}


class TokenView(LoginView):
    """POST username and password → {"token", "expiry"}; use it as `Authorization: Token …`."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [CredentialsRateThrottle]
    serializer_class = AuthTokenSerializer

    @extend_schema(
        request=AuthTokenSerializer,
        responses=inline_serializer("Token", {"token": serializers.CharField(), "expiry": serializers.DateTimeField()}),
    )
    def post(self, request, format=None):
        # django-axes marks the Django request (not DRF's wrapper) so its middleware answers a lockout.
        serializer = AuthTokenSerializer(data=request.data, context={"request": request._request})
        serializer.is_valid(raise_exception=True)
        request.user = serializer.validated_data["user"]
        return super().post(request, format=format)


@extend_schema(request=None, responses={204: None})
class TokenRevokeView(LogoutView):
    """POST with a token: that token stops working."""


@extend_schema(request=None, responses={204: None})
class TokenRevokeAllView(LogoutAllView):
    """POST with a token: every token of its user stops working (a lost phone, a leaked script)."""


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, sending at most PASSWORD_RESET_MAILS_PER_HOUR mails per address.

    The page answers the same whether or not a mail went out, so the limit tells an attacker
    nothing about which addresses exist."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        key = f"password-reset:{to_email.lower()}"
        cache.add(key, 0, timeout=3600)
        if cache.incr(key) > settings.PASSWORD_RESET_MAILS_PER_HOUR:
            logger.warning("password reset mail to user %s not sent: hourly limit reached", context["user"].pk)
            return
        super().send_mail(subject_template_name, email_template_name, context, from_email, to_email, **kwargs)
