"""Secretariat and public pages for certificates (see the blueprint's routes)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("certificates", __name__)
