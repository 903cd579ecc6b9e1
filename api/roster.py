"""REST API for shifts and assignments, and the notification log."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from config.fields import DateField, DateTimeField, DateTimeFilter
from hotline.models import Line
from roster import policy, selectors
from roster.models import Agent, Assignment, Leave, Notification, Roster, RosterBuild, Shift, Swap
from roster.notifications import escalation
from roster.services import (
    RosterError,
    assignment_add,
    assignment_decline,
    assignment_remove,
    leave_decide,
    leave_request,
    leave_withdraw,
    not_on_line,
    roster_build_queue,
    roster_publish,
    swap_decide,
    swap_offer,
    swap_take,
    swap_withdraw,
)


class MyShiftSerializer(serializers.ModelSerializer):
    shift = serializers.IntegerField(source="shift_id")
    hotline = serializers.CharField(source="shift.line.hotline.number")
    line = serializers.CharField(source="shift.line.digit")
    label = serializers.CharField(source="shift.line.label")

    class Meta:
        model = Assignment
        fields = [
            "id",
            "shift",
            "hotline",
            "line",
            "label",
            "start",
            "end",
            "status",
            "confirmed_at",
            "checked_in_at",
            "checked_out_at",
        ]


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


class AssignmentSerializer(serializers.ModelSerializer):
    agent_name = serializers.CharField(source="agent.full_name", read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "shift",
            "agent",
            "agent_name",
            "status",
            "source",
            "pinned",
            "start",
            "end",
            "confirmed_at",
            "checked_in_at",
            "checked_out_at",
        ]
        read_only_fields = fields


class AssignmentFilter(filters.FilterSet):
    start_after = DateTimeFilter(field_name="start", lookup_expr="gte")
    start_before = DateTimeFilter(field_name="start", lookup_expr="lt")

    class Meta:
        model = Assignment
        fields = ["status", "agent", "shift", "start_after", "start_before"]


class AssignmentCreateSerializer(serializers.Serializer):
    shift = serializers.PrimaryKeyRelatedField(queryset=Shift.objects.all())
    agent = serializers.PrimaryKeyRelatedField(queryset=Agent.objects.all())

    def validate_shift(self, shift):
        if not policy.managed_lines(self.context["request"].user).filter(pk=shift.line_id).exists():
            raise serializers.ValidationError("You do not manage this shift's line.")
        return shift

    def validate(self, data):
        # Another line's agent is refused before any rule is weighed: the checker's words would
        # tell a director about the shifts of an agent they do not manage.
        agent, shift = data["agent"], data["shift"]
        if not agent.active or not agent.lines.filter(pk=shift.line_id).exists():
            raise serializers.ValidationError({"agent": [not_on_line()]})
        return data


class AssignmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Assignments: a director's lines' or, for an agent, their own. Directors add and
    remove them by hand (checked by the engine's rule checker); agents confirm, decline
    and check in to theirs."""

    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter
    queryset = Assignment.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        user = self.request.user
        mine = Q(agent__user=user)
        if policy.is_manager(user):
            mine |= Q(shift__line__in=policy.managed_lines(user))
        return Assignment.objects.filter(mine).select_related("agent").order_by("start", "pk")

    @extend_schema(request=AssignmentCreateSerializer, responses={201: AssignmentSerializer})
    def create(self, request):
        query = AssignmentCreateSerializer(data=request.data, context={"request": request})
        query.is_valid(raise_exception=True)
        try:
            assignment = assignment_add(by=request.user, **query.validated_data)
        except RosterError as e:
            raise ValidationError({"agent": [str(e)]}) from e
        return Response(AssignmentSerializer(assignment).data, status=201)

    def destroy(self, request, pk=None):
        assignment = self.get_object()
        if not policy.managed_lines(request.user).filter(pk=assignment.shift.line_id).exists():
            raise PermissionDenied("Only a director of this line can remove an assignment.")
        assignment_remove(assignment=assignment, by=request.user)
        return Response(status=204)

    def own(self):
        assignment = self.get_object()
        if assignment.agent.user_id != self.request.user.pk:
            raise PermissionDenied("Only the agent of this assignment can do that.")
        return assignment

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Confirm your coming shift. Confirming it again, or after checking in or declining,
        is a 400 whose `status` says which, and changes nothing."""
        assignment = self.own()
        try:
            assignment.confirm()
        except DjangoValidationError as e:
            raise ValidationError({"status": e.messages}) from e
        return Response(AssignmentSerializer(assignment).data)

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Decline your shift before it begins. Once you have checked in, or declined already,
        it is a 400 whose `status` says which."""
        try:
            assignment = assignment_decline(assignment=self.own(), by=request.user)
        except RosterError as e:
            raise ValidationError({"status": [str(e)]}) from e
        return Response(AssignmentSerializer(assignment).data)

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        """Check in to your shift, from 30 minutes before it until its end.

        Checking in again, or twice at once (a retry, a double tap), is a 400 with
        `{"status": ["You have already checked in to this shift."]}` (in the user's language):
        the first check-in and its time stand. A client retrying after a lost answer may take
        it as done; any other 400 means it was not checked in."""
        assignment = self.own()
        try:
            assignment.check_in()
        except DjangoValidationError as e:
            raise ValidationError({"status": e.messages}) from e
        escalation.resolve(timezone.now(), shifts=[assignment.shift_id])
        return Response(AssignmentSerializer(assignment).data)

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"], url_path="check-out")
    def check_out(self, request, pk=None):
        """Check out of the shift you checked in to. Checking out again is a 400 saying you
        already have; the first check-out's time stands."""
        assignment = self.own()
        try:
            assignment.check_out()
        except DjangoValidationError as e:
            raise ValidationError({"status": e.messages}) from e
        return Response(AssignmentSerializer(assignment).data)


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "channel",
            "status",
            "agent",
            "to",
            "subject",
            "body",
            "attempts",
            "last_error",
            "created_at",
            "sent_at",
        ]
        read_only_fields = fields


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The notification log: what a director's agents (or the caller) were told, and whether it arrived."""

    serializer_class = NotificationSerializer
    filterset_fields = ["status", "kind", "channel", "agent"]
    queryset = Notification.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.notification_log(self.request.user)


class AgentSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Agent
        fields = [
            "id",
            "full_name",
            "unit",
            "phone",
            "email",
            "lines",
            "max_hours_per_week",
            "active",
            "language",
            "notify_by_sms",
            "notify_by_email",
        ]
        read_only_fields = fields


class AgentViewSet(viewsets.ReadOnlyModelViewSet):
    """Agents a director manages; an agent sees themselves."""

    serializer_class = AgentSerializer
    filterset_fields = ["active", "unit", "lines"]
    queryset = Agent.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        user = self.request.user
        agents = policy.managed_agents(user) if policy.is_manager(user) else Agent.objects.filter(user=user)
        return agents.select_related("unit").prefetch_related("lines").order_by("full_name", "pk")


class RosterSerializer(serializers.ModelSerializer):
    class Meta:
        model = Roster
        fields = ["id", "lines", "start", "end", "status", "created_at", "published_at"]
        read_only_fields = fields


class RosterBuildSerializer(serializers.ModelSerializer):
    class Meta:
        model = RosterBuild
        fields = [
            "id",
            "lines",
            "start",
            "end",
            "time_limit_s",
            "replan",
            "status",
            "roster",
            "result",
            "error",
            "created_at",
            "started_at",
            "deadline",
            "finished_at",
        ]
        read_only_fields = fields


