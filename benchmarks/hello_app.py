"""The baseline of the HTTP benchmark: a bare Flask app with one "hello" endpoint, served by
the same gunicorn set-up and driven by the same clients as the real app.

    .venv/bin/gunicorn -w 2 -b 127.0.0.1:8000 'benchmarks.hello_app:create_app()'
"""
from __future__ import annotations

from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/hello")
    def hello() -> str:
        return "Hello, world!"

    return app
