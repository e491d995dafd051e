"""NRM Monitor: the Flask application and the monitoring programme itself."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application; ``test_config`` overrides the environment (tests, tools).

    Raises:
        monitor.config.ConfigError: when the configuration cannot be used.
    """
    import monitor.fieldwork.models  # noqa: F401  (registers the fieldwork tables on db.metadata)
    import surveys.models  # noqa: F401  (registers the survey tables on db.metadata)
    from monitor import access_log, admin, cli, errors, home, i18n, registry, security_headers, staff_input
    from monitor.auth import access
    from monitor.auth import views as auth_views
    from monitor.config import load_config
    from monitor.extensions import csrf, db, login_manager, migrate
    from monitor.fieldwork import bp as fieldwork_bp
    from monitor.fieldwork.respondent import bp as respondent_bp
    from monitor.fieldwork.respondent import inputs as respondent_inputs
    from surveys.designer.views import bp as designer_bp

    app = Flask(__name__, instance_relative_config=True)
    app.config.update(load_config(app.instance_path, test_config))

    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir())
    respondent_inputs.init_app(app)  # first: checks a respondent's body before CSRF reads it
    csrf.init_app(app)
    login_manager.init_app(app)
    _init_login(app)
    access.init_app(app)
    staff_input.init_app(app)  # after access: who may post is decided first
    errors.init_app(app)
    security_headers.init_app(app)
    i18n.init_app(app)
    cli.init_app(app)

    app.register_blueprint(auth_views.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(designer_bp)
    app.register_blueprint(fieldwork_bp)
    app.register_blueprint(respondent_bp)
    registry.register_views()
    app.register_blueprint(registry.bp)
    access_log.init_app(app)  # after the blueprints: it reads the respondent routes
    return app


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")


def _init_login(app: Flask) -> None:
    from flask import g, request, session
    from flask_babel import lazy_gettext
    from flask_login import current_user

    from monitor.auth import sessions
    from monitor.extensions import db, login_manager
    from monitor.models import User

    login_manager.login_view = "auth.login"
    # Lazy: said in the language of the request that is turned away (the browser's).
    login_manager.login_message = lazy_gettext("Please log in to see this page.")
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(identity: str) -> User | None:
        # The identity is the random id of a session kept in the database (monitor.auth.sessions).
        user, wrote = sessions.load(identity)
        if wrote:
            g.staff_session_wrote = True
        return user

    @app.before_request
    def _load_staff_session() -> None:
        """Check the staff session first thing in every request that carries one, and commit
        what the check wrote (``last_seen_at``, a session ended as idle or expired) on its own,
        before the view adds anything to the transaction."""
        if request.endpoint == "static" or "_user_id" not in session:
            return
        _ = current_user.is_authenticated  # loads (and checks) the session now
        if g.pop("staff_session_wrote", False):
            db.session.commit()
