from django.contrib import admin

from monitoring.models import BeatJob


@admin.register(BeatJob)
class BeatJobAdmin(admin.ModelAdmin):
    """Read only: the worker writes these rows after each run of a beat job."""

    list_display = ["name", "last_started_at", "last_duration_ms", "last_error"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