class BuildRequestSerializer(serializers.Serializer):
    lines = serializers.PrimaryKeyRelatedField(queryset=Line.objects.all(), many=True, allow_empty=False)
    start = DateField()
    end = DateField()
    time_limit_s = serializers.FloatField(default=10, min_value=1, max_value=300)

    def validate(self, data):
        if data["end"] < data["start"]:
            raise serializers.ValidationError({"end": ["The end is before the start."]})
        if (data["end"] - data["start"]).days > 92:
            raise serializers.ValidationError({"end": ["Build at most 93 days at a time."]})
        managed = set(policy.managed_lines(self.context["request"].user).values_list("pk", flat=True))
        if any(line.pk not in managed for line in data["lines"]):
            raise serializers.ValidationError({"lines": ["You do not manage all of these lines."]})
        return data


class PublishSerializer(serializers.Serializer):
    allow_gaps = serializers.BooleanField(default=False)


class RosterViewSet(viewsets.ReadOnlyModelViewSet):
    """Rosters of a director's lines; for an agent, the published rosters of their lines.

    Directors build a draft with the engine (`build`, done by a worker: follow it at
    `builds/{id}/`) and publish it."""

    serializer_class = RosterSerializer
    filterset_fields = ["status", "lines"]
    queryset = Roster.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        user = self.request.user
        if policy.is_manager(user):
            rosters = Roster.objects.filter(lines__in=policy.managed_lines(user))
        else:
            rosters = Roster.objects.filter(status=Roster.Status.PUBLISHED, lines__agents__user=user)
        ids = rosters.values("pk")
        return Roster.objects.filter(pk__in=ids).prefetch_related("lines").order_by("-start", "pk")

    @extend_schema(request=BuildRequestSerializer, responses={202: RosterBuildSerializer})
    @action(detail=False, methods=["post"])
    def build(self, request):
        query = BuildRequestSerializer(data=request.data, context={"request": request})
        query.is_valid(raise_exception=True)
        build = roster_build_queue(by=request.user, **query.validated_data)
        return Response(RosterBuildSerializer(build).data, status=202)

    @extend_schema(request=PublishSerializer, responses=RosterSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        roster = self.get_object()
        options = PublishSerializer(data=request.data)
        options.is_valid(raise_exception=True)
        try:
            roster = roster_publish(roster=roster, by=request.user, **options.validated_data)
        except RosterError as e:
            raise ValidationError({"roster": [str(e)]}) from e
        return Response(RosterSerializer(roster).data)


class RosterBuildViewSet(viewsets.ReadOnlyModelViewSet):
    """Builds of the engine: queued, running, done (with filled/required and every unfilled
    place with its reason) or failed (with why)."""

    serializer_class = RosterBuildSerializer
    queryset = RosterBuild.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        user = self.request.user
        scope = Q(created_by=user)
        if policy.is_manager(user):
            scope |= Q(lines__in=policy.managed_lines(user))
        ids = RosterBuild.objects.filter(scope).values("pk")
        return RosterBuild.objects.filter(pk__in=ids).prefetch_related("lines").order_by("-created_at", "-pk")


class ShiftSerializer(serializers.ModelSerializer):
    line = serializers.CharField(source="line.digit")
    hotline = serializers.CharField(source="line.hotline.number")

    class Meta:
        model = Shift
        fields = ["id", "roster", "hotline", "line", "start", "end", "required"]


class ShiftFilter(filters.FilterSet):
    line = filters.CharFilter(field_name="line__digit")
    hotline = filters.CharFilter(field_name="line__hotline__number")
    start_after = DateTimeFilter(field_name="start", lookup_expr="gte")
    start_before = DateTimeFilter(field_name="start", lookup_expr="lt")

    class Meta:
        model = Shift
        fields = ["roster", "line", "hotline", "start_after", "start_before"]


class ShiftViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ShiftSerializer
    filterset_class = ShiftFilter
    queryset = Shift.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        user = self.request.user
        if policy.is_manager(user):
            shifts = Shift.objects.filter(line__in=policy.managed_lines(user))
        else:
            shifts = Shift.objects.published().filter(line__agents__user=user)
        return shifts.select_related("line__hotline").order_by("start", "pk")


class LeaveSerializer(serializers.ModelSerializer):
    agent_name = serializers.CharField(source="agent.full_name", read_only=True)

    class Meta:
        model = Leave
        fields = ["id", "agent", "agent_name", "start", "end", "reason", "status", "created_at", "decided_at"]
        read_only_fields = fields


class LeaveRequestSerializer(serializers.Serializer):
    agent = serializers.PrimaryKeyRelatedField(
        queryset=Agent.objects.all(),
        required=False,
        help_text="A director's agent; leave it out to ask for your own leave.",
    )
    start = DateTimeField()
    end = DateTimeField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate(self, data):
        if "agent" not in data:
            data["agent"] = policy.agent_of(self.context["request"].user)
            if data["agent"] is None:
                raise serializers.ValidationError({"agent": ["You are not an agent: say whose leave this is."]})
        if data["end"] <= data["start"]:
            raise serializers.ValidationError({"end": ["The leave must end after it starts."]})
        return data


class LeaveDecisionSerializer(serializers.Serializer):
    replan = serializers.BooleanField(
        default=False,
        help_text="Give the agent's shifts during the leave to others in the published rosters.",
    )


class LeaveDecisionResultSerializer(LeaveSerializer):
    conflicts = serializers.SerializerMethodField(help_text="The agent's live assignments during the leave.")
    builds = serializers.SerializerMethodField(
        help_text="The re-plan builds queued (one per line), to follow at builds/{id}/; empty without a re-plan."
    )

    class Meta(LeaveSerializer.Meta):
        fields = [*LeaveSerializer.Meta.fields, "conflicts", "builds"]

    def get_conflicts(self, leave) -> list[int]:
        return list(leave.conflicts().values_list("pk", flat=True))

    def get_builds(self, leave) -> list[int]:
        return [build.pk for build in self.context.get("builds", [])]


class LeaveViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Leave: agents ask for theirs and withdraw a request; directors enter, approve and
    reject their agents' leave."""

    serializer_class = LeaveSerializer
    filterset_fields = ["status", "agent"]
    queryset = Leave.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        user = self.request.user
        mine = Q(agent__user=user)
        if policy.is_manager(user):
            mine |= Q(agent__in=policy.editable_agents(user).values("pk"))
        return Leave.objects.filter(mine).select_related("agent").order_by("-start", "pk")

    @extend_schema(request=LeaveRequestSerializer, responses={201: LeaveSerializer})
    def create(self, request):
        query = LeaveRequestSerializer(data=request.data, context={"request": request})
        query.is_valid(raise_exception=True)
        try:
            leave = leave_request(by=request.user, **query.validated_data)
        except RosterError as e:
            raise ValidationError({"start": [str(e)]}) from e
        return Response(LeaveSerializer(leave).data, status=201)

    def destroy(self, request, pk=None):
        leave_withdraw(leave=self.get_object(), by=request.user)
        return Response(status=204)

    def decide(self, request, approve):
        leave = self.get_object()
        query = LeaveDecisionSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        try:
            builds = leave_decide(leave=leave, approve=approve, by=request.user, **query.validated_data)
        except RosterError as e:
            raise ValidationError({"status": [str(e)]}) from e
        leave.refresh_from_db()
        data = LeaveDecisionResultSerializer(leave, context={"builds": builds}).data
        # A re-plan is left to a worker, like a build: accepted, not yet done.
        return Response(data, status=202 if builds else 200)

    @extend_schema(
        request=LeaveDecisionSerializer,
        responses={200: LeaveDecisionResultSerializer, 202: LeaveDecisionResultSerializer},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self.decide(request, approve=True)

    @extend_schema(request=None, responses=LeaveDecisionResultSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self.decide(request, approve=False)


# Swaps ----------------------------------------------------------------------------------------------


class SwapSerializer(serializers.ModelSerializer):
    line = serializers.CharField(source="shift.line.digit", read_only=True)
    hotline = serializers.CharField(source="shift.line.hotline.number", read_only=True)
    start = serializers.DateTimeField(source="shift.start", read_only=True)
    end = serializers.DateTimeField(source="shift.end", read_only=True)
    offered_by_name = serializers.CharField(source="offered_by.full_name", read_only=True)
    taken_by_name = serializers.CharField(source="taken_by.full_name", read_only=True, allow_null=True)

    class Meta:
        model = Swap
        fields = [
            "id",
            "assignment",
            "shift",
            "hotline",
            "line",
            "start",
            "end",
            "offered_by",
            "offered_by_name",
            "taken_by",
            "taken_by_name",
            "status",
            "note",
            "created_at",
            "taken_at",
            "decided_at",
        ]
        read_only_fields = fields


class SwapOfferSerializer(serializers.Serializer):
    assignment = serializers.PrimaryKeyRelatedField(queryset=Assignment.objects.all())
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate_assignment(self, assignment):
        if assignment.agent.user_id != self.context["request"].user.pk:
            raise serializers.ValidationError("Only your own shift can be offered.")
        return assignment


class SwapViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Shift swaps: an agent offers a coming shift (POST), a colleague of the line takes it,
    a director approves when the unit wants it; every step is checked by the engine's rules.
    Agents see their own offers and the open offers of their lines; directors their lines'."""

    serializer_class = SwapSerializer
    filterset_fields = ["status"]
    queryset = Swap.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        user = self.request.user
        scope = Q(offered_by__user=user) | Q(taken_by__user=user)
        agent = policy.agent_of(user)
        if agent is not None:
            scope |= Q(status=Swap.Status.OFFERED, shift__line__in=agent.lines.all())
        if policy.is_manager(user):
            scope |= Q(shift__line__in=policy.managed_lines(user))
        return (
            Swap.objects.filter(scope)
            .select_related("shift__line__hotline", "offered_by", "taken_by")
            .order_by("shift__start", "pk")
        )

    @extend_schema(request=SwapOfferSerializer, responses={201: SwapSerializer})
    def create(self, request):
        query = SwapOfferSerializer(data=request.data, context={"request": request})
        query.is_valid(raise_exception=True)
        try:
            swap = swap_offer(**query.validated_data)
        except RosterError as e:
            raise ValidationError({"assignment": [str(e)]}) from e
        return Response(SwapSerializer(swap).data, status=201)

    def destroy(self, request, pk=None):
        swap = self.get_object()
        if swap.offered_by.user_id != request.user.pk:
            raise PermissionDenied("Only the agent who offered the shift can withdraw the offer.")
        try:
            swap_withdraw(swap=swap)
        except RosterError as e:
            raise ValidationError({"status": [str(e)]}) from e
        return Response(status=204)

    @extend_schema(request=None, responses=SwapSerializer)
    @action(detail=True, methods=["post"])
    def take(self, request, pk=None):
        swap = self.get_object()
        agent = policy.agent_of(request.user)
        if agent is None:
            raise PermissionDenied("Only an agent can take a shift.")
        try:
            swap = swap_take(swap=swap, agent=agent)
        except RosterError as e:
            raise ValidationError({"taken_by": [str(e)]}) from e
        return Response(SwapSerializer(swap).data)

    def decide(self, request, approve):
        swap = self.get_object()
        if not policy.managed_lines(request.user).filter(pk=swap.shift.line_id).exists():
            raise PermissionDenied("Only a director of this line can decide on a swap.")
        try:
            swap = swap_decide(swap=swap, approve=approve, by=request.user)
        except RosterError as e:
            raise ValidationError({"status": [str(e)]}) from e
        return Response(SwapSerializer(swap).data)

    @extend_schema(request=None, responses=SwapSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self.decide(request, approve=True)

    @extend_schema(request=None, responses=SwapSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self.decide(request, approve=False)
