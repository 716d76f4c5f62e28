"""The security tests' world: two editions, two applicants each with an entry, a judge
assigned to applicant A's entry (terms accepted, no conflict declared, review submitted with a
comment), a second judge assigned elsewhere, a chair, the secretariat, and a certificate
published in an earlier edition. Plus the signed-in clients of each of them.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from judging.extensions import db
from judging.models import (
    Assignment,
    AwardDecision,
    Certificate,
    ConflictDeclaration,
    Edition,
    EditionState,
    Entry,
    EntryState,
    PanelMember,
    Review,
    Role,
    Round,
    RoundState,
    User,
)
from judging.services.attachments import Limits, add_attachment
from judging.services.demo import demo_pdf
from judging.services.registration import make_reset_token
from tests.certificates_issuing.helpers import approved_edition, awarded_entry, issue
from tests.decisions.helpers import score
from tests.factories import add_to_panel, make_edition, make_entry, make_user
from tests.judge.helpers import declared

# Who requests the pages, in the order the reports list them.
ANONYMOUS = "anonymous"
APPLICANT_A = "applicant A"
APPLICANT_B = "applicant B"
JUDGE_A = "judge A"
JUDGE_B = "judge B"
CHAIR = "chair"
SECRETARIAT = "secretariat"
PRINCIPALS = (ANONYMOUS, APPLICANT_A, APPLICANT_B, JUDGE_A, JUDGE_B, CHAIR, SECRETARIAT)
SIGNED_IN = PRINCIPALS[1:]

# Words that belong to applicant A's entry and judge A's review only: no page shown to
# applicant B or judge B may contain them.
A_TITLE = "Riverside Flood Sentinel Network"
A_APPLICANT_NAME = "Alpha Waterworks Bureau"
A_ATTACHMENT = "alpha-flood-sentinel-dossier.pdf"
A_COMMENT = "Judge A confidential remark on the sentinel network"
B_TITLE = "Harbour Lights Mobility Pass"
B_ATTACHMENT = "beta-harbour-pass-brief.pdf"
PUBLISHED_TITLE = "Published Greenway Commons"


@dataclass
class World:
    edition: Edition  # the current edition, judging, round 1 open
    round: Round
    published: Edition  # an earlier edition whose results are published
    applicant_a: User
    applicant_b: User
    judge_a: User
    judge_b: User
    chair: User
    secretariat: User
    entry_a: Entry
    entry_b: Entry
    attachment_a: object
    attachment_b: object
    member_a: PanelMember
    assignment_a: Assignment
    declaration_a: ConflictDeclaration
    review_a: Review
    published_entry: Entry  # applicant A's awarded entry of the published edition
    decision: AwardDecision
    certificate: Certificate
    reset_token: str
    # Judges assigned to applicant A's entry who may not see it (yet): terms not accepted;
    # terms accepted but no declaration yet; an automatic conflict (same city as the entry).
    judge_no_terms: User | None = None
    judge_undeclared: User | None = None
    judge_conflicted: User | None = None
    users: dict[str, User] = field(default_factory=dict)

    @property
    def leak_markers(self) -> dict[str, str]:
        """What applicant B and judge B must never see: applicant A's entry and judge A's words."""
        return {
            "A's entry title": self.entry_a.title,
            "A's entry reference": self.entry_a.reference,
            "A's applicant name": self.entry_a.applicant_name,
            "A's attachment name": self.attachment_a.original_name,
            "judge A's comment": self.review_a.overall_comment,
        }


def _attach(entry: Entry, name: str):
    return add_attachment(db.session, entry, filename=name, data=demo_pdf(entry.title),
                          actor=entry.owner, upload_dir=current_app.config["UPLOAD_DIR"],
                          limits=Limits(10 * 1024 * 1024, 30 * 1024 * 1024))


def build_world() -> World:
    # An earlier edition: applicant A's entry was awarded, its certificate issued, the
    # results published (so the public pages, the check and A's download have something).
    applicant_a = make_user(Role.APPLICANT, email="applicant.a@example.org", name="Ana Applicant",
                            country="BR", city="Curitiba")
    applicant_b = make_user(Role.APPLICANT, email="applicant.b@example.org", name="Bo Applicant",
                            country="BR", city="Recife")
    published = approved_edition()
    published_entry = awarded_entry(published, "latin", owner=applicant_a, title=PUBLISHED_TITLE)
    certificate = issue(published_entry).certificate
    published.state = EditionState.PUBLISHED
    decision = db.session.scalar(sa.select(AwardDecision).where(
        AwardDecision.entry_id == published_entry.id))

    # The current edition, judging, with both applicants' entries in review.
    edition = make_edition(EditionState.JUDGING)
    rnd = edition.round(1)
    rnd.state = RoundState.OPEN
    entry_a = make_entry(edition, owner=applicant_a, title=A_TITLE, force_state=EntryState.IN_REVIEW,
                         with_attachment=False, country="BR", city="Curitiba")
    entry_a.applicant_name = A_APPLICANT_NAME
    entry_b = make_entry(edition, owner=applicant_b, title=B_TITLE, force_state=EntryState.IN_REVIEW,
                         with_attachment=False, country="BR", city="Recife")
    attachment_a = _attach(entry_a, A_ATTACHMENT)
    attachment_b = _attach(entry_b, B_ATTACHMENT)

    judge_a = make_user(Role.JUDGE, email="judge.a@example.org", name="Jun Judge",
                        country="DK", city="Odense")
    judge_b = make_user(Role.JUDGE, email="judge.b@example.org", name="Jo Judge",
                        country="NO", city="Oslo")
    member_a = add_to_panel(edition, judge_a)
    add_to_panel(edition, judge_b)
    declaration_a = declared(judge_a, entry_a)
    review_a = score(rnd, entry_a, judge_a, 7)
    review_a.overall_comment = A_COMMENT
    assignment_a = db.session.scalar(sa.select(Assignment).where(
        Assignment.judge_id == judge_a.id, Assignment.entry_id == entry_a.id))
    declared(judge_b, entry_b)
    review_b = score(rnd, entry_b, judge_b, 5, submitted=False)
    review_b.overall_comment = "Judge B's own draft remark"

    judge_no_terms = make_user(Role.JUDGE, email="judge.c@example.org", name="Cas Judge",
                               country="IE", city="Dublin")
    add_to_panel(edition, judge_no_terms, accepted=False)
    judge_undeclared = make_user(Role.JUDGE, email="judge.d@example.org", name="Dee Judge",
                                 country="NZ", city="Wellington")
    add_to_panel(edition, judge_undeclared)
    judge_conflicted = make_user(Role.JUDGE, email="judge.e@example.org", name="Eli Judge",
                                 country="BR", city="Curitiba")
    add_to_panel(edition, judge_conflicted)
    for judge in (judge_no_terms, judge_undeclared, judge_conflicted):
        db.session.add(Assignment(round_id=rnd.id, entry_id=entry_a.id, judge_id=judge.id))

    chair = make_user(Role.CHAIR, email="chair.sec@example.org", name="Cy Chair",
                      country="KE", city="Nairobi")
    secretariat = make_user(Role.SECRETARIAT, email="secretariat.sec@example.org",
                            name="Sam Secretariat", country="KR", city="Seoul")
    db.session.commit()
    world = World(
        edition=edition, round=rnd, published=published, applicant_a=applicant_a,
        applicant_b=applicant_b, judge_a=judge_a, judge_b=judge_b, chair=chair,
        secretariat=secretariat, entry_a=entry_a, entry_b=entry_b, attachment_a=attachment_a,
        attachment_b=attachment_b, member_a=member_a, assignment_a=assignment_a,
        declaration_a=declaration_a, review_a=review_a, published_entry=published_entry,
        decision=decision, certificate=certificate,
        reset_token=make_reset_token(applicant_a, current_app.secret_key),
        judge_no_terms=judge_no_terms, judge_undeclared=judge_undeclared,
        judge_conflicted=judge_conflicted,
    )
    world.users = {APPLICANT_A: applicant_a, APPLICANT_B: applicant_b, JUDGE_A: judge_a,
                   JUDGE_B: judge_b, CHAIR: chair, SECRETARIAT: secretariat}
    return world


def clients(app, login_as, world: World) -> dict:
    """One test client per principal, signed in through the real sign-in form."""
    result = {ANONYMOUS: app.test_client()}
    for who, user in world.users.items():
        result[who] = login_as(user)
    return result


def row_counts() -> dict[str, int]:
    """The number of rows of every table: a refused request must leave them all unchanged."""
    counts = {}
    for table in db.metadata.sorted_tables:
        counts[table.name] = db.session.scalar(sa.select(sa.func.count()).select_from(table))
    return counts


def states(world: World) -> dict[str, str]:
    """The states of what the world's POSTs could change."""
    db.session.expire_all()
    return {
        "edition": db.session.get(Edition, world.edition.id).state.value,
        "published edition": db.session.get(Edition, world.published.id).state.value,
        "round": db.session.get(Round, world.round.id).state.value,
        "entry A": db.session.get(Entry, world.entry_a.id).state.value,
        "entry B": db.session.get(Entry, world.entry_b.id).state.value,
        "review A": db.session.get(Review, world.review_a.id).state.value,
        "certificate revoked": str(db.session.get(Certificate, world.certificate.id).revoked_at),
        "member A categories": str(db.session.get(PanelMember, world.member_a.id).categories),
        "applicant A name": db.session.get(User, world.applicant_a.id).name,
    }


def changes(before: dict, after: dict) -> list[str]:
    """What differs between two snapshots (row counts or states), as sentences."""
    return [f"{key}: {before.get(key)!r} became {after.get(key)!r}"
            for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)]


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and re.search(
        r"/auth/login(\?|$)", response.headers.get("Location", "")) is not None
