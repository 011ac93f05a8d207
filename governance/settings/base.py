"""Settings shared by every environment. Everything deployment-specific comes from
the environment (see README, "Configuration")."""

import sys
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
# A local .env (development secrets written by scripts/ensure-env.sh) fills in what the
# environment does not set; READ_DOT_ENV=0 ignores it.
if env.bool("READ_DOT_ENV", default=True):
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "leaflet",
    "governance",
    "grids",
    "integrations",
    "workcalendar",
    "events",
    "collection",
    "risk",
    "mediation",
    "assessment",
    "command",
    "cockpit",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything that may use the database on the way out (governance/pool.py).
    "governance.pool.StreamingReleaseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "governance.middleware.SessionRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "governance.otp.OTPMiddleware",  # django-otp's, its device read compiled
    "governance.guard.AccountGuardMiddleware",
    "governance.middleware.RequestContextMiddleware",
    "governance.input_guard.InputGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "governance.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "governance.urls"
WSGI_APPLICATION = "governance.wsgi.application"

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
                "django.template.context_processors.i18n",
                "governance.context_processors.navigation",
                # The command app's rights for the event page's buttons (command/).
                "command.context_processors.command_rights",
            ],
        },
    },
]

# Django's form renderer, keeping the HTML of choice widgets and empty inputs per process
# (governance/form_renderer.py).
FORM_RENDERER = "governance.form_renderer.MemoDjangoTemplates"

# --- Database roles (docs/security.md) -----------------------------------
# The application (web, Celery worker and beat, management commands) connects as its own
# role, DATABASE_URL: no superuser, owns nothing, ordinary DML, INSERT/SELECT only on the
# audit trail. The tables belong to the owner role, DATABASE_OWNER_URL, as whom
# `manage.py migrate` and `flush` run (governance/dbroles.py), re-granting afterwards.
# DATABASE_OWNER_URL empty, or naming another database than DATABASE_URL: one role does
# everything (benchmarks on their own database; not for deployments).
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgis://gridgov_app@localhost:5432/gridgov")
}
# GeoDjango's PostGIS engine whatever scheme the URL used (governance/dbbackend: the same,
# with bulk writes batched under the parameter limit of server-side binding, below).
DATABASES["default"]["ENGINE"] = "governance.dbbackend"
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
# A kept connection is checked before a request reuses it: after PostgreSQL restarted,
# the next request reconnects instead of failing on the dead connection (while it is
# down, every request answers 503 "database_unavailable": governance/errors.py).
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
# No JIT: the platform's reads are short indexed statements, but at province scale their
# row estimates can be far too high (the rollups' columns are correlated), and PostgreSQL
# then spends 30-70 ms compiling a plan that runs in 2 ms — the province's cockpit summary
# took 1.2 s under load with JIT, 2 ms without (docs/performance.md, "Cockpit").
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
_db_options["options"] = f"{_db_options.get('options', '')} -c jit=off".strip()
# Parameters bound by PostgreSQL, and a statement prepared on its connection after its
# fifth use there: the platform's statements are short and planning was a fifth of the
# server's CPU under load (docs/performance.md, "A fourth machine"). Django's default binds
# on the client, where nothing can be prepared. Behind a PgBouncer in transaction mode it
# needs PgBouncer ≥ 1.22 with max_prepared_statements (docs/deployment.md), else false.
if env.bool("DATABASE_SERVER_BINDING", default=True):
    _db_options["server_side_binding"] = True
    _db_options["prepare_threshold"] = env.int("DATABASE_PREPARE_THRESHOLD", default=5)
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default="test_gridgov")}
DATABASE_APP_ROLE = DATABASES["default"]["USER"]
_owner_url = env("DATABASE_OWNER_URL", default="postgis://gridgov_owner@localhost:5432/gridgov")
DATABASE_OWNER = environ.Env.db_url_config(_owner_url) if _owner_url else None
if DATABASE_OWNER and (
    DATABASE_OWNER["NAME"] != DATABASES["default"]["NAME"]
    or DATABASE_OWNER["USER"] == DATABASE_APP_ROLE
):
    DATABASE_OWNER = None
if DATABASE_OWNER:
    # The owner role creates the test database from this PostGIS template (made once by
    # scripts/setup-db.sh --test): creating the extension itself needs a superuser.
    DATABASES["default"]["TEST"]["TEMPLATE"] = env(
        "TEST_DATABASE_TEMPLATE", default="gridgov_template_postgis"
    )
