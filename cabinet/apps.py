from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CabinetConfig(AppConfig):
    name = "cabinet"
    verbose_name = _("Phòng họp không giấy")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cabinet import audit_signals, signals  # noqa: F401  (connects the receivers)
