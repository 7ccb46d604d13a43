"""View decorators that apply the predicates of permissions.py."""

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def require(predicate: Callable) -> Callable:
    """Sign-in required; then 403 unless predicate(current_user) holds."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
