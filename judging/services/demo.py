"""Demo data: the Seoul Smart City Prize, an open edition, users in every role and entries
in several states, all made through the same services and workflow engine as real use."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from judging.models import Entry, PanelMember, Program, Role, User, utcnow
from judging.program.loader import load_program, seoul_program_path
from judging.program.schema import EntryForm
from judging.services.accounts import create_user, find_user
from judging.services.attachments import Limits, add_attachment
from judging.services.editions import create_edition
from judging.services.entries import submit_entry
from judging.services.programs import install_program
from judging.workflows.engine import apply

DEMO_PASSWORD = "demo-password-2024"
DOMAIN = "demo.example.org"

STAFF = [
    ("secretariat", "Kim Ji-won (WeGO Secretariat)", [Role.SECRETARIAT], "WeGO", "Seoul", "KR"),
    ("chair", "Prof. Amina Odhiambo (Committee chair)", [Role.CHAIR], "University of Nairobi", "Nairobi", "KE"),
]

# 16 judges from 12 countries (name, organisation, city, country, expertise)
JUDGES = [
    ("Lee Min-ho", "Korea Advanced Institute of Science and Technology", "Daejeon", "KR", "digital economy"),
    ("Sofia Hernández", "Universidad Politécnica de Madrid", "Madrid", "ES", "urban development"),
    ("Johan Nielsen", "Odense Municipality", "Odense", "DK", "energy"),
    ("Aoife Byrne", "Dublin City University", "Dublin", "IE", "digital economy"),
    ("Maria Santos", "Asian Development Bank", "Manila", "PH", "disaster management"),
    ("Tama Ngata", "Victoria University of Wellington", "Wellington", "NZ", "urban development"),
    ("Daniel Cho", "UCLA Luskin Center", "Los Angeles", "US", "energy"),
    ("Elif Kaya", "Konya Technical University", "Konya", "TR", "disaster management"),
    ("Rahim Uddin", "BRAC University", "Dhaka", "BD", "urban development"),
    ("Grace Nakato", "Makerere University", "Kampala", "UG", "digital economy"),
    ("Carlos Vega", "Universidad de Cuenca", "Cuenca", "EC", "energy"),
    ("Valentina Ruiz", "Universidad del Valle", "Cali", "CO", "urban development"),
    ("Park Seo-yeon", "Seoul Digital Foundation", "Seoul", "KR", "digital economy"),
    ("Nuno Ferreira", "Porto Digital", "Recife", "BR", "disaster management"),
    ("Ingrid Halvorsen", "Nordic Smart City Network", "Oslo", "NO", "energy"),
    ("Hassan Rahimi", "Aga Khan Development Network", "Geneva", "CH", "urban development"),
]

# Applicants: (login, name, local name, type, organisation, city, city local, country)
APPLICANTS = [
    ("seoul", "Seoul Metropolitan Government", "서울특별시", "city_government", "Seoul Metropolitan Government", "Seoul", "서울", "KR"),
    ("almaty", "Almaty City Akimat", "Алматы", "city_government", "Almaty City Akimat", "Almaty", "Алматы", "KZ"),
    ("beyoglu", "Beyoğlu Municipality", "Beyoğlu Belediyesi", "city_government", "Beyoğlu Municipality", "Beyoğlu", "", "TR"),
    ("saopaulo", "City of São Paulo", "Prefeitura de São Paulo", "city_government", "City of São Paulo", "São Paulo", "", "BR"),
    ("danang", "Da Nang People's Committee", "Đà Nẵng", "city_government", "Da Nang People's Committee", "Da Nang", "Đà Nẵng", "VN"),
    ("abudhabi", "Abu Dhabi Department of Municipalities", "أبوظبي", "city_government", "Abu Dhabi Department of Municipalities", "Abu Dhabi", "أبوظبي", "AE"),
    ("kaohsiung", "Kaohsiung Smart Mobility Co.", "高雄智慧交通", "corporation", "Kaohsiung Smart Mobility Co.", "Kaohsiung", "高雄", "TW"),
    ("nairobi", "Nairobi Urban Data Institute", "", "institution", "Nairobi Urban Data Institute", "Nairobi", "", "KE"),
    ("cuenca", "Pedro Palacios, Mayor of Cuenca", "", "individual", "Municipality of Cuenca", "Cuenca", "", "EC"),
]

# Entries: (applicant login, category key, title, target state)
ENTRIES = [
    ("seoul", "human_centricity", "Safe Return Home: smart street care for women living alone", "eligible"),
    ("seoul", "tech_innovacity", "Seoul Digital Twin for flood prediction", "submitted"),
    ("almaty", "tech_innovacity", "Almaty Smart Traffic Control", "submitted"),
    ("beyoglu", "human_centricity", "Accessible Beyoğlu: barrier-free routes for wheelchair users", "clarification_requested"),
    ("saopaulo", "human_centricity", "Descomplica SP: one-stop digital services for every citizen", "eligible"),
    ("danang", "tech_innovacity", "Đà Nẵng Smart Fisheries Monitoring", "ineligible"),
    ("abudhabi", "tech_innovacity", "Abu Dhabi Smart Parking", "withdrawn"),
    ("kaohsiung", "tech_innovacity", "Kaohsiung Light Rail Passenger Flow AI", "submitted"),
    ("nairobi", "human_centricity", "Open Data for Informal Settlements", "draft"),
    ("cuenca", "leadership", "A walkable heritage city for all", "draft"),
]


def demo_pdf(title: str) -> bytes:
    """A one-page project brief (a real PDF, made with ReportLab)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(72, 770, "Project brief")
    canvas.setFont("Helvetica", 12)
    canvas.drawString(72, 745, title[:90])
    canvas.drawString(72, 720, "Supporting evidence submitted with the entry (demo document).")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def demo_answers(form: EntryForm, title: str, contact: str) -> dict[str, str]:
    """Complete answers for every field of a form, within its limits."""
    answers: dict[str, str] = {}
    for f in form.fields:
        if f.key == "title":
            answers[f.key] = title
        elif f.kind == "url":
            answers[f.key] = "https://www.example.org/project"
        elif f.kind == "email":
            answers[f.key] = contact
        elif f.kind == "number":
            answers[f.key] = "250000"
        elif f.kind == "select":
            answers[f.key] = f.choices[0]
        else:
            sentence = (f"{title}: {f.label.lower()} described with evidence from the city's "
                        "own monitoring and from citizens' feedback.")
            words = sentence.split()
            limit = f.word_limit or len(words)
            answers[f.key] = " ".join(words[: max(1, min(len(words), limit))])
    return answers