# --- end of database roles ------------------------------------------------------------
# --- read replica (governance/replica.py, docs/deployment.md "Read replica") ----------------
# DATABASE_REPLICA_URL: a streaming replica (hot standby) of the primary, as the application
# role (same database name, same roles: a physical replica has the primary's). Reads that
# tolerate a few seconds' lag (cockpit, analysis, exports, assessment preview) go there
# while it answers and lags at most DATABASE_REPLICA_MAX_LAG seconds; otherwise, and for
# everything else, the primary. Unset: one database, the router sends everything there.
DATABASE_ROUTERS = ["governance.replica.ReplicaRouter"]
DATABASE_REPLICA_MAX_LAG = env.float("DATABASE_REPLICA_MAX_LAG", default=5.0)
DATABASE_REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=2.0)
DATABASE_REPLICA_RETRY_SECONDS = env.float("DATABASE_REPLICA_RETRY_SECONDS", default=10.0)
DATABASE_REPLICA_CONNECT_TIMEOUT = env.float("DATABASE_REPLICA_CONNECT_TIMEOUT", default=2.0)
_replica_url = env("DATABASE_REPLICA_URL", default="")
if _replica_url:
    # What the URL leaves out (database name, password) is the primary's.
    _replica = {k: v for k, v in environ.Env.db_url_config(_replica_url).items() if v != ""}
    DATABASES["replica"] = {
        **{k: v for k, v in DATABASES["default"].items() if k != "TEST"},
        **_replica,
        "ENGINE": DATABASES["default"]["ENGINE"],
        # A replica that does not answer must not hold a request for long.
        "OPTIONS": {
            **DATABASES["default"]["OPTIONS"],
            **_replica.get("OPTIONS", {}),
            "connect_timeout": max(1, round(DATABASE_REPLICA_CONNECT_TIMEOUT)),
        },
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://localhost:6379/0")
CACHES = {
    "default": {
        "BACKEND": "governance.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "gridgov",
    }
}

AUTH_USER_MODEL = "governance.User"
AUTHENTICATION_BACKENDS = [
    "governance.auth.LockoutModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "governance.auth.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Lock an account after this many consecutive failed logins, for this long.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_LOCKOUT = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
# Two-factor login (governance/twofactor.py): the issuer shown in the authenticator app,
# how many single-use recovery codes an enrolment issues.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="GridGov")
OTP_RECOVERY_CODES = env.int("OTP_RECOVERY_CODES", default=10)
# Sessions expire after 30 minutes without activity (等保 2.0: 登录超时). The expiry slides
# with activity, pushed forward at most once a minute (governance/middleware.py,
# SessionRefreshMiddleware), not by a write on every request (SESSION_SAVE_EVERY_REQUEST).
# Django's database sessions, their read compiled once per process.
SESSION_ENGINE = "governance.session_store"
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = env.int("SESSION_REFRESH_SECONDS", default=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))
# MEDIA_ROOT is never served as a directory, in any settings: uploads and exports go through
# views that check the owning object's scope (governance/files.py). Behind a reverse proxy
# the proxy may send the bytes: "nginx" (X-Accel-Redirect to FILES_ACCEL_PREFIX, an
# `internal` location aliased to MEDIA_ROOT) or "apache" (X-Sendfile); empty: Django streams.
FILES_ACCEL = env("FILES_ACCEL", default="") or None
FILES_ACCEL_PREFIX = env("FILES_ACCEL_PREFIX", default="/protected-media/")
# Every stored file (attachments, evidence, import uploads, exports, mediation documents,
# thumbnails) goes through Django's storage API (default_storage, FileFields): the local
# disk under MEDIA_ROOT by default; with STORAGE_S3_BUCKET an S3-compatible object store
# (MinIO, Ceph RGW, the clouds' object storage) through django-storages, so that web and
# worker nodes on several machines share the files (docs/deployment.md). The bucket is
# private: files are still served only by the scoped views (streamed by Django; FILES_ACCEL
# is for the local disk only).
STORAGE_S3_BUCKET = env("STORAGE_S3_BUCKET", default="")
if STORAGE_S3_BUCKET:
    DEFAULT_FILE_STORAGE_BACKEND = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": STORAGE_S3_BUCKET,
            "endpoint_url": env("STORAGE_S3_ENDPOINT_URL", default="") or None,
            "region_name": env("STORAGE_S3_REGION", default="") or None,
            "access_key": env("STORAGE_S3_ACCESS_KEY", default="") or None,
            "secret_key": env("STORAGE_S3_SECRET_KEY", default="") or None,
            "location": env("STORAGE_S3_PREFIX", default=""),
            # MinIO and most private stores want path-style URLs.
            "addressing_style": env("STORAGE_S3_ADDRESSING_STYLE", default="path"),
            "signature_version": "s3v4",
            "default_acl": None,  # the bucket's own policy: private
            "file_overwrite": False,  # random names anyway; never replace a file
            "querystring_auth": True,
            "querystring_expire": 300,
        },
    }
