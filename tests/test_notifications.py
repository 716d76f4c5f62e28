"""The outbox: messages are written first, then sent by SMTP when it is configured."""
from __future__ import annotations

import smtplib

import sqlalchemy as sa

from judging.extensions import db
from judging.models import Notification
from judging.services.notifications import deliver_pending, notify
from tests.factories import make_user


class FakeSMTP:
    """Stands in for smtplib.SMTP; records what would be sent; can refuse one recipient."""

    sent: list = []
    refuse: set = set()
    logins: list = []

    def __init__(self, host, port, timeout=None):
        self.host, self.port = host, port

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        FakeSMTP.logins.append((user, password))

    def send_message(self, message):
        if message["To"] in FakeSMTP.refuse:
            raise smtplib.SMTPRecipientsRefused({message["To"]: (550, b"no such user")})
        FakeSMTP.sent.append((message["To"], message["Subject"]))


def test_without_smtp_messages_stay_in_the_outbox(app):
    notify(db.session, to="a@example.org", subject="Hello", body="Body", kind="test")
    assert deliver_pending(db.session, None, "from@example.org") == (0, 0)
    assert db.session.scalar(sa.select(Notification)).sent_at is None


def test_deliver_sends_and_keeps_failures_for_retry(app):
    FakeSMTP.sent, FakeSMTP.refuse, FakeSMTP.logins = [], {"bad@example.org"}, []
    user = make_user("applicant", email="good@example.org")
    notify(db.session, to=user, subject="Receipt", body="Thank you", kind="entry_submitted")
    notify(db.session, to="bad@example.org", subject="Receipt", body="Thank you", kind="entry_submitted")
    sent, failed = deliver_pending(db.session, "smtp://mailer:s%40cret@mail.example.org:587?starttls",
                                   "from@example.org", connect=FakeSMTP)
    assert (sent, failed) == (1, 1)
    assert FakeSMTP.sent == [("good@example.org", "Receipt")]
    assert FakeSMTP.logins == [("mailer", "s@cret")]
    rows = {n.to_email: n for n in db.session.scalars(sa.select(Notification))}
    assert rows["good@example.org"].sent_at is not None
    assert rows["bad@example.org"].sent_at is None and "no such user" in rows["bad@example.org"].last_error
    # a second run retries only the failed one
    FakeSMTP.refuse = set()
    assert deliver_pending(db.session, "smtp://mail.example.org", "from@example.org",
                           connect=FakeSMTP) == (1, 0)


def test_send_mail_command_needs_smtp(runner):
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code != 0 and "JUDGING_SMTP_URL is not set" in result.output
