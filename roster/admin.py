from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from roster import services
from roster.models import (
    Agent,
    Assignment,
    Escalation,
    Leave,
    Notification,
    PublicHoliday,
    Roster,
    RosterBuild,
    Shift,
    ShiftChange,
    ShiftPattern,
)


@admin.register(Agent)
class AgentAdmin(SimpleHistoryAdmin):
    list_display = ["full_name", "unit", "phone", "email", "max_hours_per_week", "active"]
    list_filter = ["active", "unit", "lines"]
    search_fields = ["full_name", "phone", "email", "user__username"]
    list_select_related = ["unit"]
    autocomplete_fields = ["user", "unit"]
    filter_horizontal = ["lines"]
    readonly_fields = ["calendar_token"]


@admin.register(ShiftPattern)
class ShiftPatternAdmin(admin.ModelAdmin):
    list_display = ["name", "line", "start_time", "duration", "weekdays", "required", "active"]
    list_filter = ["line", "active"]
    list_select_related = ["line__hotline"]


class ShiftInline(admin.TabularInline):
    model = Shift
    extra = 0
    fields = ["line", "start", "end", "required"]
    show_change_link = True


@admin.register(Roster)
class RosterAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "start", "end", "status", "published_by", "published_at"]
    list_filter = ["status", "lines"]
    date_hierarchy = "start"
    filter_horizontal = ["lines"]
    readonly_fields = ["created_at", "published_by", "published_at"]


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    fields = ["agent", "status", "source", "pinned"]
    autocomplete_fields = ["agent"]


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ["__str__", "line", "start", "end", "required", "roster"]
    list_filter = ["line", "roster__status"]
    date_hierarchy = "start"
    list_select_related = ["line__hotline", "roster"]
    inlines = [AssignmentInline]

    def get_readonly_fields(self, request, obj=None):
        # Its assignments' liveness follows its roster: a shift stays in the roster it was made in.
        return ["roster"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        services.shift_save(shift=obj)


@admin.register(Assignment)
class AssignmentAdmin(SimpleHistoryAdmin):
    list_display = ["agent", "shift", "status", "source", "pinned", "is_live"]
    list_filter = ["status", "source", "pinned", "is_live", "shift__line"]
    search_fields = ["agent__full_name", "agent__phone"]
    date_hierarchy = "start"
    list_select_related = ["agent", "shift__line__hotline"]
    autocomplete_fields = ["agent"]
    raw_id_fields = ["shift"]


@admin.register(Leave)
class LeaveAdmin(SimpleHistoryAdmin):
    list_display = ["agent", "start", "end", "reason", "status", "decided_by"]
    list_filter = ["status", "agent__unit"]
    search_fields = ["agent__full_name", "reason"]
    date_hierarchy = "start"
    list_select_related = ["agent", "decided_by"]
    autocomplete_fields = ["agent"]
    readonly_fields = ["decided_by", "decided_at"]


@admin.register(PublicHoliday)
class PublicHolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name"]
    date_hierarchy = "date"
    search_fields = ["name"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "channel", "to", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "channel"]
    search_fields = ["key", "to", "agent__full_name", "body"]
    date_hierarchy = "created_at"
    list_select_related = ["agent"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["shift", "unit", "level", "missing", "opened_at", "acknowledged_by", "resolved_at"]
    list_filter = ["level", "unit"]
    list_select_related = ["shift__line__hotline", "unit", "acknowledged_by"]
    raw_id_fields = ["shift"]


@admin.register(ShiftChange)
class ShiftChangeAdmin(admin.ModelAdmin):
    list_display = ["agent", "line", "start", "end", "change", "created_at", "notified_at"]
    list_filter = ["change", "line"]
    search_fields = ["agent__full_name"]
    list_select_related = ["agent", "line__hotline"]


@admin.register(RosterBuild)
class RosterBuildAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "roster", "created_by", "created_at", "finished_at"]
    list_filter = ["status"]
    readonly_fields = ["result", "error", "roster", "finished_at"]
