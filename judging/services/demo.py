"""Demo data, made through the same services and workflow engine as real use:

- last year's edition, run from call to certificates: screened, judged in two rounds by 16
  judges, ranked, awards allocated, special mentions chosen, approved by the chair, published,
  certificates issued, archived;
- this year's edition, in judging: round 1 open, entries assigned, about two thirds of the
  reviews submitted, some drafts, some not started; entries also in draft, ineligible and
  withdrawn states; the secretariat can follow progress and the ranking as it forms.
"""
from __future__ import annotations

import io
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from judging.models import Entry, EntryState, PanelMember, Program, Role, User, utcnow
from judging.program.loader import load_program, seoul_program_path
from judging.program.schema import EntryForm
from judging.services.accounts import create_user, find_user

from judging.services.editions import create_edition
from judging.services.programs import install_program

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

# Further applicants of last year's edition (login, name, local, type, org, city, city local, country)
MORE_APPLICANTS = [
    ("reykjavik", "Reykjavík City", "Reykjavíkurborg", "city_government", "Reykjavík City", "Reykjavík", "", "IS"),
    ("chengdu", "Chengdu Municipal Government", "成都市人民政府", "city_government", "Chengdu Municipal Government", "Chengdu", "成都", "CN"),
    ("hebron", "Hebron Municipality", "بلدية الخليل", "city_government", "Hebron Municipality", "Hebron", "الخليل", "PS"),
    ("odense", "Odense Municipality", "Odense Kommune", "city_government", "Odense Municipality", "Odense", "", "DK"),
    ("dublin", "Dublin City Council", "Comhairle Cathrach Bhaile Átha Cliath", "city_government", "Dublin City Council", "Dublin", "", "IE"),
    ("manila", "City of Manila", "Lungsod ng Maynila", "city_government", "City of Manila", "Manila", "", "PH"),
    ("wellington", "Wellington City Council", "Te Kaunihera o Pōneke", "city_government", "Wellington City Council", "Wellington", "", "NZ"),
    ("losangeles", "City of Los Angeles", "", "city_government", "City of Los Angeles", "Los Angeles", "", "US"),
    ("madrid", "Madrid City Council", "Ayuntamiento de Madrid", "city_government", "Madrid City Council", "Madrid", "", "ES"),
    ("konya", "Konya Metropolitan Municipality", "Konya Büyükşehir Belediyesi", "city_government", "Konya Metropolitan Municipality", "Konya", "", "TR"),
    ("dhaka", "Dhaka North City Corporation", "ঢাকা উত্তর সিটি কর্পোরেশন", "city_government", "Dhaka North City Corporation", "Dhaka", "ঢাকা", "BD"),
    ("makati", "Makati Smart City Solutions Inc.", "", "corporation", "Makati Smart City Solutions Inc.", "Makati", "", "PH"),
    ("kampala", "Kampala Capital City Authority", "", "institution", "Kampala Capital City Authority", "Kampala", "", "UG"),
    ("cali", "Cali Innovation Hub", "", "institution", "Cali Innovation Hub", "Cali", "", "CO"),
    ("baguio", "Baguio City Government", "", "city_government", "Baguio City Government", "Baguio City", "", "PH"),
    ("seberangperai", "Seberang Perai City Council", "Majlis Bandaraya Seberang Perai", "city_government", "Seberang Perai City Council", "Seberang Perai", "", "MY"),
    ("quelimane", "Quelimane Municipal Council", "Conselho Municipal de Quelimane", "city_government", "Quelimane Municipal Council", "Quelimane", "", "MZ"),
    ("shiraz", "Shiraz Municipality", "شهرداری شیراز", "city_government", "Shiraz Municipality", "Shiraz", "شیراز", "IR"),
    ("mayor_konya", "Uğur İbrahim Altay, Mayor of Konya", "", "individual", "Konya Metropolitan Municipality", "Konya", "", "TR"),
    ("mayor_baguio", "Benjamin Magalong, Mayor of Baguio", "", "individual", "Baguio City Government", "Baguio City", "", "PH"),
    ("mayor_makati", "Abby Binay, Mayor of Makati", "", "individual", "City of Makati", "Makati", "", "PH"),
]