def seed_demo(session: Session, *, upload_dir: str | Path, now: datetime | None = None
              ) -> tuple[bool, list[tuple[str, str]]]:
    """Create the demo data once. Returns (created, [(role, email), ...])."""
    now = now or utcnow()
    logins = [(key, f"{key}@{DOMAIN}") for key, *_ in STAFF]
    logins += [("judge", f"judge{n:02d}@{DOMAIN}") for n in range(1, len(JUDGES) + 1)][:3]
    logins += [("applicant", f"{key}@{DOMAIN}") for key, *_ in APPLICANTS][:3]
    if find_user(session, f"secretariat@{DOMAIN}") is not None:
        return False, logins

    program = session.scalar(sa.select(Program).where(Program.key == "seoul-smart-city-prize"))
    if program is None:
        program = install_program(session, load_program(seoul_program_path()))
    spec = program.spec
    seoul = ZoneInfo(spec.time_zone)

    users: dict[str, User] = {}
    for key, name, roles, org, city, country in STAFF:
        users[key] = create_user(session, email=f"{key}@{DOMAIN}", name=name, roles=roles,
                                 password=DEMO_PASSWORD, organisation=org, city=city, country=country)
    judges = []
    for n, (name, org, city, country, expertise) in enumerate(JUDGES, start=1):
        judges.append(create_user(session, email=f"judge{n:02d}@{DOMAIN}", name=name,
                                  roles=[Role.JUDGE], password=DEMO_PASSWORD, organisation=org,
                                  city=city, country=country, expertise=expertise))
    for key, name, _local, kind, org, city, _city_local, country in APPLICANTS:
        users[key] = create_user(session, email=f"{key}@{DOMAIN}", name=name,
                                 roles=[Role.APPLICANT], password=DEMO_PASSWORD, organisation=org,
                                 city=city, country=country, applicant_type=kind)

    # An edition whose call is open now and closes in four weeks, 18:00 Korea time.
    deadline_local = (now.astimezone(seoul) + timedelta(days=28)).replace(
        hour=18, minute=0, second=0, microsecond=0)
    edition = create_edition(
        session, program, deadline_local.year,
        opens_at=(now - timedelta(days=30)),
        deadline_at=deadline_local.astimezone(timezone.utc),
        ceremony_date=(deadline_local + timedelta(days=90)).date(),
        ceremony_place="Seoul",
    )
    secretariat = users["secretariat"]
    apply(edition, "open_call", actor=secretariat, now=now)
    for judge in judges:
        edition.panel.append(PanelMember(user=judge, categories=[]))

    limits = Limits(max_file_bytes=10 * 1024 * 1024, max_entry_bytes=30 * 1024 * 1024)
    applicant_rows = {row[0]: row for row in APPLICANTS}
    for login, category_key, title, target in ENTRIES:
        _, name, local, kind, org, city, city_local, country = applicant_rows[login]
        owner = users[login]
        category = program.category_by_key(category_key)
        form = spec.form_for(category_key, kind)
        entry = Entry(
            edition=edition, category=category, owner=owner, applicant_type=kind,
            applicant_name=name, applicant_name_local=local, organisation=org, city=city,
            city_local=city_local, country=country, contact_email=owner.email, title=title,
            answers=demo_answers(form, title, owner.email),
        )
        session.add(entry)
        session.flush()
        add_attachment(session, entry, filename="project-brief.pdf", data=demo_pdf(title),
                       actor=owner, upload_dir=upload_dir, limits=limits)
        if target == "draft":
            continue
        if target == "withdrawn":
            apply(entry, "withdraw", actor=owner, reason="Entered by mistake", now=now)
            continue
        submit_entry(session, entry, actor=owner, now=now)
        if target == "eligible":
            apply(entry, "declare_eligible", actor=secretariat, now=now)
        elif target == "ineligible":
            apply(entry, "declare_ineligible", actor=secretariat, now=now,
                  reason="The project has not been implemented yet (a plan only).")
        elif target == "clarification_requested":
            entry.clarification_deadline_at = now + timedelta(days=14)
            entry.clarification_question = (
                "Please attach the evaluation report mentioned in your outcomes section.")
            apply(entry, "request_clarification", actor=secretariat, now=now,
                  reason=entry.clarification_question)
    session.flush()
    return True, logins

