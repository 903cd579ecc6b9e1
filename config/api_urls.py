"""URLs of the REST API, /api/v1/.

The API authenticates by token or session itself and answers 401 or 403 in JSON, so its
views are exempt from the sign-in redirect that pages get (LoginRequiredMiddleware)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from rest_framework.authtoken.views import ObtainAuthToken

from hotline.api import CoverageView, OnCallView
from roster.api import MyShiftsView


def api(view_class):
    return login_not_required(view_class.as_view())


urlpatterns = [
    path("auth/token/", api(ObtainAuthToken), name="api_token"),
    path("oncall/", api(OnCallView), name="api_oncall"),
    path("coverage/", api(CoverageView), name="api_coverage"),
    path("me/shifts/", api(MyShiftsView), name="api_my_shifts"),
]
