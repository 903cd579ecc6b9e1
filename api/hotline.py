"""REST API for hotlines and lines: who is on duty now, a line's coverage, call records and staffing."""

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from config.fields import DateField, date_problem
from hotline import calls, staffing
from hotline.models import CallRecord, Hotline, Line, StaffingRequirement, Unit
from roster import policy
from roster.duty import coverage, on_call_board, with_phones
from roster.planning import local_midnight


class OnCallAgentSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField(
        allow_null=True, help_text="null unless the caller may see it: agents see their own lines' phones"
    )
    checked_in = serializers.BooleanField()


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class OnCallSerializer(serializers.Serializer):
    hotline = serializers.CharField()
    line = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    unit_phone = serializers.CharField(help_text="the answering unit's contact phone; may be empty")
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
        hotlines = policy.visible_hotlines(request.user)
        if request.query_params.get("hotline"):
            hotlines = hotlines.filter(number=request.query_params["hotline"])
        visible = set(hotlines.values_list("number", flat=True))
        entries = [entry for entry in on_call_board(timezone.now()) if entry["hotline"] in visible]
        entries = with_phones(entries, policy.phone_rule(request.user))
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
        visible = Line.objects.filter(hotline__in=policy.visible_hotlines(request.user))
        line = one_line(visible.prefetch_related("staffing"), query.validated_data)
        data = coverage(line, query.validated_data["start"], query.validated_data["end"])
        return Response(CoverageSerializer(data).data)


def one_line(lines, query) -> Line:
    """The line of these with the asked digit (and hotline, when two hotlines have it)."""
    lines = lines.filter(digit=query["line"]).select_related("hotline")
    if query.get("hotline"):
        lines = lines.filter(hotline__number=query["hotline"])
    lines = list(lines)
    if not lines:
        raise serializers.ValidationError({"line": "No such line on a hotline you may see."})
    if len(lines) > 1:
        numbers = ", ".join(line.hotline.number for line in lines)
        raise serializers.ValidationError({"hotline": f"Line {lines[0].digit} exists on {numbers}: name the hotline."})
    return lines[0]


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
        visible = policy.visible_hotlines(self.request.user)
        units = Unit.objects.filter(
            Q(pk__in=Line.objects.filter(hotline__in=visible).values("unit"))
            | Q(pk__in=Hotline.objects.filter(pk__in=visible.values("pk")).values("unit"))
            | Q(pk__in=policy.directed_units(self.request.user).values("pk"))
        )
        return units.select_related("parent").order_by("name")


class HotlineViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = HotlineSerializer
    queryset = Hotline.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return policy.visible_hotlines(self.request.user).select_related("unit").order_by("number")


class LineViewSet(viewsets.ReadOnlyModelViewSet):
    """Lines (menu keys) of the hotlines the caller may see, with their staffing requirements."""

    serializer_class = LineSerializer
    filterset_fields = ["digit", "active"]
    queryset = Line.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return (
            Line.objects.filter(hotline__in=policy.visible_hotlines(self.request.user))
            .select_related("hotline", "unit")
            .prefetch_related("staffing")
            .order_by("hotline__number", "digit")
        )


# Call records -------------------------------------------------------------------------------------

MAX_CALLS_PER_POST = 10_000


class CallRecordSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="source_id", help_text="The switchboard's id of the call.")
    hotline = serializers.CharField(source="hotline.number")
    line = serializers.CharField(source="line.digit")
    missed = serializers.BooleanField()

    class Meta:
        model = CallRecord
        fields = [
            "id",
            "hotline",
            "line",
            "started_at",
            "answered_at",
            "ended_at",
            "wait_seconds",
            "talk_seconds",
            "outcome",
            "missed",
            "caller",
            "agent_extension",
        ]


class CallFilter(filters.FilterSet):
    line = filters.CharFilter(field_name="line__digit")
    hotline = filters.CharFilter(field_name="hotline__number")
    start = filters.DateFilter(method="from_day", help_text="calls from this day on (YYYY-MM-DD)")
    end = filters.DateFilter(method="until_day", help_text="calls until this day, inclusive")
    missed = filters.BooleanFilter(field_name="answered_at", lookup_expr="isnull")

    class Meta:
        model = CallRecord
        fields = ["line", "hotline", "start", "end", "missed", "outcome"]

    def from_day(self, queryset, name, value):
        if problem := date_problem(value):
            raise serializers.ValidationError({"start": [problem]})
        return queryset.filter(started_at__gte=local_midnight(value))

    def until_day(self, queryset, name, value):
        if problem := date_problem(value):
            raise serializers.ValidationError({"end": [problem]})
        return queryset.filter(started_at__lt=local_midnight(value + datetime.timedelta(days=1)))


class CallImportResultSerializer(serializers.Serializer):
    imported = serializers.IntegerField()
    duplicate = serializers.IntegerField()


class CallRecordInputSerializer(serializers.Serializer):
    """One record of the POSTed list (docs/reference.md §6)."""

    id = serializers.CharField(max_length=128)
    hotline = serializers.CharField()
    line = serializers.CharField()
    started_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField()
    caller = serializers.CharField(required=False, allow_blank=True, max_length=32)
    agent_extension = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=32)


class CallViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Call records of the lines the caller manages. POST a JSON list to import: all or
    nothing, and a known id is a duplicate even if its fields differ."""

    serializer_class = CallRecordSerializer
    filterset_class = CallFilter
    queryset = CallRecord.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        if not policy.is_manager(self.request.user):
            raise PermissionDenied("Call records are for directors and hotline operators.")
        return (
            CallRecord.objects.filter(line__in=policy.managed_lines(self.request.user))
            .select_related("hotline", "line")
            .order_by("-started_at", "pk")
        )

    @extend_schema(
        request=CallRecordInputSerializer(many=True),
        responses={200: CallImportResultSerializer, 400: OpenApiTypes.OBJECT},
    )
    def create(self, request):
        if not policy.is_manager(request.user):
            raise PermissionDenied("Call records are for directors and hotline operators.")
        # Refused before the body is read: DRF's parser reads it whole into memory.
        if int(request.META.get("CONTENT_LENGTH") or 0) > settings.UPLOAD_MAX_MB * 1024 * 1024:
            message = f"The body is larger than {settings.UPLOAD_MAX_MB} MB: send the records in several requests."
            return Response({"errors": {"non_field_errors": [message]}}, status=413)
        records = request.data
        if not isinstance(records, list):
            raise serializers.ValidationError({"errors": {"non_field_errors": ["Send a JSON list of call records."]}})
        if len(records) > MAX_CALLS_PER_POST:
            raise serializers.ValidationError(
                {"errors": {"non_field_errors": [f"At most {MAX_CALLS_PER_POST} records a request."]}}
            )
        queues = calls.Queues()
        managed = set(policy.managed_lines(request.user).values_list("pk", flat=True))
        checked, errors = [], {}
        for index, value in enumerate(records):
            result = calls.check_json_record(value, index, queues, None)
            if isinstance(result, calls.Call) and result.line.pk not in managed:
                result = {"line": ["You do not manage this line."]}
            elif isinstance(result, calls.Call):
                result = result.problems() or result
            if isinstance(result, dict):
                errors[str(index)] = result
            else:
                checked.append(result)
        if errors:
            return Response({"errors": errors}, status=400)
        imported = calls.ImportResult()
        calls.store(checked, imported)
        return Response({"imported": imported.imported, "duplicate": imported.duplicate})


# Staffing -------------------------------------------------------------------------------------------


class CalculatorQuerySerializer(serializers.Serializer):
    calls_per_hour = serializers.FloatField(min_value=0, max_value=10_000)
    aht_seconds = serializers.FloatField(min_value=1, max_value=3600, help_text="average handling time")
    target_answer_seconds = serializers.FloatField(min_value=0, max_value=3600, default=20)
    target_service_level = serializers.FloatField(min_value=0.01, max_value=0.999, default=0.8)
    shrinkage = serializers.FloatField(min_value=0, max_value=0.9, default=0)


class CalculatorSerializer(serializers.Serializer):
    agents = serializers.IntegerField()
    agents_with_shrinkage = serializers.IntegerField()
    service_level = serializers.FloatField()
    occupancy = serializers.FloatField()
    asa_seconds = serializers.FloatField()
    waiting_probability = serializers.FloatField()
    traffic_erlangs = serializers.FloatField()


class StaffingCalculatorView(APIView):
    """Erlang C: the fewest agents who answer target_service_level of the calls within
    target_answer_seconds, for a call rate and an average handling time."""

    @extend_schema(parameters=[CalculatorQuerySerializer], responses=CalculatorSerializer)
    def get(self, request):
        query = CalculatorQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = staffing.agents_needed(**query.validated_data)
        return Response(CalculatorSerializer(result).data)


class StaffingQuerySerializer(serializers.Serializer):
    line = serializers.RegexField(r"^[0-9]$", error_messages={"invalid": "A line is one menu key, 0 to 9."})
    hotline = serializers.CharField(required=False)
    weeks = serializers.IntegerField(min_value=1, max_value=52, default=staffing.DEFAULT_WEEKS)


class HourNeedSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(help_text="0 = Monday")
    hour = serializers.IntegerField()
    calls_per_hour = serializers.FloatField()
    agents = serializers.IntegerField()


class LineNeedsSerializer(serializers.Serializer):
    hotline = serializers.CharField(source="line.hotline.number")
    line = serializers.CharField(source="line.digit")
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    weeks = serializers.IntegerField()
    calls = serializers.IntegerField()
    aht_seconds = serializers.FloatField()
    target_answer_seconds = serializers.IntegerField(source="line.target_answer_seconds")
    target_service_level = serializers.FloatField(source="line.target_service_level")
    hours = HourNeedSerializer(many=True)


class StaffingView(APIView):
    """Agents a line needs each weekday and hour, from its last weeks of calls and its
    service-level target. POST the same query to make them the line's staffing requirements."""

    def line_needs(self, request, data):
        query = StaffingQuerySerializer(data=data)
        query.is_valid(raise_exception=True)
        line = one_line(policy.managed_lines(request.user), query.validated_data)
        return staffing.needs_from_history(line, weeks=query.validated_data["weeks"])

    @extend_schema(parameters=[StaffingQuerySerializer], responses=LineNeedsSerializer)
    def get(self, request):
        if not policy.is_manager(request.user):
            raise PermissionDenied("Staffing is for directors and hotline operators.")
        return Response(LineNeedsSerializer(self.line_needs(request, request.query_params)).data)

    @extend_schema(request=StaffingQuerySerializer, responses=LineNeedsSerializer)
    def post(self, request):
        if not policy.is_manager(request.user):
            raise PermissionDenied("Staffing is for directors and hotline operators.")
        needs = self.line_needs(request, request.data)
        staffing.apply_needs(needs)
        return Response(LineNeedsSerializer(needs).data)
