from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MappingConfig(AppConfig):
    """The directory: HSDS organisations, services, locations and their schedules."""

    name = "mapping"
    verbose_name = _("Service directory")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import mapping.actions.activity_edits  # noqa: F401 - registers the activity editor
        from mapping import receivers  # noqa: F401 - connects the signal receivers
        from mapping.actions import notifications as _mails  # noqa: F401 - review e-mails
        from mapping.actions import service_edits  # noqa: F401 - registers the service editor
        from mapping.conf import hartis_options

        hartis_options()  # fail at start-up, not on the first request, if options are wrong