else:
    DEFAULT_FILE_STORAGE_BACKEND = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_FILE_STORAGE_BACKEND,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # DRF's TokenAuthentication under the lockout and two-factor rules.
        "governance.authentication.AccountTokenAuthentication",
        # Department systems: `Authorization: Department <key>` (integrations app).
        "integrations.authentication.DepartmentTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Bodies that are not JSON objects, NUL characters and numbers no column holds are
    # refused here for every endpoint (governance/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "governance.api.parsers.JSONParser",
        "governance.api.parsers.FormParser",
        "governance.api.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "governance.api.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "governance.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "GridGov API",
    "DESCRIPTION": "省域社会治理一体化智能平台 API",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    # Every operation documents the errors the edge and the exception handler give.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "governance.api.schema.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "PersonKindEnum": "collection.models.Person.Kind",
        "OrganisationKindEnum": "collection.models.Organisation.Kind",
        "PlaceKindEnum": "collection.models.Place.Kind",
        "EventStatusEnum": "events.models.Status",
        "ImportStatusEnum": "collection.models.imports.ImportJob.Status",
        "VerificationStatusEnum": "collection.models.verification.VerificationTask.Status",
        "WebhookDeliveryStatusEnum": "integrations.models.WebhookDelivery.Status",
        # Warnings' colours and mediation codes share the five levels 1 green … 5 red.
        "FiveColourLevelEnum": "risk.models.Colour",
        "SupervisionCardColourEnum": "events.models.SupervisionCard.Colour",
        "KeyEventColourEnum": "risk.event_colours.COLOURS",
        "WarningStatusEnum": "risk.models.Warning.Status",
        "MediationCodeEnum": "mediation.models.Code",
        "DisputeSourceEnum": "mediation.models.DisputeSource",
        "DisputeStatusEnum": "mediation.models.Status",
        "SelfAssessmentTaskStateEnum": "assessment.models.TaskState",
        # Command and dispatch: a command's priority is an event's urgency.
        "UrgencyEnum": "events.models.Urgency",
        "CommandStatusEnum": "command.models.Command.Status",
        "PlanActivationStatusEnum": "command.models.PlanActivation.Status",
        "CommandRecipientStateEnum": "command.models.RecipientState",
    },
}

