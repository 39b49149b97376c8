"""Audit entries for signing in and out, and for every change of who may do what.

Permission changes are caught at the model level (whoever makes them: the admin, a command, a
shell), with the acting user taken from the request being served (cabinet.core.audit.current_actor).
Connected in CabinetConfig.ready.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from cabinet.core.audit import audit, entry
from cabinet.models import AuditAction, Participant, User

ACCOUNT_FLAGS = ("is_active", "is_staff", "is_superuser")
PARTICIPANT_FIELDS = ("role", "can_vote", "substitute_for_id")


# --- Signing in and out -----------------------------------------------------------------------------
@receiver(user_logged_in, dispatch_uid="audit-sign-in")
def audit_sign_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    audit(request, action=AuditAction.SIGN_IN, actor=user)


@receiver(user_logged_out, dispatch_uid="audit-sign-out")
def audit_sign_out(
    sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    audit(request, action=AuditAction.SIGN_OUT, actor=user)


@receiver(user_login_failed, dispatch_uid="audit-sign-in-failed")
def audit_sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already masked the password in `credentials`; only the name typed is kept.
    typed = str(credentials.get("username") or "")[:150]
    row = entry(request, action=AuditAction.SIGN_IN_FAILED, detail={"username": typed})
    # Also in the username column, so that the officer finds the attempts on an account by
    # filtering on its name; no actor: nobody was authenticated.
    row.username = row.username or typed
    row.save()


# --- Accounts: groups, permissions, flags ------------------------------------------------------------
def _names(model: type[Group] | type[Permission] | type[User], pks: set[Any] | None) -> list[str]:
    if not pks:
        return []
    if model is Permission:
        return sorted(
            f"{app}.{code}"
            for app, code in Permission.objects.filter(pk__in=pks).values_list(
                "content_type__app_label", "codename"
            )
        )
    if model is User:
        return sorted(User.objects.filter(pk__in=pks).values_list("username", flat=True))
    return sorted(Group.objects.filter(pk__in=pks).values_list("name", flat=True))


_CHANGES = {"post_add": "added", "post_remove": "removed", "pre_clear": "cleared"}


def _m2m_audit(
    *,
    action: str,
    instance: Any,
    reverse: bool,
    model: Any,
    pk_set: set[Any] | None,
    signal_action: str,
    owner: type[User] | type[Group],
    field: str,
) -> None:
    change = _CHANGES.get(signal_action)
    if change is None:
        return
    if signal_action == "pre_clear":
        # Before the clear, so that what is taken away can still be named.
        related = getattr(instance, field if not reverse else _reverse_name(owner, field))
        pk_set = set(related.values_list("pk", flat=True))
    if not pk_set:
        return
    if not reverse:  # user.groups.add(group): one owner, these related rows
        audit(
            None,
            action=action,
            obj=instance,
            detail={
                "change": change,
                field: _names(model, pk_set),
                **_target(instance),
            },
        )
        return
    # group.user_set.add(user): each owner gets its own entry
    for owner_row in owner.objects.filter(pk__in=pk_set):
        audit(
            None,
            action=action,
            obj=owner_row,
            detail={
                "change": change,
                field: _names(type(instance), {instance.pk}),
                **_target(owner_row),
            },
        )


def _reverse_name(owner: type[User] | type[Group], field: str) -> str:
    return {"groups": "user_set", "user_permissions": "user_set", "permissions": "group_set"}[field]


def _target(instance: Any) -> dict[str, str]:
    if isinstance(instance, User):
        return {"target_username": instance.get_username()}
    if isinstance(instance, Group):
        return {"group": instance.name}
    return {}


def _m2m_receiver(audit_action: str, owner: Any, field: str) -> Any:
    """A receiver auditing changes of one many-to-many relation (in both directions)."""

    def receive(
        sender: Any,
        instance: Any,
        action: str,
        reverse: bool,
        model: Any,
        pk_set: set[Any] | None,
        **kwargs: Any,
    ) -> None:
        _m2m_audit(
            action=audit_action,
            instance=instance,
            reverse=reverse,
            model=model,
            pk_set=pk_set,
            signal_action=action,
            owner=owner,
            field=field,
        )

    return receive


# Group membership, a user's own permissions, a group's permissions.
for _through, _action, _owner, _field, _uid in (
    (User.groups.through, AuditAction.GROUPS_CHANGED, User, "groups", "audit-user-groups"),
    (
        User.user_permissions.through,
        AuditAction.PERMISSIONS_CHANGED,
        User,
        "user_permissions",
        "audit-user-perms",
    ),
    (
        Group.permissions.through,
        AuditAction.GROUP_PERMISSIONS_CHANGED,
        Group,
        "permissions",
        "audit-group-perms",
    ),
):
    m2m_changed.connect(
        _m2m_receiver(_action, _owner, _field), sender=_through, dispatch_uid=_uid, weak=False
    )


@receiver(pre_save, sender=User, dispatch_uid="audit-user-flags-before")
def remember_account_flags(sender: Any, instance: User, **kwargs: Any) -> None:
    fields = kwargs.get("update_fields")
    if instance.pk is None or (fields is not None and not set(fields) & set(ACCOUNT_FLAGS)):
        instance._audit_flags = None  # type: ignore[attr-defined]  # signing in: last_login only
        return
    instance._audit_flags = (  # type: ignore[attr-defined]
        User.objects.filter(pk=instance.pk).values(*ACCOUNT_FLAGS).first()
    )


@receiver(post_save, sender=User, dispatch_uid="audit-user-flags-after")
def audit_account_flags(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    before = getattr(instance, "_audit_flags", None)
    if created:
        before = {"is_active": True, "is_staff": False, "is_superuser": False}
    if before is None:
        return
    changes = {
        flag: [before[flag], getattr(instance, flag)]
        for flag in ACCOUNT_FLAGS
        if before[flag] != getattr(instance, flag)
    }
    if changes:
        audit(
            None,
            action=AuditAction.ACCOUNT_FLAGS_CHANGED,
            obj=instance,
            detail={"changes": changes, "created": created, **_target(instance)},
        )


# --- Meeting roles ---------------------------------------------------------------------------------
def _participant_detail(participant: Participant) -> dict[str, Any]:
    return {
        "participant": participant.pk,
        "user": participant.user_id,
        "role": participant.role,
        "can_vote": participant.can_vote,
        "substitute_for": participant.substitute_for_id,
    }


@receiver(pre_save, sender=Participant, dispatch_uid="audit-participant-before")
def remember_participant_role(sender: Any, instance: Participant, **kwargs: Any) -> None:
    fields = kwargs.get("update_fields")
    if instance.pk is None or (
        fields is not None and not {"role", "can_vote", "substitute_for"} & set(fields)
    ):
        instance._audit_role = None  # type: ignore[attr-defined]
        return
    instance._audit_role = (  # type: ignore[attr-defined]
        Participant.objects.filter(pk=instance.pk).values(*PARTICIPANT_FIELDS).first()
    )


@receiver(post_save, sender=Participant, dispatch_uid="audit-participant-after")
def audit_participant_role(
    sender: Any, instance: Participant, created: bool, **kwargs: Any
) -> None:
    detail = _participant_detail(instance)
    if created:
        change = "added"
    else:
        before = getattr(instance, "_audit_role", None)
        if before is None:
            return
        changes = {
            field: [before[field], getattr(instance, field)]
            for field in PARTICIPANT_FIELDS
            if before[field] != getattr(instance, field)
        }
        if not changes:
            return
        change = "changed"
        detail["changes"] = changes
    audit(
        None,
        action=AuditAction.PARTICIPANT_ROLE_CHANGED,
        obj=instance,
        meeting_id=instance.meeting_id,
        detail={"change": change, **detail},
    )


@receiver(post_delete, sender=Participant, dispatch_uid="audit-participant-removed")
def audit_participant_removed(sender: Any, instance: Participant, **kwargs: Any) -> None:
    audit(
        None,
        action=AuditAction.PARTICIPANT_ROLE_CHANGED,
        obj=instance,
        meeting_id=instance.meeting_id,
        detail={"change": "removed", **_participant_detail(instance)},
    )
