"""Attachments: the type is checked by content (never by name), sizes are limited, files
are stored under the upload directory with random names."""
from __future__ import annotations

import hashlib
import os
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from judging.models import Attachment, Entry, User
from judging.services import ServiceError

# Magic numbers of the accepted types.
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
ACCEPTED_LABEL = "PDF, PNG or JPEG"


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    max_entry_bytes: int


def sniff_type(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the first bytes, or None if not an accepted type."""
    for magic, content_type, extension in SIGNATURES:
        if data.startswith(magic):
            if content_type == "application/pdf" and b"%%EOF" not in data[-2048:]:
                return None  # a PDF header on something that is not a whole PDF
            return content_type, extension
    return None


def clean_name(name: str | None) -> str:
    """A display name safe to show and to put in a Content-Disposition header."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"/\\|?*')
    base = base.strip(" .")
    return base[:200] or "attachment"


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} bytes"


def add_attachment(session: Session, entry: Entry, *, filename: str | None, data: bytes,
                   actor: User, upload_dir: str | Path, limits: Limits) -> Attachment:
    """Check and store one file for an entry. Raises ServiceError (field 'file'); nothing is
    written on refusal."""
    shown = clean_name(filename)
    if not data:
        raise ServiceError(f"{shown} is empty.", field="file")
    if len(data) > limits.max_file_bytes:
        raise ServiceError(
            f"{shown} is {human_size(len(data))}; each file may be at most "
            f"{human_size(limits.max_file_bytes)}.", field="file")
    if entry.attachment_bytes + len(data) > limits.max_entry_bytes:
        raise ServiceError(
            f"Adding {shown} would bring this entry's attachments to "
            f"{human_size(entry.attachment_bytes + len(data))}; the limit is "
            f"{human_size(limits.max_entry_bytes)} per entry.", field="file")
    sniffed = sniff_type(data)
    if sniffed is None:
        raise ServiceError(
            f"{shown} is not a {ACCEPTED_LABEL} file (checked by its content, not its name).",
            field="file")
    content_type, extension = sniffed
    stored_name = secrets.token_hex(16) + extension
    directory = Path(upload_dir)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / stored_name
    with open(path, "xb") as handle:
        handle.write(data)
    attachment = Attachment(
        original_name=shown,
        stored_name=stored_name,
        content_type=content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=actor.id,
    )
    entry.attachments.append(attachment)
    session.flush()
    return attachment


def attachment_path(upload_dir: str | Path, attachment: Attachment) -> Path:
    return Path(upload_dir) / attachment.stored_name
