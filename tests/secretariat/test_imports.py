"""CSV imports: entries received outside the portal, judges, screening decisions. Every bad
row is named by its line and a file with any error imports nothing."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from judging.extensions import db
from judging.models import (
    AuditEvent,
    EditionState,
    Entry,
    EntryState,
    Notification,
    PanelMember,
    Role,
    User,
    utcnow,
)
from judging.services import ServiceError
from judging.services.imports import CsvImportError, import_entries, import_judges, import_screening, read_csv
from tests.factories import add_to_panel, make_edition, make_entry, make_user
from tests.secretariat.helpers import audit_rows, count, outbox, secretariat_user, sign_in

ENTRY_HEADER = ("reference,category,applicant_type,applicant_name,organisation,city,country,"
                "title,summary,contact_email")
GOOD_ENTRIES = ENTRY_HEADER + """
SSCP-2024-HC-0901,human_centricity,city_government,City of Kampala,Kampala Capital City Authority,Kampala,UG,Smart street lighting,"Solar lights, maintained by residents",info@kcca.example.org
SSCP-2024-TI-0902,TI,corporation,Seberang Perai Tech,Seberang Perai Tech Sdn Bhd,Seberang Perai,MY,Flood sensors,River level sensors for early warning,hello@sp.example.org
"""


def lines(refusal) -> dict[int, str]:
    out: dict[int, str] = {}
    for e in refusal.errors:
        out[e.line] = (out.get(e.line, "") + " | " + e.message).strip(" |")
    return out


# ----- the shared reader --------------------------------------------------------------------------
def test_reader_names_header_problems_and_row_widths():
    with pytest.raises(CsvImportError) as refused:
        read_csv("reference,decison,reason,extra\nA,eligible,\n", what="screening",
                 required=("reference", "decision", "reason"))
    assert lines(refused.value) == {1: "missing column: decision (expected: reference,decision,"
                                       "reason) | unknown columns: decison, extra (known: "
                                       "reference, decision, reason)"}
    with pytest.raises(CsvImportError) as refused:
        read_csv("a,b\n1,2\n\n1,2,3\n4\n", what="x", required=("a", "b"))
    assert lines(refused.value) == {4: "3 values, expected 2 (a value with a comma must be in "
                                       "double quotes)",
                                    5: "1 values, expected 2 (a value with a comma must be in "
                                       "double quotes)"}


def test_reader_accepts_a_byte_order_mark_semicolons_and_quoted_newlines():
    rows = read_csv("\ufeffa;b\n1;\"two\nlines\"\n3;4\n".encode(), what="x", required=("a", "b"))
    assert [(r.line, r["a"], r["b"]) for r in rows] == [(2, "1", "two\nlines"), (4, "3", "4")]


def test_reader_refuses_text_that_is_not_utf8_and_empty_files():
    with pytest.raises(CsvImportError, match="line 2: the file is not UTF-8"):
        read_csv("a,b\nS\xe3o,1\n".encode("latin-1"), what="x", required=("a", "b"))
    with pytest.raises(CsvImportError, match="line 1: the file is empty"):
        read_csv(b"", what="x", required=("a",))
    with pytest.raises(CsvImportError, match="line 2: the file has a header but no rows"):
        read_csv(b"a\n", what="x", required=("a",))


# ----- entries ---------------------------------------------------------------------------------
def test_import_entries_creates_submitted_entries_each_with_an_audit_note(app):
    edition = make_edition(EditionState.SCREENING)
    actor = secretariat_user()
    result = import_entries(db.session, edition, GOOD_ENTRIES.encode(), actor=actor,
                            source="paper.csv")
    first, second = result.entries
    assert (first.state, first.owner_id, first.reference) == (EntryState.SUBMITTED, None,
                                                              "SSCP-2024-HC-0901")
    assert first.answers == {"title": "Smart street lighting",
                             "summary": "Solar lights, maintained by residents"}
    assert first.category.key == "human_centricity" and second.category.key == "tech_innovacity"
    assert (first.country, first.contact_email, first.submitted_at is not None) == (
        "UG", "info@kcca.example.org", True)
    notes = audit_rows("import_entry")
    assert [n.subject_id for n in notes] == [first.id, second.id]
    assert notes[0].to_state == "submitted" and notes[0].actor_id == actor.id
    assert notes[0].details == {"line": 2, "source": "paper.csv"}


def test_import_entries_with_bad_rows_names_every_line_and_imports_nothing(app):
    edition = make_edition(EditionState.SCREENING)
    existing = make_entry(edition, force_state=EntryState.SUBMITTED)
    text = ENTRY_HEADER + f"""
