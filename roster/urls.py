from django.urls import path

from roster import director_views, views

urlpatterns = [
    path("me/shifts/", views.my_shifts, name="my_shifts"),
    path("me/assignments/<int:pk>/check-in/", views.check_in, name="check_in"),
    path("me/assignments/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("me/assignments/<int:pk>/decline/", views.decline, name="decline"),
    path("me/calendar/reset/", views.reset_calendar, name="reset_calendar"),
    path("ical/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("lines/<int:pk>/roster/", director_views.roster_builder, name="roster_builder"),
    path("lines/<int:pk>/roster/build/", director_views.start_build, name="roster_start_build"),
    path("lines/<int:pk>/roster/print/", director_views.roster_print, name="roster_print"),
    path("lines/<int:pk>/roster/xlsx/", director_views.roster_xlsx, name="roster_xlsx"),
    path("builds/<int:pk>/", director_views.build_status, name="build_status"),
    path("shifts/<int:shift_pk>/add/", director_views.add_agent, name="shift_add_agent"),
    path("shifts/<int:shift_pk>/check/", director_views.check_agent, name="shift_check_agent"),
    path("assignments/<int:pk>/remove/", director_views.remove_agent, name="assignment_remove"),
    path("assignments/<int:pk>/pin/", director_views.toggle_pin, name="assignment_pin"),
    path("rosters/<int:pk>/publish/", director_views.publish, name="roster_publish"),
    path("notifications/", views.notification_log, name="notification_log"),
    path("escalations/<int:pk>/acknowledge/", views.acknowledge_escalation, name="acknowledge_escalation"),
]
