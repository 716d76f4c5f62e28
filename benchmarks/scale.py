"""An edition at real scale for benchmarks and query-count tests: N entries (240 by default)
across the entered categories, 16 judges from 12 countries, K=3 judges per entry in round 1
without conflicts, every review fully scored; plus one issued certificate to verify.

Built directly with the models and the workflow engine for speed (the services are tested
elsewhere); call inside an app context.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from judging.extensions import db
from judging.models import (
    Assignment,
    AwardDecision,
    Certificate,
    ConflictDeclaration,
    EditionState,
    Entry,
    EntryState,
    PanelMember,
    Review,
    ReviewState,
    Role,
    RoundState,
    Score,
    utcnow,
)
from judging.program.loader import load_program, seoul_program_path
from judging.services.accounts import create_user
from judging.services.certificates import certificate_content, verify_url
from judging.services.demo import demo_answers
from judging.services.editions import create_edition
from judging.services.programs import install_program

PASSWORD = "benchmark-password-1"
JUDGE_COUNTRIES = ["KR", "ES", "DK", "IE", "PH", "NZ", "US", "TR", "BD", "UG", "EC", "CO",
                   "KR", "ES", "DK", "US"]  # 16 judges, 12 countries
ENTRY_COUNTRIES = ["BR", "KZ", "VN", "AE", "TW", "KE", "IS", "PS", "IR", "CN", "MY", "MZ"]


def build(n_entries: int = 240, *, submitted: bool = True, seed: int = 7,
          password_method: str | None = None) -> dict:
    """Create the data; returns emails and ids the benchmarks need."""
    rng = random.Random(seed)
    program = install_program(db.session, load_program(seoul_program_path()))
    now = utcnow()
    edition = create_edition(db.session, program, 2024, opens_at=now - timedelta(days=90),
                             deadline_at=now - timedelta(days=30), ceremony_date=date(2024, 10, 10),
                             ceremony_place="Seoul")
    edition.state = EditionState.JUDGING
    rnd = edition.rounds[0]
    rnd.state = RoundState.OPEN
    rnd.review_deadline_at = now + timedelta(days=14)

    def user(email, name, roles, **kw):
        u = create_user(db.session, email=email, name=name, roles=roles, password=None, **kw)
        if password_method:
            from werkzeug.security import generate_password_hash

            u.password_hash = generate_password_hash(PASSWORD, method=password_method)
        else:
            u.set_password(PASSWORD)
        return u

    secretariat = user("secretariat@bench.example.org", "Secretariat", [Role.SECRETARIAT], country="KR")
    judges = [user(f"judge{i:02d}@bench.example.org", f"Judge {i}", [Role.JUDGE], country=c,
                   city=f"City {i}", organisation=f"University {i}")
              for i, c in enumerate(JUDGE_COUNTRIES, start=1)]
    for judge in judges:
        edition.panel.append(PanelMember(user=judge, categories=[], terms_accepted_at=now))

    categories = [c for c in program.categories if c.entered]
    spec = program.spec
    counters = dict.fromkeys((c.code for c in categories), 0)
    entries = []
    for i in range(n_entries):
        category = categories[i % len(categories)]
        kind = "individual" if category.key == "leadership" else ["city_government", "institution", "corporation"][i % 3]
        country = ENTRY_COUNTRIES[i % len(ENTRY_COUNTRIES)]
        owner = user(f"applicant{i:03d}@bench.example.org", f"Applicant {i}", [Role.APPLICANT],
                     country=country, applicant_type=kind)
        counters[category.code] += 1
        title = f"Smart city project {i}"
        entry = Entry(edition=edition, category=category, owner=owner, applicant_type=kind,
                      applicant_name=f"City {i}", organisation=f"Organisation {i}", city=f"City {i}",
                      country=country, contact_email=owner.email, title=title,
                      answers=demo_answers(spec.form_for(category.key, kind), title, owner.email),
                      reference=f"SSCP-2024-{category.code}-{counters[category.code]:04d}",
                      submitted_at=now - timedelta(days=40), state=EntryState.IN_REVIEW)
        db.session.add(entry)
        entries.append(entry)
    db.session.flush()

    load = dict.fromkeys((j.id for j in judges), 0)
    for entry in entries:
        eligible = sorted((j for j in judges if j.country != entry.country),
                          key=lambda j: (load[j.id], rng.random()))
        for judge in eligible[:3]:
            load[judge.id] += 1
            db.session.add(Assignment(round_id=rnd.id, entry_id=entry.id, judge_id=judge.id))
            db.session.add(ConflictDeclaration(edition_id=edition.id, judge_id=judge.id,
                                               entry_id=entry.id, has_conflict=False))
            review = Review(round_id=rnd.id, entry_id=entry.id, judge_id=judge.id,
                            state=ReviewState.SUBMITTED if submitted else ReviewState.DRAFT,
                            overall_comment="Clear problem, credible plan, measured outcomes.",
                            submitted_at=now if submitted else None)
            db.session.add(review)
            lenient = (judge.id % 5) - 2
            for criterion in entry.category.criteria:
                value = min(criterion.scale_max, max(criterion.scale_min, rng.randint(4, 9) + lenient // 2))
                review.scores.append(Score(criterion=criterion, value=value, comment=""))
    db.session.flush()

    award = AwardDecision(edition_id=edition.id, category_id=entries[0].category_id, tier_key="gold",
                          slot=1, entry_id=entries[0].id, basis="ranking", decided_by_id=secretariat.id,
                          approved_at=now, approved_by_id=secretariat.id)
    db.session.add(award)
    db.session.flush()
    serial = "SSCP-2024-BENCH7QX"
    # What an issued certificate stores (the verify page reads it); no PDF is rendered here.
    snapshot = {**certificate_content(entries[0], "award", award), "serial": serial,
                "verify_url": verify_url("http://127.0.0.1:5000", serial),
                "issued_on": now.astimezone(edition.zone).date().isoformat(), "revision": 1}
    certificate = Certificate(entry_id=entries[0].id, award_id=award.id, kind="award",
                              serial=serial, revision=1, sha256="0" * 64,
                              file_name=f"{serial}-r1.pdf", snapshot=snapshot, fonts=[],
                              issued_by_id=secretariat.id)
    db.session.add(certificate)
    db.session.commit()
    return {
        "edition_year": edition.year,
        "round": rnd.number,
        "secretariat": secretariat.email,
        "judges": [j.email for j in judges],
        "entry_ids": [e.id for e in entries],
        "serial": certificate.serial,
        "categories": [c.key for c in categories],
    }
