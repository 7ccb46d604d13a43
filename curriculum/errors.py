"""The error pages, in the user's language; create_app registers them."""

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError

from curriculum.extensions import db

# The header static/offline.js sends with what a phone kept while offline.
QUEUE_HEADER = "offline-queue"


def page(code: int, title, message):
    """Render the error page with a status code, a title and a sentence."""
    return (
        render_template("errors/error.html", code=code, title=title, message=message),
        code,
    )


def expired_form():
    """Render the page for a form whose CSRF token has expired."""
    return page(
        400,
        _l("The form has expired"),
        _l(
            "For your safety, forms expire. Nothing was saved. Go back, reload the "
            "page and send the form again."
        ),
    )


def register(app: Flask) -> None:
    """Register the error pages of the application."""

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        # The quiz blueprint handles its own expired forms first (it keeps the answers).
        if request.headers.get("X-Requested-With") == QUEUE_HEADER:
            # A phone's queue (static/offline.js) fetches a fresh token and sends again.
            return jsonify(status="expired"), 400
        return expired_form()

    @app.errorhandler(400)
    def bad_request(exc):
        return page(
            400,
            _l("Something in the form cannot be used"),
            _l("Go back, check what you typed, and send the form again."),
        )

    @app.errorhandler(403)
    def forbidden(exc):
        return page(403, _l("Not allowed"), _l("Your account cannot open this page."))

    @app.errorhandler(404)
    def not_found(exc):
        return page(404, _l("Page not found"), _l("There is no page at this address."))

    @app.errorhandler(405)
    def bad_method(exc):
        return page(405, _l("Not allowed"), _l("This page cannot be used that way."))

    @app.errorhandler(413)
    def too_large(exc):
        return page(413, _l("Too large"), _l("What you sent is too large."))

    @app.errorhandler(OperationalError)
    def database_down(exc):
        db.session.rollback()
        app.logger.error("database error on %s: %s", request.path, type(exc).__name__)
        return page(
            503,
            _l("Service unavailable"),
            _l(
                "The database cannot be reached just now. Please try again in a minute."
            ),
        )

    @app.errorhandler(500)
    def server_error(exc):
        return page(500, _l("Something went wrong"), _l("Please try again later."))
