"""Registration: an applicant of each type creates an account; every refusal is clear and
gives the form back with what was typed."""
from __future__ import annotations

import pytest

from judging.models import Role
from tests.applicant.helpers import APPLICANTS, PASSWORD, outbox, register, registration_data
from tests.factories import make_edition, make_user


@pytest.mark.parametrize("applicant_type", list(APPLICANTS))
def test_each_applicant_type_registers_and_lands_on_the_portal(app, client, applicant_type):
    make_edition()
    user = register(client, applicant_type, time_zone="Europe/Istanbul")
    assert user.has_role(Role.APPLICANT) and not user.has_role(Role.JUDGE, Role.SECRETARIAT)
    assert user.applicant_type == applicant_type
    assert user.country == APPLICANTS[applicant_type]["country"]
    assert user.time_zone == "Europe/Istanbul"
    assert user.check_password(PASSWORD)
    home = client.get("/applicant/")
    assert home.status_code == 200
    assert "Start a new entry" in home.get_data(as_text=True)
    [welcome] = outbox("account_registered", to=user.email)
    assert "https://prize.example.org/auth/login" in welcome.body


def test_time_zone_is_optional(app, client):
    make_edition()
    user = register(client)
    assert user.time_zone is None


def test_the_form_offers_the_programs_applicant_types_countries_and_time_zones(app, client):
    make_edition()
    html = client.get("/auth/register").get_data(as_text=True)
    for label in ("City government", "Institution", "Corporation", "Individual"):
        assert label in html
    assert '<option value="KR">South Korea</option>' in html
    assert '<option value="Asia/Seoul">' in html and '<option value="America/Sao_Paulo">' in html


def test_a_taken_email_is_refused_with_every_value_back(app, client):
    make_edition()
    make_user(Role.APPLICANT, email="city.government@example.org")
    data = registration_data(organisation="Busan Metropolitan City", city="Busan")
    response = client.post("/auth/register", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "already exists" in html
    assert 'value="Busan Metropolitan City"' in html and 'value="Busan"' in html
    assert 'value="city.government@example.org"' in html
    assert PASSWORD not in html  # passwords are never sent back
    assert 'href="#email"' in html  # the summary links to the field


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"password": "short", "password_again": "short"}, "password", "at least 10 characters"),
    ({"password_again": "another long password"}, "password_again", "not the same"),
    ({"email": "not-an-email"}, "email", "valid email"),
    ({"country": "XX"}, "country", "Choose your country"),
    ({"country": ""}, "country", "Choose your country"),
    ({"applicant_type": "judge"}, "applicant_type", "Choose the kind of applicant"),
    ({"applicant_type": ""}, "applicant_type", "Choose the kind of applicant"),
    ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "Choose a time zone"),
    ({"organisation": ""}, "organisation", "organisation"),
    ({"name": "   "}, "name", "Enter your name"),
])
def test_each_bad_value_is_named_next_to_its_field(app, client, change, field, message):
    make_edition()
    data = registration_data()
    data.update(change)
    response = client.post("/auth/register", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert f'id="{field}-error"' in html
    assert 'value="Seoul"' in html  # what was typed comes back
    if field != "organisation":
        assert 'value="Seoul Metropolitan Government"' in html
    assert outbox("account_registered") == []


def test_registration_without_csrf_token_is_refused(app, client):
    make_edition()
    response = client.post("/auth/register", data=registration_data(), csrf=False)
    assert response.status_code == 400
    assert outbox() == []


def test_signed_in_users_are_sent_home(app, login_as):
    make_edition()
    client = login_as(make_user(Role.APPLICANT))
    assert client.get("/auth/register").status_code == 302


def test_login_page_links_to_registration_and_password_reset(app, client):
    make_edition()
    html = client.get("/auth/login").get_data(as_text=True)
    assert 'href="/auth/register"' in html and 'href="/auth/forgot-password"' in html


def test_account_details_can_be_changed(app, login_as):
    make_edition()
    user = make_user(Role.APPLICANT, city="Seoul", country="KR")
    client = login_as(user)
    page = client.get("/applicant/account")
    assert page.status_code == 200
    response = client.post("/applicant/account", data={
        "name": user.name, "organisation": "Busan Metropolitan City", "city": "Busan",
        "country": "KR", "time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    assert (user.city, user.organisation, user.time_zone) == ("Busan", "Busan Metropolitan City", "Asia/Tokyo")
    refused = client.post("/applicant/account", data={
        "name": user.name, "organisation": "X", "city": "Busan", "country": "ZZ", "time_zone": ""})
    assert refused.status_code == 422 and "Choose your country" in refused.get_data(as_text=True)
    assert user.country == "KR"


def test_a_taken_email_is_named_even_when_other_fields_are_wrong_too(app, client):
    make_edition()
    make_user(Role.APPLICANT, email="city.government@example.org")
    response = client.post("/auth/register", data=registration_data(password_again="different password"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "An account with this email already exists" in html and "not the same" in html
