"""The outbox page: newest first, filtered by kind, paginated; 'send now' with SMTP."""
from __future__ import annotations

from judging.extensions import db
from judging.models import Role
from judging.services.notifications import notify
from judging.views import secretariat as views
from tests.factories import make_user
from tests.secretariat.helpers import secretariat_user, sign_in


def fill(n: int, kind: str = "assignment"):
    for i in range(n):
        notify(db.session, to=f"judge{i}@example.org", subject=f"{kind} message {i}",
               body=f"Body {i}", kind=kind)


def test_outbox_newest_first_filter_and_pages(app, login_as):
    fill(3, "screening_eligible")
    fill(55, "assignment")
    db.session.commit()
    client = sign_in(login_as, secretariat_user())
    first = client.get("/secretariat/outbox").get_data(as_text=True)
    assert first.index("assignment message 54") < first.index("assignment message 53")
    assert "Messages 1–50 of 58" in first and "screening eligible" in first
    second = client.get("/secretariat/outbox?page=2").get_data(as_text=True)
    assert "screening_eligible message 0" in second and "assignment message 54" not in second
    only = client.get("/secretariat/outbox?kind=screening_eligible").get_data(as_text=True)
    assert "of 3" in only and "assignment message" not in only
    assert "No SMTP server is configured" in first and "Send now" not in first


def test_send_now_delivers_when_smtp_is_configured(app, login_as, monkeypatch):
    fill(2)
    db.session.commit()
    calls = []

    def fake_deliver(session, smtp_url, mail_from):
        calls.append((smtp_url, mail_from))
        return 2, 0

    monkeypatch.setattr(views.notifications_service, "deliver_pending", fake_deliver)
    client = sign_in(login_as, secretariat_user())
    response = client.post("/secretariat/outbox/send")
    assert response.status_code == 302 and calls == []  # no SMTP configured: nothing sent
    app.config["SMTP_URL"] = "smtp://mail.example.org:25"
    assert "Send now" in client.get("/secretariat/outbox").get_data(as_text=True)
    response = client.post("/secretariat/outbox/send", follow_redirects=True)
    assert calls == [("smtp://mail.example.org:25", app.config["MAIL_FROM"])]
    assert "Sent 2 messages." in response.get_data(as_text=True)
    assert client.post("/secretariat/outbox/send", csrf=False).status_code == 400


def test_outbox_is_for_the_secretariat(app, login_as):
    client = sign_in(login_as, make_user(Role.JUDGE))
    assert client.get("/secretariat/outbox").status_code == 403
    assert client.post("/secretariat/outbox/send").status_code == 403
