"""create_app: the only place where things are wired."""

import sqlite3
from pathlib import Path

from flask import Flask, abort, g, request
from flask_babel import get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import bindparam, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import lazyload
from werkzeug.middleware.proxy_fix import ProxyFix

from curriculum import cli, errors, i18n, permissions
from curriculum.config import ROOT, Config, TestConfig
from curriculum.content import ContentInvalid, catalog, load_catalog, term_anchor
from curriculum.extensions import babel, compress, csrf, db, login_manager, migrate
from curriculum.headers import add_security_headers
from curriculum.models import User
from curriculum.services import review as corrections
from curriculum.static_files import asset_url
from curriculum.views import (
    admin,
    auth,
    certificates,
    classroom,
    cmg,
    committee,
    hub_import,
    hub_join,
    learn,
    main,
    narration,
    offline,
    paper,
    quiz,
    reports,
    review,
    roster,
    setup,
    setup_cards,
    sheets,
    workshop_report,
    workshops,
)

# Every blueprint, in the order their routes are matched.
BLUEPRINTS = (
    main,
    auth,
    setup,
    offline,
    learn,
    quiz,
    certificates,
    committee,
    cmg,
    reports,
    workshops,
    roster,
    setup_cards,
    sheets,
    classroom,
    paper,
    workshop_report,
    hub_join,
    admin,
    hub_import,
    review,
    narration,
)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Give every SQLite connection a busy timeout and enforce foreign keys."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 5000")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()


def create_app(config: str | type[Config] | None = None) -> Flask:
    """Create and configure the application."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    config_class = TestConfig if config == "testing" else (config or Config)
    app.config.from_object(config_class(Path(app.instance_path)))
    if app.config.get("TRUSTED_PROXIES"):
        # Behind a proxy the client's address (for login throttling per address) and
        # the scheme come from the proxy's X-Forwarded-* headers.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(app.config["MIGRATIONS_DIR"]), render_as_batch=True
    )
    csrf.init_app(app)
    compress.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.use_corrected_translations(babel)
    _init_template_gettext(app)
    _init_login(app)

    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)

    _init_catalog(app)
    _init_templates(app)
    errors.register(app)
    cli.register(app)

    @app.before_request
    def _pin_catalog():
        # Reviewers' corrections made on another worker; then one catalogue per request.
        corrections.sync_catalog(app)
        g.catalog = app.extensions["catalog"]

    @app.before_request
    def _refuse_nul_bytes():
        # No text anyone types contains NUL; PostgreSQL refuses it in text columns.
        for values in (request.args, request.form):
            for value in values.values():
                if "\x00" in value:
                    abort(400)

    @app.after_request
    def _headers(response):
        # is_anonymous, not is_authenticated: the same answer for a signed-in user,
        # without reading his row again after a commit expired it.
        if request.endpoint != "static" and not current_user.is_anonymous:
            # Shared phones: a signed-in page must not come back from the cache after
            # sign-out, nor be kept by a proxy.
            response.headers.setdefault("Cache-Control", "no-store")
        return add_security_headers(response, app.config.get("HSTS", False))

    return app


def _init_template_gettext(app: Flask) -> None:
    """Let templates find the request's translations once, not at every sentence.

    Flask-Babel looks the catalogue up again for each `_()` in a template (about 10
    us: the context, the locale, the corrected domain), and a page has 30 to 60 of
    them. The catalogue depends only on the locale (Flask-Babel keeps it per request)
    and the reviewers' interface corrections (replaced when they change), so it is
    kept in `g` for as long as both are the same objects.
    """

    def translations():
        locale = get_locale()  # None outside a request: Flask-Babel's own fallback
        if locale is None:
            return get_translations()
        corrections = app.extensions.get("ui_corrections")
        kept = g.get("_page_translations")
        if kept is None or kept[0] is not locale or kept[1] is not corrections:
            kept = (locale, corrections, get_translations())
            g._page_translations = kept
        return kept[2]

    fixed: dict = {}

    def fixed_partial(name: str):
        """Render a partial that depends only on the language, once per language.

        The offline script's sentences (learn/_offline.html) are on every trainee page:
        some twenty translated strings, rendered again on each request otherwise. A
        reviewer's correction of the interface replaces the cache (its key changes).
        """
        corrections = app.extensions.get("ui_corrections") or (0, {})
        key = (name, str(get_locale()), corrections[0], id(corrections))
        html = fixed.get(key)
        if html is None:
            html = Markup(app.jinja_env.get_template(name).render())  # noqa: S704
            if len(fixed) > 64:  # corrections came and went: drop the old ones
                fixed.clear()
            fixed[key] = html
        return html

    app.jinja_env.globals["fixed_partial"] = fixed_partial

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )


def _init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    # Built once: SQLAlchemy then reuses its cache key and compiled form, which for a
    # statement built anew costs more than running it (about 140 us a request).
    # Tracks load only when a page asks for them, not on every request.
    by_token = (
        select(User)
        .options(lazyload(User.track_rows))
        .where(User.session_token == bindparam("token"), User.active.is_(True))
    )

    @login_manager.user_loader
    def load_user(token: str):
        return db.session.scalar(by_token, {"token": token})


def _init_catalog(app: Flask) -> None:
    """Load the content once; refuse to start when it is invalid."""
    try:
        catalog = load_catalog(
            app.config["ROOT"],
            app.config["MODULES_DIR"],
            app.config["QUIZZES_DIR"],
            term_anchor,
        )
    except ContentInvalid as exc:
        raise SystemExit(
            f"Invalid content, the application will not start:\n{exc}"
        ) from None
    app.extensions["catalog"] = catalog


def _init_templates(app: Flask) -> None:
    app.jinja_env.filters["digits"] = i18n.khmer_digits
    app.jinja_env.filters["number"] = i18n.format_number
    app.jinja_env.filters["duration"] = i18n.format_duration
    app.jinja_env.filters["day"] = i18n.format_day
    app.jinja_env.filters["day_in"] = i18n.format_day_in
    app.jinja_env.globals.update(
        catalog_module=lambda key: catalog().module(key),
        catalog_track=lambda key: catalog().track(key),
        catalog_tracks=lambda: catalog().tracks,
        track_title=i18n.track_title,
        LOCALES=i18n.LOCALES,
        asset_url=asset_url,
        permissions=permissions,
    )

    @app.context_processor
    def _locale():
        locale = i18n.current_locale()
        return {"locale": locale, "tr": lambda text: text[locale]}
