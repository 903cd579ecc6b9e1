from django.urls import path

from web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("lines/<int:pk>/", views.line_detail, name="line_detail"),
    path("lines/<int:pk>/switchboard/", views.line_switchboard_follow, name="line_switchboard_follow"),
    path("board/<str:number>", views.board, name="board"),
    path("hotlines/<int:pk>/board-key/", views.reset_board_key, name="reset_board_key"),
    path("calls/", views.calls, name="calls"),
    path("staffing/calculator/", views.staffing_calculator, name="staffing_calculator"),
    path("lines/<int:pk>/staffing/", views.line_staffing, name="line_staffing"),
    path("reports/calls/", views.calls_report, name="calls_report"),
]
