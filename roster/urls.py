from django.urls import path

from roster import views

urlpatterns = [
    path("me/shifts/", views.my_shifts, name="my_shifts"),
    path("me/assignments/<int:pk>/check-in/", views.check_in, name="check_in"),
    path("me/assignments/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("me/assignments/<int:pk>/decline/", views.decline, name="decline"),
    path("me/calendar/reset/", views.reset_calendar, name="reset_calendar"),
    path("ical/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("notifications/", views.notification_log, name="notification_log"),
    path("escalations/<int:pk>/acknowledge/", views.acknowledge_escalation, name="acknowledge_escalation"),
]
