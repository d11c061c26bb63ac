"""Rabta settings, read from the environment.

With no variable set the site runs on embedded defaults (SQLite file,
in-memory channel layer, local-memory cache, email to the console) so a
newcomer needs nothing but Python. Production mode (``DJANGO_DEBUG`` off)
refuses to start without a secret key and allowed hosts.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
# The session cookie's name in production (a __Host- cookie, below); tools that sign members in to a
# production server they start (manage.py bench_room, the tests) use it too.
PRODUCTION_SESSION_COOKIE_NAME = "__Host-rabta-session"
PRODUCTION_CSRF_COOKIE_NAME = "__Host-rabta-csrf"

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    # Only for local development: sessions signed with this key are worthless.
    SECRET_KEY = "django-insecure-local-development-only-key-not-for-production-use"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off.")
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]

CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# The site's public origin: every absolute link (emails, calendars, canonical and og:url, the sitemap,
# feeds, robots.txt) starts with it, and migrate keeps the Wagtail site's address in line with it
# (cms/origin.py). A domain name, not an address: passkeys (WebAuthn) need one. bin/run-dev and
# bin/run-prod derive it from HOST and PORT when it is not set (bin/site-url).
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")

# Where security researchers report a vulnerability (/.well-known/security.txt, RFC 9116): an email
# address or an https:// page; by default security@ the public origin's host.
SECURITY_CONTACT = os.environ.get("RABTA_SECURITY_CONTACT", "") or f"security@{urlsplit(SITE_URL).hostname}"

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Form widgets render through the site's template tree (FORM_RENDERER), so it may override one.
    "django.forms",
    "channels",
    "django_htmx",
    "django_ratelimit",
    "django_filters",
    "django_countries",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "taggit",
    "modelcluster",
    "django.contrib.sitemaps",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.routable_page",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "core",
    "network",
    "ledger",
    "mentorship",
    "investments",
    "cms",
]

MIDDLEWARE = [
    # Every response leaves with the full set of security headers (core/security.py).
    "core.security.SecurityHeadersMiddleware",
    # A NUL byte, a lone surrogate or bytes that are not UTF-8 in the request: 400 (network/middleware.py).
    "core.middleware.BadInputMiddleware",
    "core.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and other text gzipped for browsers that accept it, with Django's BREACH mitigation.
    "core.middleware.CompressionMiddleware",
    "core.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # The Wagtail admin's policy: the site's, plus a nonce for Wagtail's own inline scripts.
    "cms.admin_csp.EditorsCSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "network.middleware.SessionMFAMiddleware",
    "network.middleware.MemberTimezoneMiddleware",
    # django-htmx's request.htmx, and Vary: HX-Request wherever a view looked at it.
    "core.middleware.HtmxMiddleware",
    # A browser that opens a POST-only address gets a page with its 405, not an empty one.
    "core.middleware.MethodNotAllowedPageMiddleware",
    # Turns core.ratelimits' refusals into a 429 page (RATELIMIT_VIEW).
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "network.context_processors.notifications",
            ],
        },
    }
]

FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Data stores -----------------------------------------------------------

DATA_DIR = Path(os.environ.get("RABTA_DATA_DIR", BASE_DIR / "var"))
DATA_DIR.mkdir(parents=True, exist_ok=True)

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'rabta.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DATABASE_POOL", True):
    # Under ASGI every database_sync_to_async call closes "old" connections,
    # so without a pool each chat message would open a new PostgreSQL
    # connection. psycopg's pool keeps them open across calls.
    # Connections are checked before use only after sitting idle for a few seconds (core/db_pool.py).
    from core import db_pool

    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DATABASE_POOL_MIN", "2")),
        "max_size": int(os.environ.get("DATABASE_POOL_MAX", "10")),
        "timeout": 10,
        "check": db_pool.check_if_idle,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Wagtail's search backend uses PostgreSQL's full-text indexes there.
    INSTALLED_APPS.append("django.contrib.postgres")
    # PostgreSQL's default random_page_cost (4) prices an index read for spinning disks; on SSDs
    # it made a directory search with thousands of matches scan every profile instead of using the
    # trigram index (43 ms against 9 ms at 100,000 members, docs/performance.md).
    random_page_cost = os.environ.get("DATABASE_RANDOM_PAGE_COST", "1.1")
    if random_page_cost:
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c random_page_cost={float(random_page_cost)}".strip()
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer commits; IMMEDIATE takes the
    # write lock at BEGIN so concurrent writers queue instead of failing
    # half-way through a transaction with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file, not SQLite's shared in-memory database: the live
    # server's threads then hold real, separate connections, as in production,
    # and concurrency tests meet SQLite's real locking.
    # One file per test process, so that two test runs never share one.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-rabta-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis backend, failing open when Redis is down or slow (core/cache.py).
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "rabta"),
            # Redis answers in well under a millisecond; a call that takes half a second means it
            # is paused or cut off, and the page goes on without it.
            "OPTIONS": {
                "socket_connect_timeout": float(os.environ.get("CACHE_TIMEOUT", "0.5")),
                "socket_timeout": float(os.environ.get("CACHE_TIMEOUT", "0.5")),
            },
        }
    }
    # Redis pub/sub layer, chosen by measurement (docs/session-room.md): lower
    # latency and memory than the list-based RedisChannelLayer for room
    # broadcasts. Neither layer is the record: every room message is stored
    # before it is broadcast and clients catch up from the database, so a
    # broadcast lost in a Redis restart or a full queue costs nothing but time.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": os.environ.get("CHANNEL_LAYER_BACKEND", "core.channel_layers.PubSubChannelLayer"),
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        # redis-py's pool allows 100 connections by default; a
                        # burst of a few hundred clients joining rooms at once
                        # fails with "Too many connections". Sized for bursts.
                        "max_connections": int(os.environ.get("REDIS_MAX_CONNECTIONS", "1000")),
                        # redis-py 8 reads with a 5 s socket timeout by default,
                        # exactly as long as channels_redis' RedisChannelLayer
                        # blocks in BZPOPMIN: the read then times out as the
                        # answer arrives and the consumer dies.
                        "socket_timeout": 15,
                    }
                ],
                "prefix": os.environ.get("CHANNEL_LAYER_PREFIX", "rabta"),
                # For RedisChannelLayer: messages waiting per channel before
                # new ones are dropped (the catch-up path covers a drop).
                "capacity": 500,
                "expiry": 30,
                "group_expiry": 86400,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# The layout's fragments that change only with a deploy, in each process's memory (core/layout_cache.py).
CACHES["layout"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "layout"}

# Background work: Django's tasks framework; ``manage.py task_worker`` runs the queue. The database
# backend (the embedded default) needs no extra service; production sets
# TASKS_BACKEND=core.tasks_backend.RQBackend, tasks in Redis run by RQ's workers, with retries,
# time limits and recovery from dead workers (docs/background-work.md).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
        "OPTIONS": {
            "URL": os.environ.get("TASKS_REDIS_URL", REDIS_URL),
            # Seconds an attempt may run before it is stopped and retried.
            "JOB_TIMEOUT": int(os.environ.get("TASKS_JOB_TIMEOUT", "120")),
            # Seconds before each retry of a failed attempt; then the task stays failed.
            "RETRY_INTERVALS": [
                int(s) for s in os.environ.get("TASKS_RETRY_INTERVALS", "10,60,300,1800,7200").split(",") if s
            ],
        }
        if os.environ.get("TASKS_BACKEND") == "core.tasks_backend.RQBackend"
        else {},
    }
}

# Periodic jobs: (task, every so many seconds). ``manage.py task_scheduler`` runs on every machine and
# queues each job once a period across all of them (network.models.PeriodicRun).
PERIODIC_TASKS = [
    ("cms.tasks.publish_scheduled_pages", 60),
    ("network.tasks.expire_overdue_introductions", 15 * 60),
    ("mentorship.tasks.expire_overdue_requests", 15 * 60),
    ("mentorship.tasks.refresh_next_free_slots", 60),
    ("network.tasks.clear_expired_sessions", 24 * 3600),
    ("network.tasks.prune_task_records", 3600),
]

# --- Accounts --------------------------------------------------------------

AUTH_USER_MODEL = "network.User"

# Django's and allauth's, loading the member with their profile in one query (network/backends.py).
AUTHENTICATION_BACKENDS = [
    "network.backends.ModelBackend",
    "network.backends.AuthenticationBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "network:dashboard"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# Security notices: a member is emailed when their password, email addresses or two-factor
# authentication change, so a change they did not make does not go unseen.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_ADAPTER = "network.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "network.account_forms.SignupForm"}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Rabta] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# allauth's rate limits are on and count in the cache (Redis in production). Wrong passwords: 10 a
# minute from one address, 5 in 5 minutes for one account from one address (network.adapters), and
# 30 an hour for one account from anywhere; a password reset clears the member's own counts.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login_failed_account": "30/h/key",
}

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Rabta"
# Accept the code of the previous and next 30-second window: phone clocks drift.
MFA_TOTP_TOLERANCE = 1
# Browsers only allow WebAuthn on https or localhost; plain http on
# 127.0.0.1 is allowed in development only.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG

SOCIALACCOUNT_PROVIDERS: dict = {}

# --- Email -----------------------------------------------------------------

# EMAIL_BACKEND: "console" (development default), "file" (one file per
# message in EMAIL_FILE_PATH) or "smtp" (production default).
_email_backend = os.environ.get("EMAIL_BACKEND", "console" if DEBUG else "smtp")
if _email_backend == "smtp":
    _mailer = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("EMAIL_PORT", "25")),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", False),
            # A mail server that accepts the connection and never answers must not hold a worker.
            "timeout": float(os.environ.get("EMAIL_TIMEOUT", "10")),
        },
    }
elif _email_backend == "file":
    _mailer = {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": os.environ.get("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))},
    }
elif _email_backend == "console":
    _mailer = {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
else:
    raise ImproperlyConfigured("EMAIL_BACKEND must be console, file or smtp.")
MAILERS = {"default": _mailer}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Rabta <no-reply@rabta.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation --------------------------------------------------

LANGUAGE_CODE = "en"
# Only languages with a translation catalogue in LOCALE_PATHS: a language offered without one would
# serve English text with that language's tag and direction (Urdu: English laid out right to left).
# Add ("ur", _("Urdu")) back with locale/ur/LC_MESSAGES/django.po; base.html already sets lang and dir.
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ---------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
# Story images' renditions (/media/images/) are served by the site itself unless a web server or
# object storage in front takes them over (then set RABTA_SERVE_MEDIA=0). Originals
# (/media/original_images/) are never public: pages show renditions only.
SERVE_MEDIA = env_bool("RABTA_SERVE_MEDIA", True)
# manage.py bench_pages turns on a bare view to measure the pages against (devtools).
RABTA_BENCH_BARE_VIEW = env_bool("RABTA_BENCH_BARE_VIEW", False)
# The benchmarks (devtools: manage.py bench_*) are development tools: installed with DEBUG on, and in
# production only when asked for (RABTA_DEVTOOLS=1) or while bench_pages runs its servers.
if env_bool("RABTA_DEVTOOLS", DEBUG) or RABTA_BENCH_BARE_VIEW:
    INSTALLED_APPS.append("devtools")
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", DATA_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Evidence files and pitch decks: never under MEDIA_ROOT, never given a
    # URL; views hand them out after a permission check.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": "/no-public-url/"},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 5_242_880

# --- Security --------------------------------------------------------------

# Sessions are written to the database and read through the cache for five minutes at a time: a
# member's every page costs a cache hit rather than a query, nothing is lost when the cache is
# flushed, and an outage of the cache cannot keep an ended session alive for long (core/sessions.py).
SESSION_ENGINE = "core.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# A strict policy: no inline scripts or styles anywhere, everything from
# this origin. Uploaded photos are served from the same origin.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    # The web app manifest (/manifest.webmanifest), named here rather than left to default-src.
    "manifest-src": [CSP.SELF],
}
# Under /editors/ only (cms/admin_csp.py): Wagtail writes a short inline script after each date
# picker and chooser to start it, and its rich text editor creates <style> elements; those, and
# only those, carry this request's nonce. Injected markup has none.
EDITORS_CSP = {**SECURE_CSP, "script-src": [CSP.SELF, CSP.NONCE], "style-src": [CSP.SELF, CSP.NONCE]}

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # Load balancers probe health over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    # Behind a load balancer, the web server itself believes X-Forwarded-Proto (and X-Forwarded-For)
    # from the proxies named in RABTA_TRUSTED_PROXIES only (bin/web), so Django reads the scheme of
    # the request as the server passes it on and trusts no header of its own.
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    # The __Host- prefix makes browsers refuse these cookies unless they come over HTTPS (or from
    # localhost), for this host only and the whole site: no subdomain can plant or read them.
    SESSION_COOKIE_NAME = PRODUCTION_SESSION_COOKIE_NAME
    CSRF_COOKIE_NAME = PRODUCTION_CSRF_COOKIE_NAME
    LANGUAGE_COOKIE_NAME = "__Host-rabta-language"

# --- Rabta ----------------------------------------------------------------

# What one member (or, signed out, one address) may do again and again: core.ratelimits, counted
# in the cache by django-ratelimit. "10/h" is ten an hour; past it the request gets a 429 page.
RABTA_RATE_LIMITS = {
    "introduction_request": os.environ.get("RABTA_RATE_INTRODUCTIONS", "10/h"),
    "deal_question": os.environ.get("RABTA_RATE_DEAL_QUESTIONS", "10/h"),
    "booking_request": os.environ.get("RABTA_RATE_BOOKINGS", "20/h"),
    "deck_slide": os.environ.get("RABTA_RATE_DECK_SLIDES", "600/h"),
    "search": os.environ.get("RABTA_RATE_SEARCHES", "60/m"),
    "export": os.environ.get("RABTA_RATE_EXPORTS", "30/h"),
}
RATELIMIT_VIEW = "network.views.rate_limited"
# A form refused for its CSRF token or cookie: the site's page, saying what to do (network.views).
CSRF_FAILURE_VIEW = "network.views.csrf_failure"
RATELIMIT_USE_CACHE = "default"
# django-ratelimit names the backends it knows; Django's own Redis backend (ours wraps it) counts
# atomically too. Without Redis, the local-memory cache of the embedded default is one process's:
# enough for the single web process `make run` starts.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001", *([] if REDIS_URL else ["django_ratelimit.E003"])]

# --- Wagtail (stories) --------------------------------------------------------

WAGTAIL_SITE_NAME = "Rabta"
WAGTAILADMIN_BASE_URL = SITE_URL
# Editors sign in like everyone else: Wagtail's sign-in page sends them to allauth's (config/urls.py),
# and its own password reset and change are off, so every password goes through allauth.
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILUSERS_PASSWORD_ENABLED = False
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_I18N_ENABLED = False
WAGTAILIMAGES_EXTENSIONS = ["jpg", "jpeg", "png", "webp"]
# Every image form re-encodes the upload without its metadata (EXIF location and the rest) before it
# is stored; at most 40 megapixels (as profile photos), which bounds the memory re-encoding takes.
WAGTAILIMAGES_IMAGE_FORM_BASE = "cms.forms.StoryImageForm"
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILDOCS_EXTENSIONS = ["pdf"]
WAGTAIL_ALLOW_UNICODE_SLUGS = False
# Editors' pictures are their profile photos (cms/wagtail_hooks.py) or Wagtail's default: no
# address is sent to Gravatar, and the admin loads no image from another origin.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

RABTA = {
    # An introduction request left unanswered this long expires.
    "INTRODUCTION_TTL_DAYS": int(os.environ.get("RABTA_INTRODUCTION_TTL_DAYS", "14")),
    # How many introduction requests a member may have waiting at once.
    "INTRODUCTION_OPEN_CAP": int(os.environ.get("RABTA_INTRODUCTION_OPEN_CAP", "5")),
    # After a member declines a request, the one who asked may ask them again only this many days later.
    "INTRODUCTION_COOLDOWN_DAYS": int(os.environ.get("RABTA_INTRODUCTION_COOLDOWN_DAYS", "30")),
    # The national goal the impact dashboard measures verified exports against (US dollars a year).
    "EXPORT_GOAL_USD": int(os.environ.get("RABTA_EXPORT_GOAL_USD", "15000000000")),
    "PHOTO_MAX_BYTES": 2 * 1024 * 1024,
    "DIRECTORY_PAGE_SIZE": 20,
    # Visitors (and members without a profile) see times in this zone.
    "DEFAULT_VIEWER_TIMEZONE": "Asia/Karachi",
    # Cohort deadlines and milestone due dates are days in this zone, the incubators', whoever looks:
    # a call that closes "on 3 December" closes at midnight in Pakistan for a mentor in Toronto too.
    "PROGRAMME_TIMEZONE": "Asia/Karachi",
    # Mentors are listed only after staff approve them.
    "MENTOR_APPROVAL_REQUIRED": env_bool("RABTA_MENTOR_APPROVAL_REQUIRED", True),
    # A session request unanswered this long expires and frees its time.
    "BOOKING_REQUEST_TTL_HOURS": 48,
    # Reminder emails, in hours before a confirmed session.
    "REMINDER_HOURS": (24, 1),
    # Generated video rooms: a fresh random room name under this address.
    "VIDEO_ROOM_BASE": os.environ.get("RABTA_VIDEO_ROOM_BASE", "https://meet.jit.si/"),
    # The session room opens this long before the session…
    "ROOM_OPENS_MINUTES_BEFORE": 60,
    # …and turns read-only this long after it ends.
    "ROOM_READ_ONLY_HOURS_AFTER": 6,
    # Limits that keep one member from flooding a room or the server.
    "ROOM_MESSAGE_MAX_CHARS": 4000,
    "ROOM_FRAME_MAX_BYTES": 65536,
    "ROOM_MESSAGES_PER_10_SECONDS": int(os.environ.get("RABTA_ROOM_MESSAGES_PER_10_SECONDS", "20")),
    "ROOM_CONNECTIONS_PER_MEMBER": 5,
    # Catch-up requests (history answers of up to 200 messages) per connection.
    "ROOM_SYNCS_PER_10_SECONDS": int(os.environ.get("RABTA_ROOM_SYNCS_PER_10_SECONDS", "10")),
    # At most one "typing" relayed per connection in this many seconds.
    "ROOM_TYPING_INTERVAL_SECONDS": 2,
    # A connection's entry in the per-member count lives this long without a heartbeat
    # (mentorship.connections), renewed every ROOM_HEARTBEAT_SECONDS.
    "ROOM_CONNECTION_TTL_SECONDS": float(os.environ.get("RABTA_ROOM_CONNECTION_TTL_SECONDS", "45")),
    "ROOM_HEARTBEAT_SECONDS": float(os.environ.get("RABTA_ROOM_HEARTBEAT_SECONDS", "15")),
    # How often each server process re-checks every open room connection's access in the database.
    "ROOM_ACCESS_SWEEP_SECONDS": float(os.environ.get("RABTA_ROOM_ACCESS_SWEEP_SECONDS", "3")),
    # How long a broadcast through the channel layer (or a connect's step in Redis) may take before
    # the room goes on without it (clients catch up from the database) or refuses the connect (4503).
    # Generous on purpose: under load a queue drains if it is waited for; cancelling and retrying
    # only makes it longer.
    "ROOM_PUBLISH_TIMEOUT_SECONDS": float(os.environ.get("RABTA_ROOM_PUBLISH_TIMEOUT_SECONDS", "5")),
}

# Logs: one JSON object per line in production (plain text while developing), every line with the id
# of the request it was written for (also sent back as X-Request-ID).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.observability.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "core.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
