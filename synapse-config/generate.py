#!/usr/bin/env python3
"""Writes a runnable Synapse configuration into a data folder.

    generate.py --data-dir DIR [--profile test|demo|production] [--port 8008]
                [--server-name localhost] [--bind-address 127.0.0.1]
                [--database-url postgres://user@host:5432/name]
                [--public-baseurl URL] [--schemas-dir DIR] [--extra FILE.yaml ...]

Reads homeserver.template.yaml, fills in its placeholders, overlays the
profile, and writes DIR/homeserver.yaml, DIR/log.config and DIR/instance.json
(what the Node side needs: the homeserver URL and the service account).
Secrets are generated once, on the first run, into DIR/secrets.json and
DIR/signing.key (mode 0600), and reused afterwards. With --database-url the
PostgreSQL database is created if missing, with the encoding and locale
Synapse requires (UTF8, C collation).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import string
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import yaml

HERE = Path(__file__).resolve().parent
SERVICE_LOCALPART = "casusruimte-service"


def deep_merge(base: Any, overlay: Any) -> Any:
    """Overlay wins; mappings merge key by key, everything else is replaced."""
    if isinstance(base, dict) and isinstance(overlay, dict):
        merged = dict(base)
        for key, value in overlay.items():
            merged[key] = deep_merge(base.get(key), value) if key in base else value
        return merged
    return overlay


def random_secret(length: int = 48) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def ensure_secrets(data_dir: Path) -> dict[str, str]:
    """Generate every secret on first start; keep them for later starts."""
    path = data_dir / "secrets.json"
    existing: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    wanted = {
        "registration_shared_secret": lambda: random_secret(),
        "macaroon_secret_key": lambda: random_secret(),
        "form_secret": lambda: random_secret(),
        # The service account creates case rooms and maintains the directory.
        "service_password": lambda: random_secret(32) + "aA1",
    }
    changed = False
    for key, make in wanted.items():
        if not existing.get(key):
            existing[key] = make()
            changed = True
    if changed:
        write_private(path, json.dumps(existing, indent=2) + "\n")

    key_path = data_dir / "signing.key"
    if not key_path.exists():
        from signedjson.key import generate_signing_key, write_signing_keys

        key = generate_signing_key("a_" + random_secret(4))
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            write_signing_keys(handle, [key])
    return existing


def postgres_database(url: str) -> dict[str, Any]:
    """Synapse's database section for a postgres:// URL; creates the database."""
    parsed = urlparse(url)
    name = (parsed.path or "/synapse").lstrip("/") or "synapse"
    args: dict[str, Any] = {
        "user": unquote(parsed.username or "postgres"),
        "host": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 5432,
        "database": name,
        "cp_min": 2,
        "cp_max": 10,
    }
    if parsed.password:
        args["password"] = unquote(parsed.password)
    create_postgres_database(args)
    return {"name": "psycopg2", "args": args}


def create_postgres_database(args: dict[str, Any]) -> None:
    import psycopg2
    from psycopg2 import sql

    connect = {k: v for k, v in args.items() if k in ("user", "host", "port", "password")}
    conn = psycopg2.connect(dbname="postgres", **connect)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (args["database"],))
            if cur.fetchone() is None:
                # Synapse refuses databases whose collation is not C (sorting
                # differences would corrupt its indexes across upgrades).
                cur.execute(
                    sql.SQL(
                        "CREATE DATABASE {} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' "
                        "TEMPLATE template0"
                    ).format(sql.Identifier(args["database"]))
                )
    finally:
        conn.close()


def internal_host(bind_address: str) -> str:
    if bind_address in ("0.0.0.0", "127.0.0.1"):
        return "127.0.0.1"
    if bind_address in ("::", "::1"):
        return "[::1]"
    return bind_address


def log_config(data_dir: Path, level: str) -> str:
    return yaml.safe_dump(
        {
            "version": 1,
            "formatters": {
                "precise": {
                    "format": "%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s"
                }
            },
            "handlers": {
                "file": {
                    "class": "logging.handlers.TimedRotatingFileHandler",
                    "formatter": "precise",
                    "filename": str(data_dir / "homeserver.log"),
                    "when": "midnight",
                    "backupCount": 7,
                    "encoding": "utf8",
                },
                "console": {"class": "logging.StreamHandler", "formatter": "precise", "level": "WARNING"},
            },
            "loggers": {"synapse.storage.SQL": {"level": "INFO"}},
            "root": {"level": level, "handlers": ["file", "console"]},
            "disable_existing_loggers": False,
        }
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--profile", default="demo", choices=sorted(p.stem for p in (HERE / "profiles").glob("*.yaml")))
    parser.add_argument("--port", type=int, default=8008)
    parser.add_argument("--server-name", default="localhost")
    parser.add_argument("--bind-address", default="127.0.0.1")
    parser.add_argument("--public-baseurl")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or None)
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--retention-default-max-lifetime", default="730d")
    parser.add_argument("--retention-allowed-max-lifetime", default="7300d")
    parser.add_argument("--schemas-dir", default=str(HERE / "schemas"), help="the guard's JSON Schema files (npm run schemas)")
    parser.add_argument("--extra", action="append", default=[], help="further YAML overlays, applied last")
    opts = parser.parse_args(argv)

    data_dir = Path(opts.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(data_dir, 0o700)
    found = ensure_secrets(data_dir)
    host = "localhost" if opts.bind_address in ("127.0.0.1", "::1", "0.0.0.0") else opts.bind_address
    public_baseurl = opts.public_baseurl or f"http://{host}:{opts.port}/"
    service_user_id = f"@{SERVICE_LOCALPART}:{opts.server_name}"

    values = {
        "SERVER_NAME": opts.server_name,
        "PUBLIC_BASEURL": public_baseurl,
        "DATA_DIR": str(data_dir),
        "PORT": str(opts.port),
        "BIND_ADDRESS": opts.bind_address,
        "REGISTRATION_SHARED_SECRET": found["registration_shared_secret"],
        "MACAROON_SECRET_KEY": found["macaroon_secret_key"],
        "FORM_SECRET": found["form_secret"],
        "SERVICE_USER_ID": service_user_id,
        "SCHEMAS_DIR": str(Path(opts.schemas_dir).resolve()),
        "RETENTION_DEFAULT_MAX_LIFETIME": opts.retention_default_max_lifetime,
        "RETENTION_ALLOWED_MAX_LIFETIME": opts.retention_allowed_max_lifetime,
    }

    def render(path: Path) -> Any:
        return yaml.safe_load(string.Template(path.read_text()).substitute(values))

    config = render(HERE / "homeserver.template.yaml")
    config = deep_merge(config, render(HERE / "profiles" / f"{opts.profile}.yaml") or {})
    if opts.database_url:
        config["database"] = postgres_database(opts.database_url)
    for extra in opts.extra:
        config = deep_merge(config, render(Path(extra)) or {})

    write_private(data_dir / "homeserver.yaml", "# Generated by synapse-config/generate.py; edit the template instead.\n" + yaml.safe_dump(config, sort_keys=False))
    (data_dir / "log.config").write_text(log_config(data_dir, opts.log_level))
    instance = {
        "profile": opts.profile,
        "serverName": opts.server_name,
        # How local tools (admin command, web server, tests) reach Synapse directly.
        "homeserverUrl": f"http://{internal_host(opts.bind_address)}:{opts.port}",
        "publicBaseurl": public_baseurl.rstrip("/"),
        "serviceUserId": service_user_id,
        "database": config["database"]["name"],
    }
    (data_dir / "instance.json").write_text(json.dumps(instance, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
