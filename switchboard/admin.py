from django.contrib import admin

from switchboard.models import LineFollow, RosterMember, Switchboard


@admin.register(Switchboard)
class SwitchboardAdmin(admin.ModelAdmin):
    list_display = ["hotline", "ami_host", "ami_port", "connected_since", "last_event_at"]
    fields = [
        "hotline",
        "ami_host",
        "ami_port",
        "ami_username",
        "ami_secret_env",
        "interface_template",
        "webhook_secret_env",
        "connected_since",
        "last_event_at",
        "alive_at",
        "last_error",
    ]
    readonly_fields = ["connected_since", "last_event_at", "alive_at", "last_error"]


@admin.register(LineFollow)
class LineFollowAdmin(admin.ModelAdmin):
    list_display = ["line", "follows_roster"]


@admin.register(RosterMember)
class RosterMemberAdmin(admin.ModelAdmin):
    list_display = ["queue", "interface", "member_name", "added_at", "removed_at", "removed_because"]
    list_filter = ["switchboard"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