# Map: no tiles by default (closed government networks); boundaries are drawn on a
# plain background. Set MAP_TILE_URL (e.g. 天地图 with its key) to show a base map.
MAP_TILE_URL = env("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", default="")
# Content-Security-Policy (governance/csp.py): scripts only from our origin, no inline
# script or event handlers. MAP_TILE_URL's host is added to img-src automatically.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "font-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Paths whose third-party pages need more (still never inline script): Swagger UI sets
# inline styles.
CONTENT_SECURITY_POLICY_RELAXED = {
    "/api/docs/": {"style-src": ["'unsafe-inline'"]},
}
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (43.9, 125.3),
    "DEFAULT_ZOOM": 6,
    "TILES": [],
    "ATTRIBUTION_PREFIX": "GridGov",
}

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TIMEZONE = TIME_ZONE
# --- Nothing lost when a worker dies (docs/operations.md, "Queues and workers") -----
# A task message is acknowledged only once its task has finished: a worker killed in
# the middle (SIGKILL, OOM, lost machine) leaves it in Redis. A pool process that dies
# under its worker has its message put back at once (reject_on_worker_lost); when the
# whole worker dies, Redis hands the message to another worker once it has gone
# unacknowledged for the visibility timeout. Hence every task that writes is idempotent:
# it reloads its object by id, claims it with a conditional UPDATE and writes in one
# transaction, so a second run finds the work done (or claimed) and does nothing.
# Tasks that run longer than the visibility timeout are redelivered while still running;
# the claim makes the copy a no-op. Jobs with a state row (imports) also keep a heartbeat
# (governance/jobs.py), and a beat task puts those whose worker died back in the queue
# or ends them with a reason (collection.imports.import_jobs_recover).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One message reserved per pool process: a dead worker strands no queue of others.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
TASK_VISIBILITY_TIMEOUT = env.int("TASK_VISIBILITY_TIMEOUT", default=300)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": TASK_VISIBILITY_TIMEOUT,
    # Every worker looks for messages past the visibility timeout every fifth of it.
    "unacked_restore_interval": max(1, TASK_VISIBILITY_TIMEOUT // 5),
    "unacked_restore_throttle": 1,
}
# A job whose heartbeat is older than this is taken as abandoned by a dead worker
# (heartbeats every JOB_HEARTBEAT_SECONDS, from a thread of the worker's process).
JOB_HEARTBEAT_SECONDS = env.int("JOB_HEARTBEAT_SECONDS", default=15)
JOB_STALE_SECONDS = env.int("JOB_STALE_SECONDS", default=90)
# A job abandoned this many times is ended as failed instead of being queued again.
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=3)
# A message redelivered more often than this (its task killed the worker each time) is
# dropped, with an error in the log (governance.jobs.GuardedTask).
TASK_MAX_REDELIVERIES = env.int("TASK_MAX_REDELIVERIES", default=5)
# Queues by kind, so that each can have its own workers, on other machines too:
#   interactive  (default) what a user waits for: notifications, exports, outbox, rollups
#   webhooks     POSTs to department systems (slow receivers must not hold the rest up)
#   batch        imports, risk evaluation, assessment, rebuilds and other long jobs
CELERY_TASK_DEFAULT_QUEUE = "interactive"
CELERY_TASK_ROUTES = {
    "integrations.tasks.deliver_webhook_task": {"queue": "webhooks"},
    "integrations.tasks.requeue_webhook_deliveries_task": {"queue": "webhooks"},
    "collection.tasks.validate_import_task": {"queue": "batch"},
    "collection.tasks.apply_import_task": {"queue": "batch"},
    "collection.tasks.expire_stale_imports_task": {"queue": "batch"},
    "risk.tasks.evaluate_rules_task": {"queue": "batch"},
    "assessment.tasks.compute_scheme_task": {"queue": "batch"},
    "governance.tasks.figures_reconcile_task": {"queue": "batch"},
    "mediation.tasks.create_follow_ups_task": {"queue": "batch"},
}
# --- end of nothing lost ------------------------------------------------------------


def _celery_worker(argv: list[str]) -> bool:
    """`celery … worker …` or `python -m celery … worker …`."""
    program = Path(argv[0]) if argv else Path()
    return "celery" in (program.name, program.parent.name) and "worker" in argv[1:]


# This process is a Celery worker. Its prefork processes run one task at a time, each
# with one persistent connection (not a pool: settings/prod.py), checked and recycled
# around each task as Django does around each request (governance/celery.py).
CELERY_WORKER_PROCESS = _celery_worker(sys.argv)
CELERY_BEAT_SCHEDULE = {
    "requeue-webhook-deliveries": {
        "task": "integrations.tasks.requeue_webhook_deliveries_task",
        "schedule": 60.0,
    },
    # Imports whose worker died: queued again, or failed with a reason.
    "recover-stale-imports": {
        "task": "collection.tasks.recover_stale_imports_task",
        "schedule": 60.0,
    },
    "purge-idempotency-keys": {
        "task": "integrations.tasks.purge_idempotency_keys_task",
        "schedule": 24 * 3600.0,
    },
    "mark-due-events": {
        "task": "events.tasks.mark_due_events_task",
        "schedule": 300.0,
    },
    "clear-expired-sessions": {
        "task": "governance.tasks.clear_expired_sessions_task",
        "schedule": 3600.0,
    },
    "purge-expired-exports": {
        "task": "collection.tasks.purge_expired_exports_task",
        "schedule": 3600.0,
    },
    "expire-stale-imports": {
        "task": "collection.tasks.expire_stale_imports_task",
        "schedule": 3600.0,
    },
    # Each write queues its rollup deltas and a drain on commit; this one picks up what a
    # lost task left behind, so a new fact shows in the cockpit within seconds anyway.
    "drain-figures": {
        "task": "governance.tasks.figures_drain_task",
        "schedule": 5.0,
    },
    # The nightly re-derivation of the rollups from the raw tables, repairing what a write
    # outside the services left behind (docs/cockpit.md).
    "figures-reconcile": {
        "task": "governance.tasks.figures_reconcile_task",
        "schedule": crontab(hour=3, minute=17),
    },
    # Warning rules over the whole province, and warnings past their time limit (risk/).
    "evaluate-risk-rules": {
        "task": "risk.tasks.evaluate_rules_task",
        "schedule": 900.0,
    },
    "escalate-risk-warnings": {
        "task": "risk.tasks.escalate_warnings_task",
        "schedule": 300.0,
    },
    # Follow-up visits 30 days after a successful mediation (mediation/).
    "create-mediation-follow-ups": {
        "task": "mediation.tasks.create_follow_ups_task",
        "schedule": crontab(hour=6, minute=5),
    },
    # Commands: reminders before the deadline, escalation after it; staff positions
    # older than 30 days deleted (command/).
    "remind-escalate-commands": {
        "task": "command.tasks.remind_escalate_commands_task",
        "schedule": 120.0,
    },
    "purge-staff-positions": {
        "task": "command.tasks.purge_positions_task",
        "schedule": crontab(hour=2, minute=41),
    },
    "drain-outbox": {
        "task": "governance.tasks.drain_outbox_task",
        "schedule": 60.0,
    },
    "purge-outbox": {
        "task": "governance.tasks.purge_outbox_task",
        "schedule": 24 * 3600.0,
    },
}
# True: outbox messages are handed to their subscribers at once, in the writer's
# transaction, instead of by a Celery task after commit (the test settings).
OUTBOX_DRAIN_EAGER = env.bool("OUTBOX_DRAIN_EAGER", default=False)
# True: a write's rollup cells are upserted at every level in its own transaction instead
# of queued as deltas for the drain (governance/figures.py; the test settings).
FIGURES_DRAIN_EAGER = env.bool("FIGURES_DRAIN_EAGER", default=False)
# The outbox and figures drains start this long after the first write that queues them,
# so that the writes of that moment share one (governance/coalesce.py).
DRAIN_COALESCE_SECONDS = env.float("DRAIN_COALESCE_SECONDS", default=0.5)
# An import whose preview waits this long unconfirmed is cancelled and its staging table
# (encrypted rows) dropped.
IMPORT_READY_DAYS = env.int("IMPORT_READY_DAYS", default=7)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}

