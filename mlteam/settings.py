"""One environment-driven settings module.

Everything a deployment changes comes from the environment; the defaults give a working demo
on SQLite (under ``var/``) with nothing set.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MLTEAM_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# Fail safe: production is the default; `make run`, `make test` and the demo turn DEBUG on.
DEBUG = env_bool("DEBUG", False)
# This key only exists so the demo runs with nothing configured; it is public, so a server
# without DEBUG refuses it (and refuses to start with no key at all).
DEMO_SECRET_KEY = "django-insecure-mlteam-demo-key-change-me-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", "") or (DEMO_SECRET_KEY if DEBUG else "")
if not DEBUG and (len(SECRET_KEY) < 32 or SECRET_KEY == DEMO_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY is missing, too short (under 32 characters) or the public demo key, and "
        "DEBUG is off. Set SECRET_KEY to a long random value, e.g. "
        "SECRET_KEY=$(openssl rand -hex 32) — or DEBUG=true for a local demo only."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tables2",
    "django_filters",
    "template_partials",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    # Sign-in lockout (settings under "Sign-in lockout" below); its admin is ours (backoffice).
    "axes",
    # Layers, bottom to top (DEVELOPERS.md; `lint-imports` enforces them).
    "mlteam.kernel",
    "mlteam.roster",
    "mlteam.evals",
    "mlteam.cards",
    "mlteam.tracking",
    "mlteam.registry",
    "mlteam.notifications",
    "mlteam.interop",
    "mlteam.api",
    "mlteam.web",
    "mlteam.backoffice",
    "mlteam.site",
]

# The JSON API (/api/v1/) skips the page-only layers of mlteam.kernel.page_middleware.
MIDDLEWARE = [
    # Outermost: the request id and the one log line per request, then the fault barrier
    # (oversized bodies, NUL in the URL, database down → 503) before anything touches the body.
    "mlteam.kernel.middleware.RequestLogMiddleware",
    # Permissions-Policy on every response (the fault barrier's and static files' too) and
    # Cache-Control: private, no-store on the API's and on signed-in pages.
    "mlteam.kernel.middleware.SecurityHeadersMiddleware",
    "mlteam.kernel.middleware.FaultBarrierMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "mlteam.kernel.page_middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mlteam.kernel.page_middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "mlteam.kernel.page_middleware.HtmxMiddleware",
    "mlteam.kernel.page_middleware.LoginRequiredMiddleware",
    "mlteam.kernel.middleware.HtmxLoginRedirectMiddleware",
    "mlteam.kernel.middleware.ContentSecurityPolicyMiddleware",
    # Last, as django-axes requires: turns a login refused for a lockout into the lockout page
    # (which then passes back through the CSP and the other headers above).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mlteam.urls"
WSGI_APPLICATION = "mlteam.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mlteam.site.context_processors.navigation",
            ],
        },
    },
]

# Off behind a pooler that cannot keep prepared statements (PgBouncer in transaction mode
# before 1.21, without max_prepared_statements).
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'mlteam.sqlite3'}",
        # Persistent connections by default: opening one costs PostgreSQL ≈5–7 ms of CPU, more
        # than most requests. Health checks drop a connection the server closed (a restart).
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "600")),
        conn_health_checks=env_bool("DB_CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer instead of failing at once: the demo server and a CLI may write together.
    # and take the write lock at BEGIN so concurrent read-then-write transactions queue up.
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
    # A fresh clone has no var/ yet: SQLite creates the file but not its folder.
    if DATABASES["default"]["NAME"] and DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
else:
    # Django's backend with a health check that looks at the socket instead of sending SELECT 1
    # before every request (mlteam/kernel/postgresql/base.py).
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "mlteam.kernel.postgresql"
    # An unreachable database fails a request within seconds (a 503), instead of hanging it.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", int(os.environ.get("DB_CONNECT_TIMEOUT", "5")))
    if DB_PREPARED_STATEMENTS:
        # Only the API's hot reads bind on the server (mlteam/kernel/prepared.py): prepared at
        # their first run on a connection, they are planned once instead of every request.
        options.setdefault("prepare_threshold", 0)
        # One generic plan per statement: their joins cost more to plan than to run, and
        # PostgreSQL would otherwise keep re-planning the ones with a time parameter.
        session = options.get("options", "")
        if "plan_cache_mode" not in session:
            options["options"] = f"{session} -c plan_cache_mode=force_generic_plan".strip()
    if env_bool("DB_POOL", False):
        # psycopg's pool (per process) instead of one persistent connection per thread.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        options["pool"] = {
            "min_size": int(os.environ.get("DB_POOL_MIN_SIZE", "1")),
            "max_size": int(os.environ.get("DB_POOL_MAX_SIZE", "4")),
            "timeout": int(os.environ.get("DB_CONNECT_TIMEOUT", "5")),
        }

# One Redis shared by every app server when REDIS_URL is set (sessions, token lookups,
# throttles); this process's memory otherwise (fine for one server, wrong for several).
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "mlteam")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "mlteam.kernel.cache.ReusingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    # Sessions read from Redis, written through to the database: a Redis flush logs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
# How long a token lookup is cached (revoking deletes the entry at once). Off without a shared
# cache: another process's memory would keep a revoked token alive until it expires there.
API_TOKEN_CACHE_SECONDS = int(
    os.environ.get("API_TOKEN_CACHE_SECONDS", "300" if REDIS_URL else "0")
)
# And in each process's memory for this long (seconds, below 1): a process forgets a token it
# revoked itself at once, the others within this time. 0 asks Redis on every request.
API_TOKEN_LOCAL_SECONDS = min(
    0.99, float(os.environ.get("API_TOKEN_LOCAL_SECONDS", "0.5" if REDIS_URL else "0"))
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The lockout check first (it refuses before a password is even compared), then the passwords.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# How many proxies in front of the app append to X-Forwarded-For: 0 (the default) uses the
# connection's address only; 1 behind one proxy (that sets the header), and so on. Used to tell
# clients apart for the sign-in lockout and the anonymous API rate. Too high lets clients
# choose their own address.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Sign-in lockout (django-axes): AXES_FAILURE_LIMIT wrong passwords for one username from one
# address lock that pair out of /accounts/login/ and /admin/login/ for AXES_COOLOFF_MINUTES,
# counted from the last failure before the lockout (failures while locked do not extend it).
# An ML lead lifts it early in the admin ("Access attempts" or the member list), audited.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "mlteam.site.lockout.locked_out"
AXES_CLIENT_IP_CALLABLE = "mlteam.kernel.clients.client_address"
AXES_ENABLE_ADMIN = False  # axes' own admin deletes attempts unaudited; ours unlocks audited
AXES_VERBOSE = False
# Successful sign-ins are not kept (nobody reads them; the request log has them).
AXES_DISABLE_ACCESS_LOG = True
# Masked in the attempts' stored form data (the password always is).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

DJANGO_TABLES2_TEMPLATE = "core/includes/table.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table"}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "mlteam.api.schema.ApiSchema",
    "DEFAULT_PERMISSION_CLASSES": ["mlteam.api.permissions.IsAuthenticated"],
    # Tokens first: their WWW-Authenticate header makes a missing login a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "mlteam.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["mlteam.api.parsers.BoundedJSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "mlteam.api.pagination.ApiCursorPagination",
    "EXCEPTION_HANDLER": "mlteam.api.errors.api_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Rates per token (or per signed-in user without one) and per anonymous address, counted in
    # the shared cache (Redis with REDIS_URL): see API_THROTTLE_RATES below.
    "DEFAULT_THROTTLE_CLASSES": [
        "mlteam.api.throttles.TokenRateThrottle",
        "mlteam.api.throttles.AnonymousRateThrottle",
    ],
    # Which X-Forwarded-For entry is the client (anonymous throttling), like the lockout's.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}


# "<requests>/<second|minute|hour|day>"; read at each request, so tests can lower them.
# "off" switches a rate off (the benchmark measures the server, not its budget).
def _rate(name: str, default: str) -> str | None:
    value = os.environ.get(name, default).strip()
    return None if value.lower() in ("off", "none", "") else value


API_THROTTLE_RATES = {
    "token": _rate("API_THROTTLE_RATE", "600/minute"),
    "anon": _rate("API_THROTTLE_ANON_RATE", "60/minute"),
}
# On Redis each process sends its counts every API_THROTTLE_BATCH requests or
# API_THROTTLE_BATCH_SECONDS, whichever first, and every request once a caller is at 90 % of
# its rate (mlteam/kernel/counting.py). API_THROTTLE_BATCH=1 counts every request in Redis.
API_THROTTLE_BATCH = max(1, int(os.environ.get("API_THROTTLE_BATCH", "20")))
API_THROTTLE_BATCH_SECONDS = float(os.environ.get("API_THROTTLE_BATCH_SECONDS", "0.2"))
SPECTACULAR_SETTINGS = {
    "TITLE": "mlteam API",
    "DESCRIPTION": "Model registry, handoff gates, model cards, evals, experiments and roster.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "mlteam.api.schema.describe_tags",
    ],
    # Like every page and endpoint, the schema and docs need a login or a token.
    "SERVE_PERMISSIONS": ["mlteam.api.permissions.IsAuthenticated"],
    "ENUM_NAME_OVERRIDES": {
        "StageEnum": "mlteam.kernel.enums.Stage",
        "PromotionStateEnum": "mlteam.registry.enums.PromotionState",
        "CriterionKindEnum": "mlteam.registry.enums.CriterionKind",
        "TeamKindEnum": "mlteam.roster.enums.TeamKind",
        "OrientationEnum": "mlteam.roster.enums.Orientation",
        "RunStatusEnum": "mlteam.tracking.enums.RunStatus",
    },
}

# Security: strict by default outside DEBUG so `manage.py check --deploy` passes in production.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from hx-headers, not the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(14 * 24 * 3600)))
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Load balancers probe over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^ready/$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# Trust X-Forwarded-Proto only behind a proxy that sets it and strips what clients send:
# otherwise anyone could claim https and get secure-only behaviour over plain HTTP.
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Bodies over this are refused with 413 (JSON on the API); a model card import is the largest.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("MAX_REQUEST_BYTES", str(2 * 1024 * 1024)))
# How deep a JSON body may nest before it is refused with 400 (Python's parser recurses).
API_MAX_JSON_DEPTH = 64

# Browser features no page uses, switched off for every response (and any script injected).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), hid=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), serial=(), usb=(), "
    "xr-spatial-tracking=()"
)

# Pages must work under this policy: no inline script, no on* attributes, nothing off-site.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)

# One JSON object per line on stdout (LOG_FORMAT=text for people reading a terminal), each with
# the request id; REQUEST_LOG=false drops the per-request line.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "mlteam.kernel.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "mlteam.kernel.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT if LOG_FORMAT in {"json", "text"} else "json",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "mlteam.request": {
            "handlers": ["console"],
            "level": "INFO" if env_bool("REQUEST_LOG", True) else "WARNING",
            "propagate": False,
        },
        # 4xx are in the request line already; 5xx keep Django's line with the traceback.
        "django.request": {"level": "ERROR"},
    },
}

# Background work (notifications, emails, webhook deliveries) on Django's tasks framework: the
# database backend, so SQLite and PostgreSQL both work and several workers share one queue
# (`make worker` = `manage.py db_worker`). TASKS_BACKEND=immediate runs tasks in the request.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database")
TASKS = {
    "default": {
        "BACKEND": {
            "database": "mlteam.kernel.task_backend.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "dummy": "django_tasks.backends.dummy.DummyBackend",
        }[TASKS_BACKEND],
        "QUEUES": ["default"],
    }
}

# Links in emails and webhook payloads point here.
MLTEAM_BASE_URL = os.environ.get("MLTEAM_BASE_URL", "http://127.0.0.1:8000")
# Webhooks never go to loopback, private, link-local or metadata addresses unless this is on
# (receivers on your own network; the demo and tests on one machine).
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", False)

# Email: the console in the demo; SMTP when EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "mlteam <mlteam@localhost>")

# Error reporting (optional extra: pip install -e '.[sentry]').
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    try:
        import sentry_sdk
    except ImportError as missing:
        raise ImproperlyConfigured(
            "SENTRY_DSN is set but sentry-sdk is not installed: pip install -e '.[sentry]'."
        ) from missing
    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        send_default_pii=False,
    )
