"""Invitation groups (nhóm khách mời thường xuyên): the people a secretary usually invites together,
"Thành viên UBND Thành phố", "Giám đốc các Sở", invited in one step from the participants page.

A model of its own rather than Django's auth Group: auth groups say what their members may do
(the secretariat organises meetings, the leaders follow tasks up) and every change to them is a
security event in the audit log. A list of people to invite grants nothing; mixing the two would
let the permission groups appear as invitation lists, and editing an invitation list would look
like (and could become) a change of permissions.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InvitationGroup(models.Model):
    name = models.CharField(_("tên nhóm"), max_length=150, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("thành viên"),
        related_name="invitation_groups",
        blank=True,
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("nhóm đại biểu")
        verbose_name_plural = _("nhóm đại biểu")

    def __str__(self) -> str:
        return self.name