PLATFORM_NAME = _("省域社会治理一体化智能平台")

# Debian 12 ships GDAL 3.6, which cannot block file/network access from spatial
# references. GridGov reads boundary files only in the admin-run `import_boundaries`
# command, from files the administrator supplies, so the warning is acknowledged here.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# E-mail notifications are sent only when an SMTP server is configured.
EMAIL_NOTIFICATIONS = bool(env("EMAIL_HOST", default=""))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="gridgov@localhost")
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# Attachments: what a reporter may upload, and how large.
EVENT_ATTACHMENT_TYPES = {
    "image/jpeg",
    "image/png",
    "image/webp",
    "application/pdf",
    "video/mp4",
    "audio/mpeg",
    "audio/mp4",
    "audio/amr",
    "audio/wav",
}
# Images claiming more pixels than this are refused (decompression bombs); 5000 万.
EVENT_IMAGE_MAX_PIXELS = env.int("EVENT_IMAGE_MAX_PIXELS", default=50_000_000)
EVENT_ATTACHMENT_MAX_BYTES = env.int("EVENT_ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
PUBLIC_REPORTS_PER_HOUR = env.int("PUBLIC_REPORTS_PER_HOUR", default=5)
# Wrong tracking codes one address may try on /public/track/ per hour before a 429.
PUBLIC_TRACK_FAILURES_PER_HOUR = env.int("PUBLIC_TRACK_FAILURES_PER_HOUR", default=10)
# Reverse proxies whose X-Forwarded-For / X-Real-IP are believed (addresses or CIDRs,
# comma-separated). Empty: the client is the direct peer (REMOTE_ADDR), whatever headers
# it sends. Set it to the proxy's address when one is in front (governance/middleware.py).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# Personal data at rest (governance/crypto.py, docs/personal-data.md): comma-separated
# "keyid:base64key", the first is current; aes256gcm (32-byte keys) or sm4gcm (16).
FIELD_ENCRYPTION_KEYS = env("FIELD_ENCRYPTION_KEYS", default="")
FIELD_ENCRYPTION_ALGORITHM = env("FIELD_ENCRYPTION_ALGORITHM", default="aes256gcm")
FIELD_HASH_KEY = env("FIELD_HASH_KEY", default="")
# Exports up to this many rows are answered at once; larger ones go to Celery.
EXPORT_SYNC_LIMIT = env.int("EXPORT_SYNC_LIMIT", default=5000)
# Background export files (masked personal data) are deleted, with their rows, this many
# hours after they were written.
EXPORT_FILE_HOURS = env.int("EXPORT_FILE_HOURS", default=24)
