"""Typed access to environment variables.

Every variable the settings read goes through these helpers so that tests can check that
`.env.example` and `docker-compose.yml` name only variables the portal actually reads.
"""

import os
from typing import Any
from urllib.parse import unquote, urlsplit

READ: set[str] = set()


class ImproperlyConfiguredEnv(RuntimeError):
    pass


def env_str(name: str, default: str = "") -> str:
    READ.add(name)
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = env_str(name, "1" if default else "0").strip().lower()
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfiguredEnv(f"{name} must be 1 or 0, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = env_str(name, str(default)).strip()
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfiguredEnv(f"{name} must be a whole number, not {raw!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def cache_from_url(url: str, *, table: str) -> dict[str, Any]:
    """CACHE_URL as a Django cache: empty for the database cache (`table`),
    redis://host:port/db (or rediss://) for Redis, locmem:// for one process's memory."""
    scheme = urlsplit(url).scheme if url else "db"
    if scheme == "db":
        # Throttle counters of every caller in the last hour fit; culling beyond that would
        # forget counts (the default keeps 300 entries).
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": table,
                "OPTIONS": {"MAX_ENTRIES": 20000}}
    if scheme in {"redis", "rediss"}:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    raise ImproperlyConfiguredEnv(
        f"CACHE_URL must be empty, redis://host:port/db or locmem://, not {url!r}")


#: EMAIL_URL schemes: SMTP in plain, with STARTTLS, or over TLS; and their default ports.
_SMTP_SCHEMES = {"smtp": (25, False, False), "smtp+tls": (587, True, False),
                 "smtp+ssl": (465, False, True)}


def email_from_url(url: str) -> dict[str, Any]:
    """EMAIL_URL as Django's e-mail settings: smtp://user:pass@host:port (smtp+tls:// for
    STARTTLS, smtp+ssl:// for TLS from the start), console:// to print e-mails, empty for
    none sent at all. User and password are URL-encoded (%40 for @)."""
    if not url:
        return {"EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}
    parts = urlsplit(url)
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme not in _SMTP_SCHEMES or not parts.hostname:
        raise ImproperlyConfiguredEnv(
            "EMAIL_URL must be smtp://user:pass@host:port, smtp+tls://…, smtp+ssl://… or "
            f"console://, not {parts.scheme or url!r}")
    default_port, use_tls, use_ssl = _SMTP_SCHEMES[parts.scheme]
    try:
        port = parts.port or default_port
    except ValueError as exc:
        raise ImproperlyConfiguredEnv("EMAIL_URL has an invalid port") from exc
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
    }
