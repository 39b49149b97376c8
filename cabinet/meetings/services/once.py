"""Create forms sent at most once: what a form's one-time token created is remembered.

Back then "Tạo cuộc họp" again, or a double click, sends the same form twice. The form carries a
token (cabinet.meetings.forms.OnceForm); the first successful submission creates, and writes a
receipt under the token in the same transaction (the tablets' CommandReceipt: either the object
and its receipt both exist, or neither does). The same token sent again finds the receipt and
gets what was created, instead of creating another. A refused submission writes nothing, so the
corrected form, with the same token, still creates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.db import IntegrityError, transaction

from cabinet.models import CommandReceipt, Meeting, User

# Form tokens share the receipts' (user, client_id) key with the tablets' command ids (UUIDs).
PREFIX = "form:"


def created_by(actor: User, token: str, name: str) -> Mapping[str, object] | None:
    """What an earlier submission of this form created (its result), if any."""
    if not token:
        return None
    receipt = CommandReceipt.objects.filter(user=actor, client_id=PREFIX + token, name=name).first()
    return receipt.result if receipt is not None else None


def create_once(
    *,
    actor: User,
    token: str,
    name: str,
    create: Callable[[], tuple[Meeting, dict[str, object]]],
) -> tuple[Mapping[str, object], bool]:
    """Run `create` (which returns the meeting concerned and what to remember) unless this token
    already created; (the result, True) when created now, (the earlier result, False) otherwise.

    Without a token, `create` simply runs. A ServiceError from `create` passes through with
    nothing remembered.
    """
    earlier = created_by(actor, token, name)
    if earlier is not None:
        return earlier, False
    try:
        with transaction.atomic():
            meeting, result = create()
            if token:
                CommandReceipt.objects.create(
                    user=actor, client_id=PREFIX + token, meeting=meeting, name=name, result=result
                )
    except IntegrityError:
        # The same form committed concurrently (a double click raced itself): its receipt
        # stands and this attempt was rolled back whole.
        earlier = created_by(actor, token, name)
        if earlier is None:
            raise
        return earlier, False
    return result, True
