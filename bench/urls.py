"""The site's URLs plus one bare JSON view, for bench/api.py to compare the on-call list with."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as site_urlpatterns


class BareView(APIView):
    """The same authentication and permission as every API view, and nothing else."""

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [path("bench/bare/", login_not_required(BareView.as_view())), *site_urlpatterns]
