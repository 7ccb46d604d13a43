"""The WSGI entry point: what gunicorn and `flask --app wsgi` import."""

from curriculum.app import create_app

app = create_app()
