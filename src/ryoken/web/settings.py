"""Django settings for ryoken, read from the environment. Secure by default.

RYOKEN_DATA_DIR   where SQLite, keys and the ledger witness live (default ./var)
DATABASE_URL      PostgreSQL in production (default: SQLite in the data dir)
RYOKEN_SECRET_KEY Django's secret; otherwise read from DATA_DIR/secret_key (`ryoken init`)
RYOKEN_DEBUG      1 only on a developer's machine
RYOKEN_HTTPS      0 only when served on localhost without TLS (the demo)
RYOKEN_ALLOWED_HOSTS comma-separated host names
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from ryoken.errors import ConfigurationError
from ryoken.web.env import data_dir, env_bool, env_int, env_list, env_str

DATA_DIR = data_dir()
BASE_DIR = Path(__file__).resolve().parent

DEBUG = env_bool("RYOKEN_DEBUG", False)
HTTPS = env_bool("RYOKEN_HTTPS", True)


def _secret_key() -> str:
    key = env_str("RYOKEN_SECRET_KEY", "")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        raise ConfigurationError(
            f"No secret key at {path}: run `ryoken init` first (or set RYOKEN_SECRET_KEY)."
        ) from None


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("RYOKEN_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "ninja",  # serves its Swagger assets itself instead of from a CDN
    "ryoken.web.ledger",
    "ryoken.web.access",
    "ryoken.web.vault",
    "ryoken.web.accounts",
    "ryoken.web.applications",
    "ryoken.web.casework",
    "ryoken.web.counter",
    "ryoken.web.api",
    "ryoken.web.watch",
    "ryoken.web.incident",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Device bodies that are too big or not UTF-8 get the API's JSON error shape.
    "ryoken.web.api.middleware.ApiBodyMiddleware",
    # Static files from the app itself, compressed and cached, with no separate server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Below the session middleware, so the session it touches is saved on the way out.
    "ryoken.web.accounts.middleware.IdleTimeoutMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # A refused request for personal data (403/404) is ledgered (access.denied).
    "ryoken.web.accounts.denials.DeniedAccessMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # An empty 405 (a POST-only URL opened in the browser) gets a page with a way back.
    "ryoken.web.error_pages.StyledMethodNotAllowed",
    # Last, as django-axes asks: it turns lockouts into a response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# django-axes: lock an account after 5 failures for 30 minutes (per user name and address).
AXES_FAILURE_LIMIT = env_int("RYOKEN_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "ryoken"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"

ROOT_URLCONF = "ryoken.web.urls"
WSGI_APPLICATION = "ryoken.web.wsgi.application"

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
                "ryoken.web.accounts.views.pending_download",
            ],
        },
    },
]

_default_db = f"sqlite:///{DATA_DIR / 'ryoken.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL", _default_db))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; FULL makes every commit durable (fsync);
    # IMMEDIATE takes the write lock at BEGIN so concurrent writers queue instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # Django's backend plus a repair of side files left read-only (ryoken/web/sqlite3).
    DATABASES["default"]["ENGINE"] = "ryoken.web.sqlite3"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Tokyo"
USE_TZ = True

STATIC_URL = "static/"
# Production runs `collectstatic` into RYOKEN_STATIC_ROOT; the demo serves from the finders.
STATIC_ROOT = env_str("RYOKEN_STATIC_ROOT", "") or None
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve straight from the finders (no collectstatic step) so `make demo` needs nothing else.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Sessions end when the browser closes and after RYOKEN_IDLE_MINUTES of inactivity.
SESSION_COOKIE_AGE = env_int("RYOKEN_IDLE_MINUTES", 15) * 60
# Renewed at most once a minute by IdleTimeoutMiddleware, not written on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content Security Policy (django-csp): no scripts at all on staff screens; styles from our
# own stylesheet (inline style attributes allowed); images from us (photos are served by the
# gateway views) or data: URIs. The API's Swagger page needs scripts and is exempt.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/docs"],
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'none'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
    },
}

# Document scans (戸籍謄本, photo, signature): PNG, JPEG or PDF, sniffed by content.
RYOKEN_MAX_SCAN_BYTES = env_int("RYOKEN_MAX_SCAN_BYTES", 5 * 1024 * 1024)
RYOKEN_KIOSK_TICKETS_PER_MINUTE = env_int("RYOKEN_KIOSK_TICKETS_PER_MINUTE", 30)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("RYOKEN_LOG_LEVEL", "WARNING")},
}

# The vault's access policy (no disclosure without an open grant covering the person and
# field) is not a setting: the gateway imports it from the access app (decision 0064).
