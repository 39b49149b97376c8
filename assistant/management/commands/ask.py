"""Ask the assistant from the command line, as a given user (their access applies).

python manage.py ask "Thời hạn ban hành thông báo kết luận là bao lâu?" [--user chutich]
                     [--meeting ID] [--json]
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assistant.answers.ask import answer
from assistant.answers.task_questions import TaskAnswerJSON
from assistant.search.embedding.encoder import EmbeddingModelMissing
from assistant.search.retrieval import Scope
from cabinet.models import User


class Command(BaseCommand):
    help = "Answer a question from the directive library, with citations."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("question")
        parser.add_argument("--user", help="ask as this user (default: a superuser)")
        parser.add_argument("--meeting", type=int, help="only that meeting's papers")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["question"].strip():
            raise CommandError("The question is empty.")
        query = User.objects.filter(is_active=True)
        user = (
            query.filter(username=options["user"]).first()
            if options["user"]
            else query.filter(is_superuser=True).order_by("pk").first()
        )
        if user is None:
            raise CommandError("No such active user (pass --user USERNAME).")
        scope = Scope.meeting(options["meeting"]) if options["meeting"] else Scope()
        try:
            result = answer(options["question"], user=user, scope=scope)
        except EmbeddingModelMissing as missing:  # a set-up fault: say how to fix it, no traceback
            raise CommandError(str(missing)) from missing
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, indent=1))
            return
        if result.tasks is not None:
            self.write_tasks(result.tasks)
            return
        self.stdout.write(f"Độ tin cậy: {result.confidence:.0%}")
        if result.llm_text:
            self.stdout.write(result.llm_text + "\n")
        if not result.found:
            self.stdout.write(result.message)
            if result.passages:
                self.stdout.write("Các đoạn gần nhất:")
        for quote in result.quotes:
            self.stdout.write(f"« {flat(quote.text)} »\n   — {quote.citation.label}")
        if not result.found:
            for passage in result.passages[:3]:
                self.stdout.write(f"- {passage.citation.label}: {flat(passage.text)[:200]}…")

    def write_tasks(self, tasks: TaskAnswerJSON) -> None:
        """A question about the tasks' follow-up: the summary, then one line per task."""
        self.stdout.write(tasks["summary"])
        for item in tasks["items"]:
            state = item["status_label"]
            if item["overdue"]:
                state += f", quá hạn {item['days_late']} ngày làm việc"
            deadline = item["deadline_display"] or "không có"
            self.stdout.write(
                f"- {flat(item['content'])[:200]}\n   {item['lead_unit']} · thời hạn {deadline}"
                f" · {state} · {item['url']}"
            )
        if tasks["total"] > len(tasks["items"]):
            self.stdout.write(f"(… và {tasks['total'] - len(tasks['items'])} nhiệm vụ khác)")


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
