"""Print the demo accounts (one per role) and their password."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cabinet.demo.data import PEOPLE
from cabinet.management.commands.seed_demo import demo_password

ROLE_LABELS = {
    "chair": "Chủ trì (Chủ tịch)",
    "vice_chair": "Phó Chủ tịch",
    "secretary": "Thư ký (Văn phòng)",
    "member": "Thành viên",
    "guest": "Khách mời",
    "observer": "Theo dõi",
    "admin": "Quản trị",
}


class Command(BaseCommand):
    help = "List the demo accounts."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Demo accounts (password for all: {demo_password()}):")
        for spec in PEOPLE:
            label = ROLE_LABELS[spec["demo_role"]]
            self.stdout.write(
                f"  {spec['username']:<15} {label:<20} {spec['full_name']}, {spec['position']}"
            )
