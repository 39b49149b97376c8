from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistantConfig(AppConfig):
    """The directive library and the assistant (built in its own issue)."""

    name = "assistant"
    verbose_name = _("Trợ lý")
