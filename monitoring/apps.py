from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self):
        from celery.signals import task_failure, task_postrun, task_prerun
        from django.core.signals import request_finished

        from monitoring import beat, context

        task_prerun.connect(beat.task_started, dispatch_uid="monitoring_task_started")
        task_failure.connect(beat.task_failed, dispatch_uid="monitoring_task_failed")
        task_postrun.connect(beat.task_finished, dispatch_uid="monitoring_task_finished")
        # Cleared when the response is closed, after Django has logged a 4xx/5xx answer, so
        # that line still carries the request's id.
        request_finished.connect(context.clear, dispatch_uid="monitoring_request_finished")
