"""The packaged Seoul program, a second and different program, and storage round trips."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from judging.program.loader import (
    ProgramError,
    load_program,
    load_program_text,
    program_from_dict,
    program_to_dict,
    seoul_program_path,
)
from judging.program.schema import Program

DATA = Path(__file__).parent / "data"
PROJECT_CRITERIA = [
    "problem_recognition", "project_design", "budgeting_planning", "implementation",
    "learning_improvement", "value_generation",
]
PROJECT_TYPES = ("city_government", "institution", "corporation")


@pytest.fixture(scope="module")
def seoul() -> Program:
    return load_program(seoul_program_path())


@pytest.fixture(scope="module")
def open_data() -> Program:
    return load_program(DATA / "open_data_award.toml")


def served_pairs(program: Program) -> list[tuple[str, str]]:
    return [(c, t) for f in program.forms for c in f.categories for t in f.applicant_types]


# ---------------------------------------------------------------------------- Seoul


def test_seoul_file_ships_in_the_package():
    path = seoul_program_path()
    assert path.is_file()
    assert path.parent.name == "programs"
    assert path.parent.parent.name == "judging"


def test_seoul_identity(seoul):
    assert seoul.key == "seoul-smart-city-prize"
    assert seoul.name == "Seoul Smart City Prize"
    assert seoul.short_code == "SSCP"
    assert seoul.organiser == ("WeGO (World Smart Sustainable Cities Organization) "
                               "and the Seoul Metropolitan Government")
    assert seoul.time_zone == "Asia/Seoul"
    assert seoul.ranking_method == "calibrated"
    assert seoul.source == str(seoul_program_path())
    assert "accompanies the vulnerable" in seoul.description


def test_seoul_has_21_award_slots_in_4_categories(seoul):
    assert [(c.key, c.code, c.name) for c in seoul.categories] == [
        ("human_centricity", "HC", "Human-CentriCity"),
        ("tech_innovacity", "TI", "Tech-InnovaCity"),
        ("leadership", "LD", "Leadership"),
        ("special_mention", "SM", "Special Mention"),
    ]
    assert [c.award_slots for c in seoul.categories] == [8, 8, 2, 3]
    assert sum(c.award_slots for c in seoul.categories) == 21


def test_seoul_applicant_types(seoul):
    assert [t.key for t in seoul.applicant_types] == [
        "city_government", "institution", "corporation", "individual"]
    assert all(t.label and t.description for t in seoul.applicant_types)
    assert seoul.categories_open_to("individual") == (seoul.category("leadership"),)
    assert [c.key for c in seoul.categories_open_to("corporation")] == [
        "human_centricity", "tech_innovacity"]


@pytest.mark.parametrize("key", ["human_centricity", "tech_innovacity"])
def test_seoul_project_category(seoul, key):
    category = seoul.category(key)
    assert category.entered
    assert category.applicant_types == PROJECT_TYPES
    assert [(t.key, t.name, t.slots, t.applicant_types) for t in category.tiers] == [
        ("gold", "Gold", 1, ("city_government",)),
        ("silver", "Silver", 2, ("city_government",)),
        ("bronze", "Bronze", 3, ("city_government",)),
        ("corporation", "Corporation Award", 1, ("corporation",)),
        ("institution", "Institution Award", 1, ("institution",)),
    ]
    assert [c.key for c in category.criteria] == PROJECT_CRITERIA
    assert category.main_criterion == "value_generation"


def test_seoul_leadership_and_special_mention(seoul):
    leadership = seoul.category("leadership")
    assert leadership.applicant_types == ("individual",)
    assert [(t.key, t.name, t.slots, t.applicant_types) for t in leadership.tiers] == [
        ("leadership", "Leadership Award", 2, ("individual",))]
    assert [c.key for c in leadership.criteria] == [
        "vision", "impact_on_citizens", "inclusiveness", "innovation", "cooperation"]
    assert leadership.main_criterion == "impact_on_citizens"

    mention = seoul.category("special_mention")
    everyone = ("city_government", "institution", "corporation", "individual")
    assert not mention.entered
    assert mention.applicant_types == everyone
    assert mention.criteria == ()
    assert mention.main_criterion is None
    assert [(t.key, t.slots, t.applicant_types) for t in mention.tiers] == [
        ("special_mention", 3, everyone)]


def test_seoul_criteria_have_equal_weights_and_described_levels(seoul):
    for category in seoul.categories:
        for criterion in category.criteria:
            assert criterion.weight == 1.0
            assert (criterion.scale_min, criterion.scale_max) == (1, 10)
            assert criterion.description
            bands = [(lv.min_score, lv.max_score) for lv in criterion.levels]
            assert bands == [(1, 2), (3, 4), (5, 6), (7, 8), (9, 10)]
            assert all(lv.label and lv.description for lv in criterion.levels)
    # each criterion describes its levels in its own words
    descriptions = [lv.description for c in seoul.category("human_centricity").criteria for lv in c.levels]
    assert len(set(descriptions)) == len(descriptions)


def test_seoul_every_entered_pair_has_exactly_one_form(seoul):
    assert len(seoul.forms) == 5
    pairs = served_pairs(seoul)
    expected = {(c.key, t) for c in seoul.categories if c.entered for t in c.applicant_types}
    assert len(expected) == 7
    assert sorted(pairs) == sorted(expected)
    for category_key, type_key in expected:
        assert seoul.form_for(category_key, type_key).required_attachments == 1
    with pytest.raises(KeyError):
        seoul.form_for("special_mention", "city_government")


def test_seoul_forms_have_title_and_summary(seoul):
    for form in seoul.forms:
        keys = [f.key for f in form.fields]
        assert len(keys) == len(set(keys)), form.key
        title = next(f for f in form.fields if f.key == "title")
        assert title.kind == "text" and title.required
        assert "summary" in keys
        for field in form.fields:
            if field.kind in ("text", "textarea"):
                assert field.word_limit, (form.key, field.key)


def test_seoul_project_forms_differ_by_category_and_applicant(seoul):
    hc_city = seoul.form_for("human_centricity", "city_government")
    hc_org = seoul.form_for("human_centricity", "corporation")
    ti_city = seoul.form_for("tech_innovacity", "city_government")
    ti_org = seoul.form_for("tech_innovacity", "institution")
    assert len({hc_city.key, hc_org.key, ti_city.key, ti_org.key}) == 4
    assert seoul.form_for("human_centricity", "institution") is hc_org

    def keys(form):
        return {f.key for f in form.fields}

    for form in (hc_city, hc_org, ti_city, ti_org):
        assert [s.key for s in form.sections][0] == "overview"
        overview = {f.key: f for f in form.sections[0].fields}
        assert overview["summary"].word_limit == 150
        assert overview["website"].kind == "url" and not overview["website"].required
        assert {"problem", "solution", "budget", "implementation", "monitoring", "outcomes",
                "partners"} <= keys(form)
    assert "vulnerable_groups" in keys(hc_city) and "vulnerable_groups" not in keys(ti_city)
    assert "technology" in keys(ti_org) and "technology" not in keys(hc_org)
    assert "cities" in keys(hc_org) and "cities" not in keys(hc_city)


def test_seoul_leadership_form(seoul):
    form = seoul.form_for("leadership", "individual")
    assert form.required_attachments == 1
    assert {"title", "summary", "office", "vision", "track_record", "impact_on_citizens",
            "inclusiveness", "cooperation"} <= {f.key for f in form.fields}


def test_seoul_rounds_tie_break_conflicts_signatories(seoul):
    assert [(r.number, r.name, r.judges_per_entry, r.finalist_share) for r in seoul.rounds] == [
        (1, "Round 1: online evaluation", 3, 0.2),
        (2, "Round 2: final evaluation", 5, None),
    ]
    assert seoul.tie_break == ("score", "raw_mean", "count_back", "main_criterion")
    rules = seoul.conflict_rules
    assert (rules.same_city, rules.same_country, rules.same_organisation) == (True, True, True)
    assert [(s.name, s.title) for s in seoul.signatories] == [
        ("Oh Se-hoon", "Mayor of Seoul, President of WeGO"),
        ("Park Jung-sook", "Secretary General, WeGO"),
    ]


# ---------------------------------------------------------------------------- a second program


def test_second_program_loads_and_differs(open_data, seoul):
    p = open_data
    assert p.key == "open-data-award" and p.short_code == "ODA24"
    assert p.time_zone == "Europe/Oslo"
    assert p.ranking_method == "z"
    assert [t.key for t in p.applicant_types] == ["student", "team"]
    assert [c.key for c in p.categories] == ["civic_apps", "data_journalism"]
    assert all(c.entered for c in p.categories)
    assert [(r.number, r.judges_per_entry, r.finalist_share) for r in p.rounds] == [(1, 4, None)]
    assert p.tie_break == ("score", "raw_mean")
    assert (p.conflict_rules.same_city, p.conflict_rules.same_country,
            p.conflict_rules.same_organisation) == (False, False, True)
    assert p.signatories[0].name == "Ingrid Solberg"
    assert p != seoul
    assert {t.key for t in p.applicant_types}.isdisjoint({t.key for t in seoul.applicant_types})


def test_second_program_criteria(open_data):
    apps = open_data.category("civic_apps")
    assert [(c.key, c.weight, c.scale_min, c.scale_max) for c in apps.criteria] == [
        ("usefulness", 3.0, 0, 5), ("data_quality", 2.0, 0, 5), ("openness", 0.5, 0, 5)]
    assert isinstance(apps.criterion("data_quality").weight, float)  # written as 2 in the file
    assert [lv.description for lv in apps.criterion("openness").levels] == [
        "Closed.", "Partly open.", "Fully open and documented."]
    assert apps.main_criterion is None  # this tie-break does not use it
    journalism = open_data.category("data_journalism")
    assert [c.weight for c in journalism.criteria] == [2.5, 1.5, 1.0]
    assert all(c.levels == () for c in journalism.criteria)


def test_second_program_tiers_and_single_form(open_data):
    apps = open_data.category("civic_apps")
    # a tier without applicant_types is open to every type of its category
    assert [(t.key, t.slots, t.applicant_types) for t in apps.tiers] == [
        ("winner", 1, ("student", "team")), ("student_prize", 1, ("student",))]
    assert sum(c.award_slots for c in open_data.categories) == 4
    (form,) = open_data.forms
    assert sorted(served_pairs(open_data)) == sorted(
        (c, t) for c in ("civic_apps", "data_journalism") for t in ("student", "team"))
    assert open_data.form_for("data_journalism", "team") is form
    assert form.required_attachments == 0
    kinds = {f.key: f.kind for f in form.fields}
    assert kinds == {"title": "text", "summary": "text", "link": "url", "datasets": "textarea",
                     "licence": "select", "email": "email", "team_size": "number"}


# ---------------------------------------------------------------------------- storage


@pytest.mark.parametrize("name", ["seoul", "open_data"])
def test_round_trip_through_dict_and_json(name, request):
    program = request.getfixturevalue(name)
    data = program_to_dict(program)
    assert program_from_dict(data) == program
    text = json.dumps(data, ensure_ascii=False)
    assert program_from_dict(json.loads(text)) == program


def test_dict_shape(seoul):
    data = program_to_dict(seoul)
    assert data["key"] == "seoul-smart-city-prize"
    assert data["categories"][0]["tiers"][0] == {
        "key": "gold", "name": "Gold", "slots": 1, "applicant_types": ["city_government"]}
    assert data["rounds"][1]["finalist_share"] is None
    assert data["conflict_rules"] == {"same_city": True, "same_country": True, "same_organisation": True}


def test_from_dict_accepts_whole_numbers_for_weights(open_data):
    data = json.loads(json.dumps(program_to_dict(open_data)))
    data["categories"][0]["criteria"][1]["weight"] = 2  # as a JSON store may give it back
    restored = program_from_dict(data)
    assert restored == open_data
    assert isinstance(restored.categories[0].criteria[1].weight, float)


def test_from_dict_fills_defaults_and_rejects_garbage(open_data):
    data = program_to_dict(open_data)
    del data["description"]
    del data["signatories"]
    restored = program_from_dict(data)
    assert restored == replace(open_data, description="", signatories=())

    with pytest.raises(ProgramError, match="Unknown key"):
        program_from_dict({**program_to_dict(open_data), "surprise": 1})
    broken = program_to_dict(open_data)
    broken["rounds"][0]["judges_per_entry"] = "four"
    with pytest.raises(ProgramError, match=r"rounds\[0\]\.judges_per_entry: Expected an integer"):
        program_from_dict(broken)
    missing = program_to_dict(open_data)
    del missing["categories"][0]["code"]
    with pytest.raises(ProgramError, match=r"categories\[0\]\.code: Required key is missing"):
        program_from_dict(missing)


def test_load_program_text_names_its_source():
    text = (DATA / "open_data_award.toml").read_text(encoding="utf-8")
    program = load_program_text(text)
    assert program.source == "<string>"
    assert program == replace(load_program(DATA / "open_data_award.toml"), source="<string>")
