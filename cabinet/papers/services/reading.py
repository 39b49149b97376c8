"""What a user has read: the newest version of each paper they opened."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from cabinet.models import PaperRead, PaperVersion, User


def mark_paper_opened(*, user: User, version: PaperVersion) -> PaperRead:
    """Record that the user opened `version`; the stored number only ever grows (opening an old
    version again must not bring the "Có phiên bản mới" badge back for a version already read).

    Precondition: the caller has checked that the user may read the version.
    """
    # One row per (user, paper), guarded by a unique constraint. The conditional UPDATE is atomic on
    # its own, so two tablets of the same user opening different versions at once keep the larger
    # number without any lock.
    paper_id = version.paper_id
    updated = PaperRead.objects.filter(
        user=user, paper_id=paper_id, version_number__lt=version.number
    ).update(version_number=version.number, opened_at=timezone.now())
    if not updated:
        try:
            with transaction.atomic():
                read, _ = PaperRead.objects.get_or_create(
                    user=user, paper_id=paper_id, defaults={"version_number": version.number}
                )
                return read
        except IntegrityError:  # created concurrently by another request: it holds a number too
            PaperRead.objects.filter(
                user=user, paper_id=paper_id, version_number__lt=version.number
            ).update(version_number=version.number, opened_at=timezone.now())
    return PaperRead.objects.get(user=user, paper_id=paper_id)
