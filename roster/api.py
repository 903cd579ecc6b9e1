"""REST API for agents: their own shifts."""

from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone
from rest_framework import generics, serializers

from roster.models import Assignment, Roster


class MyShiftSerializer(serializers.ModelSerializer):
    shift = serializers.IntegerField(source="shift_id")
    hotline = serializers.CharField(source="shift.line.hotline.number")
    line = serializers.CharField(source="shift.line.digit")
    label = serializers.CharField(source="shift.line.label")

    class Meta:
        model = Assignment
        fields = ["id", "shift", "hotline", "line", "label", "start", "end", "status", "confirmed_at", "checked_in_at"]


class MyShiftsView(generics.ListAPIView):
    """The caller's own assignments in published rosters: those not yet over first, soonest
    first; then past ones, latest first."""

    serializer_class = MyShiftSerializer
    queryset = Assignment.objects.none()  # tells the schema the model; get_queryset scopes it

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        now = timezone.now()
        return (
            Assignment.objects.filter(agent__user=self.request.user, shift__roster__status=Roster.Status.PUBLISHED)
            .select_related("shift__line__hotline")
            .annotate(past=Case(When(end__lte=now, then=Value(1)), default=Value(0), output_field=IntegerField()))
            .order_by("past", Case(When(end__gt=now, then=F("start"))), F("start").desc(), "pk")
        )