SSCP-2024-HC-0901,human_centricity,city_government,Kampala,KCCA,Kampala,UG,Lights,Summary,a@kcca.example.org
SSCP-2024-HC-0902,parks,city_government,Kampala,KCCA,Kampala,UG,Lights,Summary,a@kcca.example.org
SSCP-2024-HC-0903,leadership,city_government,Kampala,KCCA,Kampala,UG,Lights,Summary,a@kcca.example.org
SSCP-2024-HC-0904,human_centricity,city_government,,KCCA,Kampala,Uganda,Lights,Summary,not-an-email
SSCP-2024-HC-0901,human_centricity,city_government,Kampala,KCCA,Kampala,UG,Lights,Summary,a@kcca.example.org
{existing.reference},human_centricity,city_government,Kampala,KCCA,Kampala,UG,Lights,Summary,a@kcca.example.org
,human_centricity,wizard,Kampala,KCCA,Kampala,UG,,Summary,a@kcca.example.org
"""
    before = (count(Entry), count(AuditEvent))
    with pytest.raises(CsvImportError) as refused:
        import_entries(db.session, edition, text.encode(), actor=secretariat_user())
    found = lines(refused.value)
    assert sorted(found) == [3, 4, 5, 6, 7, 8]
    assert "unknown category 'parks'" in found[3]
    assert "a city_government may not enter Leadership" in found[4]
    assert ("applicant_name is required" in found[5] and "'Uganda' is not a two-letter ISO"
            in found[5] and "'not-an-email' is not a valid email" in found[5])
    assert "reference 'SSCP-2024-HC-0901' appears twice (first on line 2)" in found[6]
    assert f"an entry {existing.reference} already exists" in found[7]
    assert ("reference is required" in found[8] and "unknown applicant type 'wizard'" in found[8]
            and "title is required" in found[8])
    assert (count(Entry), count(AuditEvent)) == before
    assert str(refused.value).startswith(
        "Nothing was imported: 10 problems on 6 lines of the entries file.\n  line 3: ")


def test_entries_cannot_be_imported_once_judging_has_started(app):
    edition = make_edition(EditionState.JUDGING)
    with pytest.raises(ServiceError, match="while the call is open, closed or in screening"):
        import_entries(db.session, edition, GOOD_ENTRIES.encode(), actor=secretariat_user())


# ----- judges ----------------------------------------------------------------------------------
JUDGE_HEADER = "name,email,organisation,city,country"


def test_import_judges_creates_accounts_without_password_or_adds_the_role(app):
    edition = make_edition(EditionState.OPEN)
    existing = make_user(Role.APPLICANT, email="aoife@dcu.example.org", country="IE",
                         city="Dublin")
    existing.organisation = ""
    text = JUDGE_HEADER + ",expertise,categories\n" + (
        "Lee Min-ho,Lee@KAIST.example.org,KAIST,Daejeon,KR,digital economy,\n"
        "Aoife Byrne,aoife@dcu.example.org,Dublin City University,Dublin,IE,,tech_innovacity\n")
    result = import_judges(db.session, edition, text.encode(), actor=secretariat_user(),
                           base_url="https://prize.example.org",
                           reset_link=lambda user: f"https://prize.example.org/set/{user.id}")
    assert (result.created_users, result.existing_users) == (1, 1)
    lee = db.session.scalar(sa.select(User).where(User.email == "lee@kaist.example.org"))
    assert lee.password_hash is None and lee.has_role(Role.JUDGE) and lee.country == "KR"
    assert lee.expertise == "digital economy"
    assert existing.has_role(Role.JUDGE) and existing.has_role(Role.APPLICANT)
    assert existing.organisation == "Dublin City University"  # a blank fact filled in
    members = {m.user_id: m for m in db.session.scalars(sa.select(PanelMember))}
    assert members[existing.id].categories == ["tech_innovacity"]
    assert members[lee.id].categories == [] and members[lee.id].terms_accepted_at is None
    invitations = outbox("judge_invitation")
    assert [m.to_email for m in invitations] == ["lee@kaist.example.org", "aoife@dcu.example.org"]
    assert f"https://prize.example.org/set/{lee.id}" in invitations[0].body
    assert "Confidentiality" in invitations[0].body
    assert "Sign in with your existing account" in invitations[1].body
    assert len(audit_rows("invite_judge")) == 2


def test_import_judges_with_bad_rows_imports_nothing(app):
    edition = make_edition(EditionState.OPEN)
    on_panel = make_user(Role.JUDGE, email="already@example.org")
    add_to_panel(edition, on_panel)
    text = JUDGE_HEADER + ",categories\n" + (
        "Good Judge,good@example.org,Org,Madrid,ES,\n"
        ",bad-email,Org,Madrid,ES,\n"
        "Again,already@example.org,Org,Madrid,XX,\n"
        "Twice,GOOD@example.org,Org,Madrid,ES,\n"
        "Cats,cats@example.org,Org,Madrid,ES,human_centricity;gardens\n")
    actor = secretariat_user()
    before = (count(User), count(PanelMember), count(Notification))
    with pytest.raises(CsvImportError) as refused:
        import_judges(db.session, edition, text.encode(), actor=actor)
    found = lines(refused.value)
    assert sorted(found) == [3, 4, 5, 6]
    assert "name is required" in found[3] and "'bad-email' is not a valid email" in found[3]
    assert "already on the panel" in found[4] and "'XX' is not a two-letter ISO" in found[4]
    assert "email 'GOOD@example.org' appears twice (first on line 2)" in found[5]
    assert "unknown category: gardens" in found[6]
    assert (count(User), count(PanelMember), count(Notification)) == before


# ----- screening decisions -----------------------------------------------------------------------
def screening_entries(edition, n=3):
    entries = []
    for _ in range(n):
        entry = make_entry(edition, with_attachment=False)
        entry.reference = f"T-{edition.year}-HC-{entry.id:04d}"
        entry.submitted_at = utcnow() - timedelta(days=2)
        entry.state = EntryState.SUBMITTED
        entries.append(entry)
    db.session.flush()
    return entries


def test_screen_csv_applies_every_decision_with_audit_rows_and_messages(app):
    edition = make_edition(EditionState.SCREENING)
    a, b, c = screening_entries(edition)
    text = ("reference,decision,reason,deadline\n"
            f"{a.reference},eligible,,\n"
            f"{b.reference},Ineligible,Not implemented yet,\n"
            f"{c.reference},clarification,Which districts?,2031-03-01T18:00\n")
    result = import_screening(db.session, edition, text.encode(), actor=secretariat_user())
    assert [d for _, d in result.decided] == ["eligible", "ineligible", "clarification"]
    assert (a.state, b.state, c.state) == (EntryState.ELIGIBLE, EntryState.INELIGIBLE,
                                           EntryState.CLARIFICATION_REQUESTED)
    assert c.clarification_deadline_at.isoformat() == "2031-03-01T09:00:00+00:00"
    [audit] = audit_rows("declare_ineligible")
    assert audit.reason == "Not implemented yet" and audit.details["line"] == 3
    assert len(outbox()) == 3


def test_screen_csv_with_any_bad_row_changes_nothing_and_names_every_line(app):
    edition = make_edition(EditionState.SCREENING)
    a, b, c = screening_entries(edition)
    c.state = EntryState.INELIGIBLE
    db.session.flush()
    text = ("reference,decision,reason\n"
            f"{a.reference},eligible,\n"
            "SSCP-2024-HC-0099,eligible,\n"
            f"{b.reference},maybe,\n"
            f"{b.reference},ineligible,\n"
            f"{c.reference},eligible,\n"
            f"{a.reference},clarification,\n")
    before = (count(AuditEvent), count(Notification))
    with pytest.raises(CsvImportError) as refused:
        import_screening(db.session, edition, text.encode(), actor=secretariat_user())
    found = lines(refused.value)
    assert sorted(found) == [3, 4, 5, 6, 7]
    assert found[3] == "unknown entry SSCP-2024-HC-0099 in " + edition.name
    assert found[4] == "decision must be eligible, ineligible or clarification (not 'maybe')"
    assert "appears twice" in found[5] and "a reason is required for ineligible" in found[5]
    assert found[6] == (f"Cannot declare_eligible entry {c.reference} from state 'ineligible': "
                        "only possible from submitted")
    assert "appears twice" in found[7] and "a question to the applicant is required" in found[7]
    assert (a.state, b.state, c.state) == (EntryState.SUBMITTED, EntryState.SUBMITTED,
                                           EntryState.INELIGIBLE)
    assert (count(AuditEvent), count(Notification)) == before


def test_screen_csv_refused_by_the_edition_state_names_each_line(app):
    edition = make_edition(EditionState.JUDGING)
    a, b = screening_entries(edition, 2)
    text = f"reference,decision,reason\n{a.reference},eligible,\n{b.reference},eligible,\n"
    with pytest.raises(CsvImportError) as refused:
        import_screening(db.session, edition, text.encode(), actor=secretariat_user())
    assert sorted(lines(refused.value)) == [2, 3]
    assert "not possible while the edition is judging" in lines(refused.value)[2]


# ----- the same in the browser -------------------------------------------------------------------
def upload(client, url, text: str):
    return client.post(url, data={"file": (io.BytesIO(text.encode()), "file.csv")},
                       content_type="multipart/form-data")


def test_uploads_in_the_browser_are_all_or_nothing(app, login_as):
    edition = make_edition(EditionState.SCREENING)
    a, b = screening_entries(edition, 2)
    db.session.commit()
    client = sign_in(login_as, secretariat_user())
    bad = f"reference,decision,reason\n{a.reference},eligible,\n{b.reference},ineligible,\n"
    response = upload(client, f"/secretariat/editions/{edition.id}/screening/import", bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was imported" in page and "a reason is required for ineligible" in page
    db.session.expire_all()
    assert db.session.get(Entry, a.id).state == EntryState.SUBMITTED

    good = f"reference,decision,reason\n{a.reference},eligible,\n{b.reference},ineligible,Late\n"
    response = upload(client, f"/secretariat/editions/{edition.id}/screening/import", good)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Entry, b.id).state == EntryState.INELIGIBLE

    response = upload(client, f"/secretariat/editions/{edition.id}/entries/import", GOOD_ENTRIES)
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry)
                             .where(Entry.owner_id.is_(None))) == 2

    response = upload(client, f"/secretariat/editions/{edition.id}/judges/import",
                      JUDGE_HEADER + "\nNo Country,nc@example.org,Org,Madrid,\n")
    assert response.status_code == 422
    assert "country is required" in response.get_data(as_text=True)
    response = upload(client, f"/secretariat/editions/{edition.id}/judges/import",
                      JUDGE_HEADER + "\nSofia Hernández,sofia@upm.example.org,UPM,Madrid,ES\n")
    assert response.status_code == 302
    [invitation] = outbox("judge_invitation")
    assert "/auth/reset-password/" in invitation.body
    missing_token = client.post(f"/secretariat/editions/{edition.id}/entries/import",
                                data={"file": (io.BytesIO(GOOD_ENTRIES.encode()), "e.csv")},
                                content_type="multipart/form-data", csrf=False)
    assert missing_token.status_code == 400