PROJECT_TITLES = [
    "Safe Return Home: smart street care for women living alone",
    "Digital twin for flood prediction",
    "Smart traffic control for safer crossings",
    "Barrier-free routes for wheelchair users",
    "One-stop digital services for every citizen",
    "Smart fisheries monitoring",
    "Heat-wave shelters found by an app",
    "Light rail passenger flow AI",
    "Open data for informal settlements",
    "Citizen budget in the palm of the hand",
    "Sensor network for clean air near schools",
    "Smart water meters that find leaks",
    "Tele-care for older residents living alone",
    "Digital literacy buses for villages",
    "Real-time bus information in sign language",
    "Wildfire early warning with community radios",
    "Smart street lights that listen for emergencies",
    "Accessible e-voting kiosks for neighbourhood budgets",
    "Flood sensors on every bridge",
    "School routes mapped by children",
    "A city app in twelve languages for migrants",
    "Energy savings coached by AI for social housing",
    "Drones that deliver medicine to hill districts",
    "Noise maps made with citizens' phones",
    "Market stalls paid by QR code",
    "Cooling corridors planned with satellite data",
    "A digital twin of the old town for heritage care",
    "Shared e-bikes for care workers",
    "Smart bins and fair jobs for waste pickers",
    "Landslide alerts by SMS",
]

