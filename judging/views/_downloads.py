"""Confidential files (attachments, certificates) are only ever sent as downloads: never
rendered inline from the app's origin, sandboxed, not sniffed, not cached."""
from __future__ import annotations

from pathlib import Path

from flask import abort, send_file

DOWNLOAD_HEADERS = {
    "Content-Security-Policy": "sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-store",
}


def send_download(path: Path, *, download_name: str, mimetype: str):
    """The file as an attachment with the download headers; 404 when it is missing."""
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=mimetype, as_attachment=True,
                         download_name=download_name, max_age=0)
    response.headers.update(DOWNLOAD_HEADERS)
    return response
