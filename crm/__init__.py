"""Campaign and field-visit CRM for joint government–bank credit drives (双百工程 and the like)."""
from __future__ import annotations

import gc
import os

from flask import Flask, current_app, g, has_request_context, request, session
from sqlalchemy import event
from sqlalchemy.engine import Engine

from crm.config import check_production, load_config
from crm.extensions import babel, csrf, db, limiter, login_manager, migrate
from crm.jobs import queue as jobs
from crm.jsonprovider import OrjsonProvider
from crm.proxies import TrustedProxies, parse_networks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite as a real database: enforce foreign keys, let readers and a writer coexist, wait on locks."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


@event.listens_for(Engine, "connect")
def _postgres_settings(dbapi_connection, connection_record):
    """PostgreSQL without JIT compilation: the planner overestimates the rows of the figures' ledger sums
    (their columns are correlated), which puts them over jit_above_cost, and compiling one took longer
    (20–100 ms) than running it — a third of the province dashboard's time (bench/bench_homes.py)."""
    if type(dbapi_connection).__module__.startswith("psycopg"):
        dbapi_connection.execute("SET jit = off")
        dbapi_connection.commit()  # a setting made in a transaction rolled back is undone


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("CRM_INSTANCE_PATH", os.path.join(ROOT, "instance")),
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
    )
    app.json = OrjsonProvider(app)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path))
    app.config.update(overrides or {})
    check_production(app.config)
    from crm.web import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any rule is added: every id in a URL is bounded
    app.config["TRUSTED_PROXY_NETWORKS"] = parse_networks(app.config["TRUSTED_PROXIES"])
    app.wsgi_app = TrustedProxies(app.wsgi_app, app)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=_select_locale,
                   default_translation_directories=os.path.join(ROOT, "crm", "translations"))

    from crm import models  # noqa: F401  (register every table)
    from crm.api.core import api
    from crm.areas import area_modules
    from crm.web import register_web

    area_modules("api")  # each adds its routes to `api`
    app.register_blueprint(api)
    for module in area_modules("views"):
        for blueprint in module.blueprints():
            app.register_blueprint(blueprint)
    register_web(app)
    jobs.init_app(app)

    from crm.cli import register_cli

    register_cli(app)
    return app


def settle_collector() -> None:
    """Once the app is built: what start-up made (modules, mappers, catalogues: some 350,000 objects)
    lives as long as the process, so it is kept out of the collector's full passes, which otherwise
    pause a big report for 0.1 s+. And the collector runs every 50,000 new objects, not 700: a
    5,000-record sync page makes some ten per record, and at 700 it was collected several times over
    while being built (a tenth of the page's CPU time, bench/bench_sync.py)."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def _select_locale() -> str:
    """An explicit choice (kept in the session) wins; else Chinese, the product's language."""
    if not has_request_context():  # the CLI, the scheduler and tests calling operations directly
        return current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_Hans")
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in ("zh_Hans", "en"):
        session["lang"] = chosen
        return chosen
    g.setdefault("lang", "zh_Hans")
    return "zh_Hans"
