"""Notifications: every outgoing message is written to the outbox first; it is sent by SMTP
when an SMTP URL is configured (JUDGING_SMTP_URL), otherwise it stays in the outbox for the
secretariat to read."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session

from judging.models import Notification, User, utcnow


def notify(session: Session, *, to: User | str, subject: str, body: str, kind: str,
           edition_id: int | None = None, entry_id: int | None = None) -> Notification:
    """Write one message to the outbox (it is sent after the transaction commits)."""
    if isinstance(to, User):
        email, user_id = to.email, to.id
    else:
        email, user_id = to, None
    message = Notification(kind=kind, to_email=email, to_user_id=user_id, subject=subject,
                           body=body, edition_id=edition_id, entry_id=entry_id)
    session.add(message)
    session.flush()
    return message


def pending(session: Session, limit: int = 100) -> list[Notification]:
    return list(session.scalars(
        sa.select(Notification).where(Notification.sent_at.is_(None), Notification.attempts < 5)
        .order_by(Notification.id).limit(limit)))


def deliver_pending(session: Session, smtp_url: str | None, mail_from: str, limit: int = 100,
                    connect=smtplib.SMTP, connect_ssl=smtplib.SMTP_SSL) -> tuple[int, int]:
    """Send what waits in the outbox. Returns (sent, failed). Without an SMTP URL nothing is
    sent and the messages stay readable in the outbox."""
    if not smtp_url:
        return 0, 0
    url = urlsplit(smtp_url)
    if url.scheme not in ("smtp", "smtps"):
        raise ValueError("JUDGING_SMTP_URL must start with smtp:// or smtps://")
    sent = failed = 0
    messages = pending(session, limit)
    if not messages:
        return 0, 0
    factory = connect_ssl if url.scheme == "smtps" else connect
    port = url.port or (465 if url.scheme == "smtps" else 25)
    with factory(url.hostname or "localhost", port, timeout=30) as smtp:
        if url.scheme == "smtp" and url.query == "starttls":
            smtp.starttls()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        for message in messages:
            email = EmailMessage()
            email["From"] = mail_from
            email["To"] = message.to_email
            email["Subject"] = message.subject
            email.set_content(message.body)
            message.attempts += 1
            try:
                smtp.send_message(email)
            except smtplib.SMTPException as exc:
                message.last_error = str(exc)[:500]
                failed += 1
            else:
                message.sent_at = utcnow()
                message.last_error = ""
                sent += 1
    session.flush()
    return sent, failed