# Special mentions: (theme, partner)
MENTIONS = [
    ("Climate resilience", "GGGI"),
    ("Digital competitiveness", "IMD"),
    ("Semiconductor-enabled city services", "SEMI"),
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


def demo_answers(form: EntryForm, title: str, contact: str, *, year: int = 2021) -> dict[str, str]:
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
            answers[f.key] = str(year) if "year" in f.key else "250000"
        elif f.kind == "select":
            answers[f.key] = f.choices[min(1, len(f.choices) - 1)]
        else:
            sentence = (f"{title}: {f.label.lower()} described with evidence from the city's "
                        "own monitoring and from citizens' feedback.")
            words = sentence.split()
            limit = f.word_limit or len(words)
            answers[f.key] = " ".join(words[: max(1, min(len(words), limit))])
    return answers


def seed_demo(session: Session, *, upload_dir: str | Path, certificate_dir: str | Path = "",
              base_url: str = "http://127.0.0.1:5000", fonts=None, now: datetime | None = None
              ) -> tuple[bool, list[tuple[str, str]]]:
    """Create the demo data once. Returns (created, [(role, email), ...])."""
    now = now or utcnow()
    logins = [(key, f"{key}@{DOMAIN}") for key, *_ in STAFF]
    logins += [("judge", f"judge{n:02d}@{DOMAIN}") for n in range(1, 4)]
    logins += [("applicant", f"{key}@{DOMAIN}") for key in ("seoul", "almaty", "kaohsiung", "cuenca")]
    if find_user(session, f"secretariat@{DOMAIN}") is not None:
        return False, logins

    program = session.scalar(sa.select(Program).where(Program.key == "seoul-smart-city-prize"))
    if program is None:
        program = install_program(session, load_program(seoul_program_path()))
    world = _Demo(session, program, Path(upload_dir), base_url)
    world.create_users()
    seoul = ZoneInfo(program.spec.time_zone)
    # This year's call closed a month ago; last year's edition is a year earlier throughout.
    deadline = (now - timedelta(days=30)).astimezone(seoul).replace(hour=18, minute=0, second=0,
                                                                     microsecond=0)
    last_deadline = deadline.replace(year=deadline.year - 1)
    world.past_edition(last_deadline, now, Path(certificate_dir or Path(upload_dir).parent / "certificates"),
                       fonts)
    world.current_edition(deadline, now)
    session.flush()
    return True, logins


class _Demo:
    """The demo world, built step by step with the real services."""

    def __init__(self, session: Session, program: Program, upload_dir: Path, base_url: str):
        from judging.services.attachments import Limits

        self.session = session
        self.program = program
        self.spec = program.spec
        self.upload_dir = upload_dir
        self.base_url = base_url
        self.limits = Limits(10 * 1024 * 1024, 30 * 1024 * 1024)
        self.users: dict[str, User] = {}
        self.judges: list[User] = []
        self.rows = {row[0]: row for row in APPLICANTS + MORE_APPLICANTS}

    # ----- people --------------------------------------------------------------------------
    def create_users(self) -> None:
        for key, name, roles, org, city, country in STAFF:
            self.users[key] = create_user(self.session, email=f"{key}@{DOMAIN}", name=name,
                                          roles=roles, password=DEMO_PASSWORD, organisation=org,
                                          city=city, country=country)
        for n, (name, org, city, country, expertise) in enumerate(JUDGES, start=1):
            self.judges.append(create_user(
                self.session, email=f"judge{n:02d}@{DOMAIN}", name=name, roles=[Role.JUDGE],
                password=DEMO_PASSWORD, organisation=org, city=city, country=country,
                expertise=expertise, time_zone=None))
        for key, name, _local, kind, org, city, _city_local, country in APPLICANTS + MORE_APPLICANTS:
            self.users[key] = create_user(self.session, email=f"{key}@{DOMAIN}", name=name,
                                          roles=[Role.APPLICANT], password=DEMO_PASSWORD,
                                          organisation=org, city=city, country=country,
                                          applicant_type=kind)

    # ----- steps ---------------------------------------------------------------------------
    def _edition(self, deadline: datetime, *, ceremony_days: int = 88):
        edition = create_edition(
            self.session, self.program, deadline.year,
            opens_at=(deadline - timedelta(days=104)).astimezone(timezone.utc),
            deadline_at=deadline.astimezone(timezone.utc),
            ceremony_date=(deadline + timedelta(days=ceremony_days)).date(), ceremony_place="Seoul")
        from judging.workflows.engine import apply

        apply(edition, "open_call", actor=self.users["secretariat"], now=edition.opens_at - timedelta(days=1))
        for judge in self.judges:
            edition.panel.append(PanelMember(user=judge, categories=[]))
        self.session.flush()
        return edition

    def _entry(self, edition, login: str, category_key: str, title: str, when: datetime,
               submit: bool = True) -> Entry:
        from judging.services.entries import create_draft, save_draft, submit_entry, upload_attachment

        _, name, local, kind, _org, _city, city_local, _country = self.rows[login]
        owner = self.users[login]
        entry = create_draft(self.session, actor=owner, edition=edition, category_key=category_key,
                             applicant_name=name, applicant_name_local=local, city_local=city_local,
                             now=when)
        form = self.spec.form_for(category_key, kind)
        save_draft(self.session, entry, actor=owner,
                   answers=demo_answers(form, title, owner.email, year=edition.year - 3), now=when)
        upload_attachment(self.session, entry, actor=owner, filename="project-brief.pdf",
                          data=demo_pdf(title), upload_dir=self.upload_dir, limits=self.limits,
                          now=when)
        if submit:
            submit_entry(self.session, entry, actor=owner, now=when)
        return entry

    def _entries(self, edition, when: datetime, logins: list[str], offset: int = 0) -> list[Entry]:
        """One entry per login: project applicants alternate between the two project
        categories; individuals enter Leadership."""
        entries = []
        for n, login in enumerate(logins):
            kind = self.rows[login][3]
            if kind == "individual":
                category, title = "leadership", "A city that leaves no one behind"
            else:
                category = ("human_centricity", "tech_innovacity")[n % 2]
                city = self.rows[login][5]
                title = f"{city}: {PROJECT_TITLES[(n + offset) % len(PROJECT_TITLES)]}"
            entries.append(self._entry(edition, login, category, title, when))
        return entries

    def _review_round(self, edition, round_number: int, when: datetime, quality: dict[int, float],
                      share_submitted: float = 1.0, keep_open_for: set[int] = frozenset()) -> None:
        """Every judge of the round accepts the terms, declares no conflict and scores: the
        entry's quality plus the judge's leniency (some judges are harsh, some lenient)."""
        import random

        from judging.models import Assignment
        from judging.services.conflicts import declare
        from judging.services.judging_access import accept_terms, load_access
        from judging.services.reviews import ReviewInput, open_review, save_draft, submit_review

        rnd = edition.round(round_number)
        rng = random.Random(edition.year * 10 + round_number)
        assignments = self.session.scalars(
            sa.select(Assignment).where(Assignment.round_id == rnd.id, Assignment.recused_at.is_(None))
            .order_by(Assignment.id)).all()
        leniency = {j.id: (n % 5 - 2) * 0.6 for n, j in enumerate(self.judges)}
        for assignment in assignments:
            judge, entry = assignment.judge, assignment.entry
            if judge.id in keep_open_for:
                continue  # left for the demo user: terms, declaration and scores
            accept_terms(self.session, edition, judge, actor=judge)
            declare(self.session, judge=judge, entry=entry, has_conflict=False, actor=judge)
            access = load_access(self.session, judge, entry_id=entry.id, round_id=rnd.id)
            review = open_review(self.session, access)
            scores = {}
            for criterion in entry.category.criteria:
                raw = quality[entry.id] + leniency[judge.id] + rng.gauss(0, 0.8)
                scores[criterion.key] = int(min(criterion.scale_max, max(criterion.scale_min, round(raw))))
            data = ReviewInput(scores=scores, comments={},
                               overall_comment="Well evidenced; the outcomes are measured and shared with citizens.",
                               special_mention=quality[entry.id] >= 8.4 and rng.random() < 0.3,
                               special_mention_theme="Climate resilience" if rng.random() < 0.5 else "Digital inclusion")
            if not data.special_mention:
                data = ReviewInput(scores=scores, overall_comment=data.overall_comment)
            if rng.random() < share_submitted:
                submit_review(self.session, review, data, actor=judge, now=when)
            else:
                save_draft(self.session, review, ReviewInput(scores=dict(list(scores.items())[:3]),
                                                             overall_comment=""), actor=judge, now=when)

    def past_edition(self, deadline: datetime, now: datetime, certificate_dir: Path, fonts) -> None:
        """Last year's edition, from call to certificates."""
        from judging.services.assignment import assign_round
        from judging.services.certificates import fonts_for, issue_all
        from judging.services.decisions import MentionPick, close_round, open_round, select_special_mentions
        from judging.services.lifecycle import fire_edition_event
        from judging.services.screening import decide

        staff, chair = self.users["secretariat"], self.users["chair"]
        edition = self._edition(deadline)
        edition.rounds[0].finalist_share = 0.5  # a small demo field: half become finalists
        logins = [row[0] for row in APPLICANTS if row[0] not in ("nairobi",)] + [
            row[0] for row in MORE_APPLICANTS]
        entries = self._entries(edition, deadline - timedelta(days=12), logins)
        at = deadline + timedelta(days=1)
        fire_edition_event(self.session, edition, "close_call", actor=staff, now=at)
        fire_edition_event(self.session, edition, "start_screening", actor=staff, now=at)
        from judging.services.entries import submit_entry

        for entry in entries:
            if entry.owner is self.users["abudhabi"]:
                decide(self.session, entry, "ineligible", actor=staff, now=at + timedelta(days=3),
                       reason="The project had not started by the deadline (a plan only).")
                continue
            if entry.owner is self.users["beyoglu"]:
                # Returned for clarification, answered by the applicant, then found eligible.
                decide(self.session, entry, "clarification", actor=staff, now=at + timedelta(days=2),
                       reason="Please attach the evaluation report mentioned in your outcomes section.",
                       deadline_at=at + timedelta(days=9))
                submit_entry(self.session, entry, actor=entry.owner, now=at + timedelta(days=4))
            decide(self.session, entry, "eligible", actor=staff, now=at + timedelta(days=5))
        at = at + timedelta(days=10)
        fire_edition_event(self.session, edition, "start_judging", actor=staff, now=at)
        assign_round(self.session, edition, 1, actor=staff, seed=1, now=at)
        quality = {e.id: 5.0 + (zlib.crc32(e.applicant_name.encode()) % 40) / 10 for e in entries}
        for e in entries:
            if e.owner in (self.users["seoul"], self.users["kaohsiung"], self.users["mayor_baguio"]):
                quality[e.id] = 9.0
        self._review_round(edition, 1, at + timedelta(days=14), quality)
        at = at + timedelta(days=20)
        close_round(self.session, edition.round(1), actor=staff, now=at)
        open_round(self.session, edition.round(2), actor=staff, now=at)
        assign_round(self.session, edition, 2, actor=staff, seed=2, now=at)
        self._review_round(edition, 2, at + timedelta(days=7), quality)
        at = at + timedelta(days=10)
        close_round(self.session, edition.round(2), actor=staff, now=at)
        fire_edition_event(self.session, edition, "start_deliberation", actor=staff, now=at)
        picks = [e for e in entries if e.state == EntryState.NOT_SHORTLISTED][:3]
        select_special_mentions(self.session, edition, [
            MentionPick(entry_id=e.id, theme=theme, partner=partner)
            for e, (theme, partner) in zip(picks, MENTIONS)], actor=chair, now=at)
        at = at + timedelta(days=3)
        fire_edition_event(self.session, edition, "approve", actor=chair, now=at,
                           reason="Approved at the committee meeting.")
        fire_edition_event(self.session, edition, "publish", actor=staff, now=at + timedelta(days=1))
        issue_all(self.session, edition, actor=staff, certificate_dir=certificate_dir,
                  base_url=self.base_url, fonts=fonts or fonts_for(()), finalists=True,
                  confirm_missing_fonts=True, now=at + timedelta(days=2))
        fire_edition_event(self.session, edition, "archive", actor=staff, now=now - timedelta(days=40))

    def current_edition(self, deadline: datetime, now: datetime) -> None:
        """This year's edition: the call closed a month ago; round 1 is under way."""
        from judging.services.assignment import assign_round
        from judging.services.entries import withdraw_entry
        from judging.services.lifecycle import fire_edition_event
        from judging.services.screening import decide

        staff = self.users["secretariat"]
        edition = self._edition(deadline)
        seoul = ZoneInfo(edition.time_zone)
        for rnd, days in zip(edition.rounds, (14, 45)):
            local = (now + timedelta(days=days)).astimezone(seoul)
            rnd.review_deadline_at = local.replace(hour=18, minute=0, second=0, microsecond=0)
        logins = ["seoul", "almaty", "beyoglu", "saopaulo", "danang", "kaohsiung", "nairobi",
                  "cuenca", "reykjavik", "chengdu", "hebron", "odense", "dublin", "manila",
                  "wellington", "madrid", "dhaka", "kampala", "cali", "shiraz", "mayor_konya"]
        when = deadline - timedelta(days=5)
        entries = self._entries(edition, when, logins, offset=7)
        # Kept as a draft (never submitted) and one withdrawn by its applicant.
        draft = self._entry(edition, "abudhabi", "tech_innovacity", "Abu Dhabi: smart parking",
                            when, submit=False)
        withdraw_entry(self.session, entries[2], actor=entries[2].owner,
                       reason="We will enter next year with results.", now=when + timedelta(days=2))
        at = deadline + timedelta(days=1)
        fire_edition_event(self.session, edition, "close_call", actor=staff, now=at)
        fire_edition_event(self.session, edition, "start_screening", actor=staff, now=at)
        for entry in entries:
            if entry.state == EntryState.WITHDRAWN:
                continue
            if entry.owner is self.users["danang"]:
                decide(self.session, entry, "ineligible", actor=staff, now=at + timedelta(days=2),
                       reason="A national programme, not a city-targeted project.")
            else:
                decide(self.session, entry, "eligible", actor=staff, now=at + timedelta(days=2))
        at = at + timedelta(days=6)
        fire_edition_event(self.session, edition, "start_judging", actor=staff, now=at)
        assign_round(self.session, edition, 1, actor=staff, seed=3, now=at)
        quality = {e.id: 5.0 + (zlib.crc32(e.applicant_name.encode()) % 40) / 10 for e in entries}
        self._review_round(edition, 1, now - timedelta(days=3), quality, share_submitted=0.8,
                           keep_open_for={j.id for j in self.judges[:3]})
        del draft
