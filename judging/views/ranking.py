"""Secretariat and public pages for ranking (see the blueprint's routes)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ranking", __name__)
