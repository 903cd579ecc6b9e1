"""REST API for hotlines and lines: who is on duty now, and a line's coverage."""

import datetime

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from config.fields import DateField
from hotline import permissions
from hotline.models import Hotline, Line, StaffingRequirement, Unit
from roster.duty import coverage, on_call_board


class OnCallAgentSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    checked_in = serializers.BooleanField()


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class OnCallSerializer(serializers.Serializer):
    hotline = serializers.CharField()
    line = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    shift = PeriodSerializer(allow_null=True)
    required = serializers.IntegerField()
    agents = OnCallAgentSerializer(many=True)
    staffed = serializers.BooleanField()


class OnCallView(APIView):
    """Who is on duty now, one item per active line of the hotlines the caller may see."""

    @extend_schema(
        responses=OnCallSerializer(many=True),
        parameters=[OpenApiParameter("hotline", str, description="only this hotline's lines, e.g. 0290.1022")],
    )
    def get(self, request):
        hotlines = permissions.visible_hotlines(request.user)
        if request.query_params.get("hotline"):
            hotlines = hotlines.filter(number=request.query_params["hotline"])
        visible = set(hotlines.values_list("number", flat=True))
        entries = [entry for entry in on_call_board(timezone.now()) if entry["hotline"] in visible]
        return Response(OnCallSerializer(entries, many=True).data)


class CoverageQuerySerializer(serializers.Serializer):
    line = serializers.RegexField(r"^[0-9]$", error_messages={"invalid": "A line is one menu key, 0 to 9."})
    start = DateField()
    end = DateField()
    hotline = serializers.CharField(required=False)

    def validate(self, data):
        if data["end"] < data["start"]:
            raise serializers.ValidationError({"end": "The end is before the start."})
        if data["end"] - data["start"] > datetime.timedelta(days=92):
            raise serializers.ValidationError({"end": "Ask for at most 92 days at a time."})
        return data


class CoverageShiftSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    required = serializers.IntegerField()
    assigned = serializers.IntegerField()
    confirmed = serializers.IntegerField()


class GapSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    missing = serializers.IntegerField()


class CoverageSerializer(serializers.Serializer):
    shifts = CoverageShiftSerializer(many=True)
    gaps = GapSerializer(many=True)


class CoverageView(APIView):
    """A line's published shifts over some days (both inclusive), and where places are empty."""

    @extend_schema(parameters=[CoverageQuerySerializer], responses=CoverageSerializer)
    def get(self, request):
        query = CoverageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        lines = Line.objects.filter(digit=query.validated_data["line"]).select_related("hotline")
        if "hotline" in query.validated_data:
            lines = lines.filter(hotline__number=query.validated_data["hotline"])
        lines = list(
            lines.filter(Q(hotline__in=permissions.visible_hotlines(request.user))).prefetch_related("staffing")
        )
        if not lines:
            raise serializers.ValidationError({"line": "No such line on a hotline you may see."})
        if len(lines) > 1:
            numbers = ", ".join(line.hotline.number for line in lines)
            raise serializers.ValidationError(
                {"hotline": f"Line {lines[0].digit} exists on {numbers}: name the hotline."}
            )
        data = coverage(lines[0], query.validated_data["start"], query.validated_data["end"])
        return Response(CoverageSerializer(data).data)


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2})?$", "example": "07:00:00"})
class WallClockTimeField(serializers.TimeField):
    """A local time of day (Asia/Ho_Chi_Minh), without an offset: OpenAPI's "time" format
    requires one, so the schema says what it is instead."""


class StaffingRequirementSerializer(serializers.ModelSerializer):
    start = WallClockTimeField()
    end = WallClockTimeField(help_text="00:00 means until midnight.")

    class Meta:
        model = StaffingRequirement
        fields = ["weekday", "start", "end", "required"]


class LineSerializer(serializers.ModelSerializer):
    hotline = serializers.CharField(source="hotline.number")
    unit = serializers.CharField(source="unit.code")
    staffing = StaffingRequirementSerializer(many=True, read_only=True)

    class Meta:
        model = Line
        fields = ["id", "hotline", "digit", "label", "description", "unit", "queue", "active", "staffing"]


class HotlineSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code")

    class Meta:
        model = Hotline
        fields = ["id", "number", "name", "unit", "active"]


class UnitSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "parent", "email", "phone"]


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Units that run or answer the hotlines the caller may see."""

    serializer_class = UnitSerializer
    queryset = Unit.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        visible = permissions.visible_hotlines(self.request.user)
        units = Unit.objects.filter(
            Q(pk__in=Line.objects.filter(hotline__in=visible).values("unit"))
            | Q(pk__in=Hotline.objects.filter(pk__in=visible.values("pk")).values("unit"))
            | Q(pk__in=permissions.directed_units(self.request.user).values("pk"))
        )
        return units.select_related("parent").order_by("name")


class HotlineViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = HotlineSerializer
    queryset = Hotline.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return permissions.visible_hotlines(self.request.user).select_related("unit").order_by("number")


class LineViewSet(viewsets.ReadOnlyModelViewSet):
    """Lines (menu keys) of the hotlines the caller may see, with their staffing requirements."""

    serializer_class = LineSerializer
    filterset_fields = ["digit", "active"]
    queryset = Line.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return (
            Line.objects.filter(hotline__in=permissions.visible_hotlines(self.request.user))
            .select_related("hotline", "unit")
            .prefetch_related("staffing")
            .order_by("hotline__number", "digit")
        )
