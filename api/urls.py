"""URLs of the REST API, /api/v1/.

The API authenticates by token or session itself and answers 401 or 403 in JSON, so its
views are exempt from the sign-in redirect that pages get (LoginRequiredMiddleware)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from api.hotline import (
    CallViewSet,
    CoverageView,
    HotlineViewSet,
    LineViewSet,
    OnCallView,
    StaffingCalculatorView,
    StaffingView,
    UnitViewSet,
)
from api.roster import (
    AgentViewSet,
    AssignmentViewSet,
    LeaveViewSet,
    MyShiftsView,
    NotificationViewSet,
    RosterBuildViewSet,
    RosterViewSet,
    ShiftViewSet,
    SwapViewSet,
)
from api.switchboard import SwitchboardEventsView
from config.security import TokenRevokeAllView, TokenRevokeView, TokenView


def api(view_class):
    return login_not_required(view_class.as_view())


class Router(DefaultRouter):
    include_root_view = False
    # JSON is the only format; `.json` suffixes would only add routes to secure and test.
    include_format_suffixes = False

    def get_urls(self):
        return [
            type(url)(url.pattern, login_not_required(url.callback), url.default_args, url.name)
            for url in super().get_urls()
        ]


router = Router()
router.register("units", UnitViewSet, basename="unit")
router.register("hotlines", HotlineViewSet, basename="hotline")
router.register("lines", LineViewSet, basename="line")
router.register("agents", AgentViewSet, basename="agent")
router.register("rosters", RosterViewSet, basename="roster")
router.register("builds", RosterBuildViewSet, basename="build")
router.register("shifts", ShiftViewSet, basename="shift")
router.register("leaves", LeaveViewSet, basename="leave")
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("swaps", SwapViewSet, basename="swap")
router.register("calls", CallViewSet, basename="call")


urlpatterns = [
    path("auth/token/", api(TokenView), name="api_token"),
    path("auth/logout/", api(TokenRevokeView), name="api_logout"),
    path("auth/logout-all/", api(TokenRevokeAllView), name="api_logout_all"),
    path("oncall/", api(OnCallView), name="api_oncall"),
    path("coverage/", api(CoverageView), name="api_coverage"),
    path("me/shifts/", api(MyShiftsView), name="api_my_shifts"),
    path("staffing/calculator/", api(StaffingCalculatorView), name="api_staffing_calculator"),
    path("staffing/", api(StaffingView), name="api_staffing"),
    path("switchboard/events/", api(SwitchboardEventsView), name="api_switchboard_events"),
    path("", include(router.urls)),
]
