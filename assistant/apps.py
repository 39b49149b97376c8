from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class AssistantConfig(AppConfig):
    """The directive library and the assistant."""

    name = "assistant"
    verbose_name = _("Trợ lý")

    def ready(self) -> None:
        from cabinet.trust.signals import paper_version_ready  # noqa: PLC0415 (models load after apps.py)

        paper_version_ready.connect(_queue_paper_indexing, dispatch_uid="assistant-index-paper")

        from assistant import audit_signals  # noqa: PLC0415 (models load after apps.py)

        audit_signals.connect()


def _queue_paper_indexing(sender: object, version_id: int, **kwargs: object) -> None:
    from assistant.library.services import index_paper_version_task  # noqa: PLC0415 (models load after apps.py)

    if not settings.ASSISTANT_INDEX_PAPERS:
        return

    index_paper_version_task.enqueue(version_id)
