from django.db import models
from django.utils.translation import gettext_lazy as _


class BeatJob(models.Model):
    """The last run of one job of the Celery beat schedule, written by the worker that ran it."""

    name = models.CharField(_("task"), max_length=200, unique=True)
    last_started_at = models.DateTimeField(_("last started at"))
    last_finished_at = models.DateTimeField(_("last finished at"))
    last_duration_ms = models.PositiveIntegerField(_("last duration (ms)"))
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("beat job")
        verbose_name_plural = _("beat jobs")

    def __str__(self):
        return self.name
