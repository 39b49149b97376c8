"""Exit 0 when PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer; start them if stopped.

Development and CI machines run both; a stopped one is started with the machine's own commands.
"""

from __future__ import annotations

import glob
import shutil
import socket
import subprocess
import sys
import time

SERVICES = {
    "PostgreSQL": (
        5432,
        "pg_ctlcluster --skip-systemctl-redirect {version} main start",
    ),
    "Redis": (
        6379,
        'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
    ),
}


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def start(name: str, command: str) -> None:
    executable = command.split()[0]
    if shutil.which(executable) is None:
        return
    versions = [p.rsplit("/", 1)[1] for p in glob.glob("/etc/postgresql/*")]
    if "{version}" in command:
        if not versions:
            return
        command = command.format(version=versions[0])
    print(f"{name} is not running; starting it: {command}", file=sys.stderr)
    subprocess.run(command, shell=True, check=False)


def main() -> int:
    ok = True
    for name, (port, command) in SERVICES.items():
        if not answers(port):
            start(name, command)
            for _ in range(20):
                if answers(port):
                    break
                time.sleep(0.5)
        if not answers(port):
            print(f"{name} does not answer on 127.0.0.1:{port}", file=sys.stderr)
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
