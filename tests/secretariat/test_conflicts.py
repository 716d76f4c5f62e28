"""The conflict register: automatic conflicts derived for the panel and the screened
entries, declared ones with their waivers; the page, the waiver form and the CSV export."""
from __future__ import annotations

import csv
import io

import pytest

from judging.extensions import db
from judging.models import ConflictDeclaration, EditionState, EntryState, Role
from judging.services import ServiceError
from judging.services.conflicts import conflict_index, declare, register, register_csv, waive
from tests.factories import make_edition, make_entry, make_user
from tests.secretariat.helpers import audit_rows, make_panel, secretariat_user, sign_in


@pytest.fixture
def setting(app):
    edition = make_edition(EditionState.JUDGING)
    korean, brazilian, danish = make_panel(edition, [("KR", "Seoul"), ("BR", "Recife"),
                                                     ("DK", "Odense")])
    seoul = make_entry(edition, force_state=EntryState.IN_REVIEW, country="KR", city="Seoul",
                       with_attachment=False)
    busan = make_entry(edition, force_state=EntryState.ELIGIBLE, country="KR", city="Busan",
                       with_attachment=False)
    danish_org = make_entry(edition, force_state=EntryState.IN_REVIEW, country="NO", city="Oslo",
                            organisation=danish.organisation, with_attachment=False)
    # Not screened yet, or ineligible: outside the register's automatic part.
    make_entry(edition, force_state=EntryState.SUBMITTED, country="KR", city="Seoul",
               with_attachment=False)
    make_entry(edition, force_state=EntryState.INELIGIBLE, country="BR", city="Recife",
               with_attachment=False)
    other = make_entry(edition, force_state=EntryState.IN_REVIEW, country="US", city="Boston",
                       with_attachment=False)
    declaration = declare(db.session, judge=brazilian, entry=other, has_conflict=True,
                          reason="I advised this project", actor=brazilian)
    declare(db.session, judge=danish, entry=other, has_conflict=False, actor=danish)
    db.session.commit()
    return locals()


def test_register_lists_automatic_and_declared_conflicts(setting):
    rows = register(db.session, setting["edition"])
    found = {(r.judge.id, r.entry.id, r.source): r.reason for r in rows}
    k, b, d = setting["korean"], setting["brazilian"], setting["danish"]
    assert found == {
        (k.id, setting["seoul"].id, "automatic"): "same country (KR); same city (Seoul)",
        (k.id, setting["busan"].id, "automatic"): "same country (KR)",
        (d.id, setting["danish_org"].id, "automatic"):
            f"same organisation ({d.organisation})",
        (b.id, setting["other"].id, "declared"): "I advised this project",
    }
    assert all(r.in_force for r in rows)
    assert [r.source for r in register(db.session, setting["edition"], source="declared")] == ["declared"]


def test_a_waiver_needs_a_reason_and_is_recorded_in_the_register(setting):
    declaration = setting["declaration"]
    actor = secretariat_user()
    with pytest.raises(ServiceError, match="reason is required"):
        waive(db.session, declaration, reason=" ", actor=actor)
    waive(db.session, declaration, reason="A two-hour workshop in 2019 only", actor=actor)
    with pytest.raises(ServiceError, match="already waived"):
        waive(db.session, declaration, reason="again", actor=actor)
    [row] = register(db.session, setting["edition"], source="declared")
    assert row.waived and not row.in_force
    [audit] = audit_rows("waive_conflict")
    assert audit.reason == "A two-hour workshop in 2019 only" and audit.actor_id == actor.id
    index = conflict_index(db.session, setting["edition"])
    assert index.reasons(setting["brazilian"], setting["other"]) == []


def test_register_csv_export(setting):
    waive(db.session, setting["declaration"], reason="Minor link", actor=secretariat_user())
    text = register_csv(register(db.session, setting["edition"]), "Asia/Seoul")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["judge_name", "judge_email", "entry", "applicant", "source",
                             "reason", "in_force", "declared_at", "waived_at", "waived_by",
                             "waiver_reason"]
    declared = next(r for r in rows if r["source"] == "declared")
    assert declared["in_force"] == "no" and declared["waiver_reason"] == "Minor link"
    assert declared["waived_by"] == "secretariat@example.org"
    assert declared["waived_at"].endswith("+09:00")
    assert sum(1 for r in rows if r["source"] == "automatic") == 3


def test_register_page_waiver_form_and_download(setting, login_as):
    client = sign_in(login_as, secretariat_user())
    page = client.get(f"/secretariat/conflicts?edition={setting['edition'].year}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "I advised this project" in text and "same city (Seoul)" in text
    declaration = setting["declaration"]
    refused = client.post(f"/secretariat/declarations/{declaration.id}/waive", data={"reason": ""})
    assert refused.status_code == 422 and "Say why the conflict is waived." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ConflictDeclaration, declaration.id).waived_at is None
    done = client.post(f"/secretariat/declarations/{declaration.id}/waive",
                       data={"reason": "Minor link"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(ConflictDeclaration, declaration.id).waiver_reason == "Minor link"
    download = client.get(f"/secretariat/editions/{setting['edition'].id}/conflicts.csv")
    assert download.mimetype == "text/csv" and "Minor link" in download.get_data(as_text=True)
    judge = sign_in(login_as, make_user(Role.JUDGE))
    assert judge.get("/secretariat/conflicts").status_code == 403
    assert judge.post(f"/secretariat/declarations/{declaration.id}/waive",
                      data={"reason": "x"}).status_code == 403


def test_register_loads_in_a_fixed_number_of_queries(setting, app):
    from sqlalchemy import event

    from tests.secretariat.helpers import make_round_entries

    edition = setting["edition"]

    def queries() -> int:
        db.session.expire_all()
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            register(db.session, edition)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    few = queries()
    make_round_entries(edition, 30)
    db.session.commit()
    assert queries() == few
