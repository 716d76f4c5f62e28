"""Helpers for the applicant portal's tests: register through the form, fill an entry form
as a browser would, upload files, and play the secretariat's part in screening."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import sqlalchemy as sa

from judging.extensions import db
from judging.models import Entry, Notification, User, utcnow
from judging.services.demo import demo_answers, demo_pdf
from judging.workflows.engine import apply
from tests.factories import _secretariat

PASSWORD = "a long applicant password"

# One applicant of each type, and the category each enters.
APPLICANTS = {
    "city_government": dict(name="Kim Ji-won", organisation="Seoul Metropolitan Government",
                            city="Seoul", country="KR", category="human_centricity"),
    "institution": dict(name="Grace Wanjiru", organisation="Nairobi Urban Data Institute",
                        city="Nairobi", country="KE", category="tech_innovacity"),
    "corporation": dict(name="Lin Mei-hua", organisation="Kaohsiung Smart Mobility Co.",
                        city="Kaohsiung", country="TW", category="human_centricity"),
    "individual": dict(name="Pedro Palacios", organisation="Municipality of Cuenca",
                       city="Cuenca", country="EC", category="leadership"),
}


def registration_data(applicant_type: str = "city_government", **overrides) -> dict:
    who = APPLICANTS[applicant_type]
    data = {
        "name": who["name"],
        "email": f"{applicant_type.replace('_', '.')}@example.org",
        "organisation": who["organisation"],
        "city": who["city"],
        "country": who["country"],
        "applicant_type": applicant_type,
        "time_zone": "",
        "password": PASSWORD,
        "password_again": PASSWORD,
    }
    data.update(overrides)
    return data


def register(client, applicant_type: str = "city_government", **overrides) -> User:
    response = client.post("/auth/register", data=registration_data(applicant_type, **overrides))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    email = overrides.get("email") or registration_data(applicant_type)["email"]
    return db.session.scalar(sa.select(User).where(User.email == email))


def start_entry(client, category: str, **extra) -> Entry:
    data = {"category": category, "applicant_name": extra.pop("applicant_name", "Applicant"),
            "applicant_name_local": "", "city_local": ""}
    data.update(extra)
    response = client.post("/applicant/entries/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    entry_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    return db.session.get(Entry, entry_id)


def form_data(entry: Entry, answers: dict[str, str] | None = None, action: str = "save",
              **extra) -> dict:
    """What the entry form posts: the names, every answer field (empty unless given)."""
    spec = entry.edition.program.spec.form_for(entry.category.key, entry.applicant_type)
    answers = answers or {}
    data = {"answer_" + f.key: answers.get(f.key, "") for f in spec.fields}
    data.update(applicant_name=entry.applicant_name, applicant_name_local=entry.applicant_name_local,
                city_local=entry.city_local, action=action)
    data.update(extra)
    return data


def complete_answers(entry: Entry, title: str = "Safe Return Home") -> dict[str, str]:
    spec = entry.edition.program.spec.form_for(entry.category.key, entry.applicant_type)
    return demo_answers(spec, title, entry.contact_email)


def file_upload(name: str, data: bytes) -> tuple:
    return (io.BytesIO(data), name)


def upload(client, entry: Entry, name: str, data: bytes, answers: dict | None = None):
    payload = form_data(entry, answers if answers is not None else dict(entry.answers or {}),
                        action="upload")
    payload["file"] = file_upload(name, data)
    return client.post(f"/applicant/entries/{entry.id}", data=payload,
                       content_type="multipart/form-data")


def pdf(title: str = "Project brief") -> bytes:
    return demo_pdf(title)


def request_clarification(entry: Entry, question: str, days: int = 14) -> None:
    """The secretariat returns the entry with a question (as the screening pages do)."""
    entry.clarification_question = question
    entry.clarification_deadline_at = utcnow() + timedelta(days=days)
    apply(entry, "request_clarification", actor=_secretariat(), reason=question)
    db.session.commit()


def outbox(kind: str | None = None, to: str | None = None) -> list[Notification]:
    query = sa.select(Notification).order_by(Notification.id)
    if kind:
        query = query.where(Notification.kind == kind)
    if to:
        query = query.where(Notification.to_email == to)
    return list(db.session.scalars(query))


def reset_link(message: Notification) -> str:
    match = re.search(r"https?://\S+/auth/reset-password/(\S+)", message.body)
    assert match, message.body
    return "/auth/reset-password/" + match.group(1)
