from django.urls import path

from roster import views

urlpatterns = [
    path("me/shifts/", views.my_shifts, name="my_shifts"),
    path("me/assignments/<int:pk>/check-in/", views.check_in, name="check_in"),
    path("me/assignments/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("me/assignments/<int:pk>/decline/", views.decline, name="decline"),
    path("notifications/", views.notification_log, name="notification_log"),
    path("escalations/<int:pk>/acknowledge/", views.acknowledge_escalation, name="acknowledge_escalation"),
]
