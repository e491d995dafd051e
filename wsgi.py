"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

from monitor import create_app

app = create_app()
