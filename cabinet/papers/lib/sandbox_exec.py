"""Set resource limits on this process, then become the given program (see cabinet.papers.lib.sandbox).

Usage: python -m cabinet.papers.lib.sandbox_exec CPU_SECONDS MEMORY_MB FILE_SIZE_MB -- PROGRAM ARGS...
Imports nothing from Django: it runs in a fresh interpreter for every sandboxed job.
"""

from __future__ import annotations

import os
import resource
import sys

MB = 1024 * 1024


def main(argv: list[str]) -> None:
    cpu_seconds, memory_mb, file_size_mb = (int(v) for v in argv[:3])
    if argv[3] != "--" or len(argv) < 5:
        raise SystemExit("usage: sandbox_exec CPU MEMORY_MB FILE_MB -- PROGRAM ...")
    program = argv[4:]
    # The CPU limit is a backstop under the parent's wall clock: SIGXCPU at the soft limit.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * MB, memory_mb * MB))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_mb * MB, file_size_mb * MB))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.execvp(program[0], program)  # noqa: S606 -- no shell on purpose: argv is passed as is


if __name__ == "__main__":
    main(sys.argv[1:])
