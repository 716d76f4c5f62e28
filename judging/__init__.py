"""judging: a prize evaluation and judging workflow engine."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from judging import config as config_module

__version__ = "0.1.0"


def create_app(test_config: dict | None = None) -> Flask:
    """The application factory (flask --app judging finds it)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(config_module.DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(config_module.from_environment(os.environ))
    else:
        app.config.update(config_module.from_environment(os.environ))
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(
            Path(app.instance_path) / "judging.sqlite"
        )
    app.config.setdefault("UPLOAD_DIR", str(Path(app.instance_path) / "uploads"))
    app.config.setdefault("CERTIFICATE_DIR", str(Path(app.instance_path) / "certificates"))
    config_module.check(app.config)

    from judging import web
    from judging.cli import register_cli
    from judging.extensions import bootstrap, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    bootstrap.init_app(app)
    app.config["RATELIMIT_STORAGE_URI"] = app.config["RATELIMIT_STORAGE_URI"]
    limiter.init_app(app)
    login_manager.init_app(app)
    web.init_app(app)
    register_cli(app)
    _sqlite_pragmas(app)
    _freeze_startup_objects(app)
    return app


def _freeze_startup_objects(app: Flask) -> None:
    """In production, take everything loaded at start-up (modules, extensions, the app) out of
    the garbage collector's full collections, which otherwise scan it all and stall a worker
    for 100 ms or more every few dozen requests (benchmarks/bench_http.py: the p95 tail).
    Tests and development keep Python's default."""
    if app.testing or app.config.get("ENV_NAME") != "production":
        return
    import gc

    gc.collect()
    gc.freeze()


def _sqlite_pragmas(app: Flask) -> None:
    """SQLite, per connection: enforce foreign keys (only done when asked); keep the journal
    as a write-ahead log (pages are read while another worker writes; a commit appends to
    the log); sync to disk as SQLITE_SYNCHRONOUS says. NORMAL (the default) syncs the log
    at checkpoints, not at every commit: the database stays consistent whatever happens,
    and a crash of the app loses nothing, but a power cut or an OS crash may lose the last
    transactions committed before it. FULL syncs every commit (slower writes)."""
    from sqlalchemy import event

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    synchronous = str(app.config.get("SQLITE_SYNCHRONOUS") or "NORMAL").upper()
    if synchronous not in {"NORMAL", "FULL", "EXTRA"}:
        raise config_module.ConfigError(
            f"JUDGING_SQLITE_SYNCHRONOUS must be NORMAL, FULL or EXTRA, not {synchronous!r}.")
    from judging.extensions import db

    def on_connect(dbapi_connection, connection_record):  # pragma: no cover - driver hook
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    with app.app_context():
        event.listen(db.engine, "connect", on_connect)
