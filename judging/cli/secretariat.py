"""Commands for secretariat (each calls the same services as the web pages)."""
from __future__ import annotations

COMMANDS: list = []
