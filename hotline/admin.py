from django.contrib import admin

from hotline.forms import LineAdminForm
from hotline.models import Hotline, Line, StaffingRequirement, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "parent", "email", "phone"]
    list_filter = ["parent"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    filter_horizontal = ["directors"]


class LineInline(admin.TabularInline):
    model = Line
    extra = 0
    fields = ["digit", "label", "unit", "queue", "active"]
    autocomplete_fields = ["unit"]


@admin.register(Hotline)
class HotlineAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "unit", "active"]
    list_filter = ["active", "unit"]
    search_fields = ["number", "name"]
    inlines = [LineInline]


class StaffingRequirementInline(admin.TabularInline):
    model = StaffingRequirement
    extra = 0


@admin.register(Line)
class LineAdmin(admin.ModelAdmin):
    form = LineAdminForm
    list_display = ["hotline", "digit", "label", "unit", "queue", "active"]
    list_filter = ["hotline", "unit", "active"]
    search_fields = ["label", "queue", "hotline__number"]
    list_select_related = ["hotline", "unit"]
    autocomplete_fields = ["unit"]
    inlines = [StaffingRequirementInline]
