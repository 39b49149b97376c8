"""Audit entries for changes of who may read a library document (its visibility, and the units
and users it is restricted to). Connected in AssistantConfig.ready."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_save, pre_save

from assistant.models import Directive
from cabinet.core.audit import audit
from cabinet.models import AuditAction, Unit, User

_CHANGES = {"post_add": "added", "post_remove": "removed", "pre_clear": "cleared"}


def _names(model: Any, pks: set[Any]) -> list[str]:
    if model is User:
        return sorted(User.objects.filter(pk__in=pks).values_list("username", flat=True))
    return sorted(Unit.objects.filter(pk__in=pks).values_list("code", flat=True))


def _allowed_changed(field: str) -> Any:
    def receiver(
        sender: Any,
        instance: Any,
        action: str,
        reverse: bool,
        model: Any,
        pk_set: set[Any] | None,
        **kwargs: Any,
    ) -> None:
        change = _CHANGES.get(action)
        if change is None:
            return
        if reverse:  # unit/user side: the directives are in pk_set
            directives = list(Directive.objects.filter(pk__in=pk_set or set()))
            if action == "pre_clear":
                return  # never done from that side in this project
            names = _names(type(instance), {instance.pk})
        else:
            directives = [instance]
            if action == "pre_clear":
                pk_set = set(getattr(instance, field).values_list("pk", flat=True))
            names = _names(model, pk_set or set())
        if not names:
            return
        for directive in directives:
            audit(
                None,
                action=AuditAction.LIBRARY_ACCESS_CHANGED,
                obj=directive,
                detail={"change": change, field: names, "directive": directive.title[:200]},
            )

    return receiver


def _remember_visibility(sender: Any, instance: Directive, **kwargs: Any) -> None:
    fields = kwargs.get("update_fields")
    if instance.pk is None or (fields is not None and "visibility" not in fields):
        instance._audit_visibility = None  # type: ignore[attr-defined]
        return
    instance._audit_visibility = (  # type: ignore[attr-defined]
        Directive.objects.filter(pk=instance.pk).values_list("visibility", flat=True).first()
    )


def _visibility_changed(sender: Any, instance: Directive, created: bool, **kwargs: Any) -> None:
    before = getattr(instance, "_audit_visibility", None)
    if created or before is None or before == instance.visibility:
        return
    audit(
        None,
        action=AuditAction.LIBRARY_ACCESS_CHANGED,
        obj=instance,
        detail={
            "change": "visibility",
            "visibility": [before, instance.visibility],
            "directive": instance.title[:200],
        },
    )


def connect() -> None:
    m2m_changed.connect(
        _allowed_changed("allowed_units"),
        sender=Directive.allowed_units.through,
        dispatch_uid="audit-directive-units",
        weak=False,
    )
    m2m_changed.connect(
        _allowed_changed("allowed_users"),
        sender=Directive.allowed_users.through,
        dispatch_uid="audit-directive-users",
        weak=False,
    )
    pre_save.connect(_remember_visibility, sender=Directive, dispatch_uid="audit-directive-vis-0")
    post_save.connect(_visibility_changed, sender=Directive, dispatch_uid="audit-directive-vis-1")
