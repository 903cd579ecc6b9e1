from django.urls import path

from roster import views

urlpatterns = [
    path("me/shifts/", views.my_shifts, name="my_shifts"),
]
