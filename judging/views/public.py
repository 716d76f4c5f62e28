"""Pages for everyone, signed in or not (published results, certificate checks)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__)
