"""REST API for hotlines and lines: who is on duty now, and a line's coverage."""

import datetime

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from hotline import permissions
from hotline.models import Line
from roster.duty import coverage, on_call


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
        lines = (
            Line.objects.filter(
                active=True, hotline__active=True, hotline__in=permissions.visible_hotlines(request.user)
            )
            .select_related("hotline", "unit")
            .prefetch_related("staffing")
            .order_by("hotline__number", "digit")
        )
        if request.query_params.get("hotline"):
            lines = lines.filter(hotline__number=request.query_params["hotline"])
        return Response(OnCallSerializer(on_call(lines, timezone.now()), many=True).data)


class CoverageQuerySerializer(serializers.Serializer):
    line = serializers.RegexField(r"^[0-9]$", error_messages={"invalid": "A line is one menu key, 0 to 9."})
    start = serializers.DateField()
    end = serializers.DateField()
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
