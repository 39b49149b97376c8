"""Issue a one-time two-factor enrolment code for a user, from the server's command line.

For the operator (the first administrator has nobody to issue theirs in the admin) and for the
demo with TWO_FACTOR_ENFORCED=1. The code is printed once; the audit log records that it was
issued, by the command line (no actor).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cabinet.models import User
from cabinet.trust import two_factor


class Command(BaseCommand):
    help = (
        "Issue a one-time two-factor enrolment code for USERNAME (replacing any unused one). "
        "--reset also removes the user's authenticator and recovery codes (a lost phone)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="remove the user's current authenticator and recovery codes first",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"Không có người dùng {options['username']!r}.")
        if options["reset"]:
            issued = two_factor.reset_two_factor(actor=None, user=user)
        else:
            issued = two_factor.issue_enrolment_code(actor=None, user=user)
        expires = timezone.localtime(issued.expires_at)
        self.stdout.write(f"{user.username}: {issued.code}")
        self.stdout.write(f"Hết hạn lúc / expires at {expires:%Y-%m-%d %H:%M %Z}; dùng một lần.")
        if not two_factor.enrolment_code_required(user):
            # Still worth handing over: once the account must use two-factor sign-in (leaders'
            # group, chair, enforcement), an authenticator set up without a code is set up again
            # with one, and the code stays usable until it expires.
            self.stdout.write(
                "(Tài khoản này hiện không bắt buộc xác thực hai lớp: chưa cần mã để thiết lập; "
                "khi trở thành bắt buộc, sẽ phải thiết lập lại bằng mã.)"
            )
