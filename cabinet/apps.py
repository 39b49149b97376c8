from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CabinetConfig(AppConfig):
    name = "cabinet"
    verbose_name = _("Phòng họp không giấy")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects the receivers; ratelimit registers the check of the RATE_LIMIT_* settings.
        # Imported here, not at the top: they import the models, which load after apps.py.
        from cabinet.trust import audit_signals, ratelimit, signals  # noqa: F401, PLC0415
