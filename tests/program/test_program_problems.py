"""Broken program files: every problem is found, with its exact place and message.

Each case takes the small valid program in data/minimal.toml, makes one edit (replacing
the first occurrence of OLD with NEW) and states the complete list of problems expected.
"""
from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from judging.program.loader import ProgramError, ProgramProblem, load_program, load_program_text

DATA = Path(__file__).parent / "data"
BASE = (DATA / "minimal.toml").read_text(encoding="utf-8")

CASES = [
    # (id, old, new, [(path, message), ...])
    ("toml-syntax-error", 'name = "Tiny Prize"', "name = Tiny Prize",
     [("line 3, column 8", "TOML syntax error: Invalid value.")]),
    ("toml-key-given-twice", 'short_code = "TP"', 'short_code = "TP"\nshort_code = "TQ"',
     [("line 5, column 18", "TOML syntax error: Cannot overwrite a value.")]),
    ("unknown-key-typo", "weight = 2.0", "wieght = 2.0",
     [("categories[0].criteria[0].wieght", 'Unknown key "wieght" (did you mean "weight"?).'),
      ("categories[0].criteria[0].weight", "Required key is missing.")]),
    ("unknown-key-in-level", 'label = "Low"', 'label = "Low"\nsurprise = 1',
     [("categories[0].criteria[0].levels[0].surprise", 'Unknown key "surprise".')]),
    ("missing-required-key", 'organiser = "Tiny Foundation"\n', "",
     [("organiser", "Required key is missing.")]),
    ("empty-required-string", 'name = "Tiny Prize"', 'name = ""',
     [("name", "Must not be empty.")]),
    ("float-for-int", "judges_per_entry = 2", "judges_per_entry = 2.5",
     [("rounds[0].judges_per_entry", "Expected an integer, got a decimal number.")]),
    ("string-for-int", "slots = 1", 'slots = "one"',
     [("categories[0].tiers[0].slots", "Expected an integer, got a string.")]),
    ("string-for-bool", "entered = false", 'entered = "no"',
     [("categories[1].entered", "Expected true or false, got a string.")]),
    ("bool-for-float", "weight = 1.0", "weight = true",
     [("categories[0].criteria[1].weight", "Expected a number, got true/false.")]),
    ("nan-weight", "weight = 1.0", "weight = nan",
     [("categories[0].criteria[1].weight", "Expected a finite number.")]),
    ("string-for-list", 'applicant_types = ["city", "company"]', 'applicant_types = "city"',
     [("categories[0].applicant_types", "Expected an array of strings, got a string.")]),
    ("table-for-array-of-tables", '[[categories]]\nkey = "mobility"', '[categories]\nkey = "mobility"',
     [("line 67, column 13", "TOML syntax error: Cannot overwrite a value.")]),
    ("bad-program-key", 'key = "tiny-prize"', 'key = "Tiny Prize"',
     [("key", "Use lowercase letters, digits and hyphens.")]),
    ("bad-short-code", 'short_code = "TP"', 'short_code = "tp"',
     [("short_code", "Use 1-8 uppercase letters or digits.")]),
    ("category-code-too-long", 'code = "MOB"', 'code = "MOBILITY1"',
     [("categories[0].code", "Use 1-8 uppercase letters or digits.")]),
    ("duplicate-applicant-type", 'key = "company"\nlabel', 'key = "city"\nlabel',
     [("applicant_types[1].key", 'Duplicate applicant type key "city" (also at applicant_types[0].key).'),
      ("categories[0].applicant_types[1]", 'Unknown applicant type "company".'),
      ("categories[0].tiers[1].applicant_types[0]", 'Unknown applicant type "company".'),
      ("categories[1].applicant_types[1]", 'Unknown applicant type "company".'),
      ("forms[1].applicant_types[0]", 'Unknown applicant type "company".')]),
    ("duplicate-category-key", 'key = "honour"', 'key = "mobility"',
     [("categories[1].key", 'Duplicate category key "mobility" (also at categories[0].key).')]),
    ("duplicate-category-code", 'code = "HON"', 'code = "MOB"',
     [("categories[1].code", 'Duplicate category code "MOB" (also at categories[0].code).')]),
    ("duplicate-tier-key", 'key = "company_award"', 'key = "winner"',
     [("categories[0].tiers[1].key", 'Duplicate tier key "winner" (also at categories[0].tiers[0].key).')]),
    ("duplicate-criterion-key", 'key = "design"', 'key = "impact"',
     [("categories[0].criteria[1].key",
       'Duplicate criterion key "impact" (also at categories[0].criteria[0].key).')]),
    ("tier-type-not-in-category", 'applicant_types = ["company"]', 'applicant_types = ["university"]',
     [("categories[0].tiers[1].applicant_types[0]",
       'Category "mobility" does not accept applicant type "university".')]),
    ("slots-zero", "slots = 2", "slots = 0",
     [("categories[1].tiers[0].slots", "Must be at least 1.")]),
    ("uncovered-pair", 'applicant_types = ["city", "company"]',
     'applicant_types = ["city", "company", "university"]',
     [("forms", 'No form serves category "mobility" for applicant type "university".')]),
    ("doubly-served-pair", 'applicant_types = ["company"]\nsections',
     'applicant_types = ["company", "city"]\nsections',
     [("forms[1]", 'Category "mobility" for applicant type "city" is already served by form "city_form".')]),
    ("form-type-not-accepted", 'applicant_types = ["company"]\nsections',
     'applicant_types = ["university"]\nsections',
     [("forms[1].applicant_types[0]", 'Category "mobility" does not accept applicant type "university".'),
      ("forms", 'No form serves category "mobility" for applicant type "company".')]),
    ("form-unknown-type", 'applicant_types = ["city"]\n\n[[forms.sections]]',
     'applicant_types = ["citizen"]\n\n[[forms.sections]]',
     [("forms[0].applicant_types[0]", 'Unknown applicant type "citizen".'),
      ("forms", 'No form serves category "mobility" for applicant type "city".')]),
    ("form-for-category-not-entered", 'categories = ["mobility"]', 'categories = ["mobility", "honour"]',
     [("forms[0].categories[1]", 'Category "honour" is not entered by applicants, so it has no form.')]),
    ("levels-with-gap", "min_score = 3", "min_score = 4",
     [("categories[0].criteria[0].levels", "Levels leave score 3 uncovered on the scale 1-5.")]),
    ("levels-overlap", "min_score = 3", "min_score = 2",
     [("categories[0].criteria[0].levels[1]", "Levels 1-2 and 2-5 overlap.")]),
    ("level-inside-another", 'min_score = 3\nmax_score = 5\nlabel = "High"',
     'min_score = 1\nmax_score = 5\nlabel = "All"\n[[categories.criteria.levels]]\n'
     'min_score = 3\nmax_score = 3\nlabel = "Mid"',
     [("categories[0].criteria[0].levels[1]", "Levels 1-2 and 1-5 overlap."),
      ("categories[0].criteria[0].levels[2]", "Levels 1-5 and 3-3 overlap.")]),
    ("level-outside-scale", 'label = "High"',
     'label = "High"\n[[categories.criteria.levels]]\nmin_score = 6\nmax_score = 7\nlabel = "Beyond"',
     [("categories[0].criteria[0].levels[2]", "Level 6-7 lies outside the scale 1-5.")]),
    ("unknown-level-set", "scale_max = 5\n\n[[categories]]", 'scale_max = 5\nlevel_set = "nope"\n\n[[categories]]',
     [("categories[0].criteria[1].level_set", 'Unknown level set "nope".')]),
    ("weight-zero", "weight = 2.0", "weight = 0",
     [("categories[0].criteria[0].weight", "Must be greater than 0.")]),
    ("scale-min-not-below-max", "scale_max = 5", "scale_max = 1",
     [("categories[0].criteria[0].scale_max", "Must be greater than scale_min (1).")]),
    ("bad-time-zone-typo", "Europe/Dublin", "Europe/Dublim",
     [("time_zone", 'Unknown time zone "Europe/Dublim" (did you mean "Europe/Dublin"?).')]),
    ("bad-time-zone", "Europe/Dublin", "Mars/Olympus",
     [("time_zone", 'Unknown time zone "Mars/Olympus" (use an IANA name such as "Asia/Seoul").')]),
    ("bad-ranking-method", "tie_break", 'ranking_method = "median"\ntie_break',
     [("ranking_method", 'Unknown ranking method "median" (use raw, z, calibrated).')]),
    ("bad-tie-break-step", '"raw_mean", "main', '"coin_toss", "main',
     [("tie_break[1]", 'Unknown tie-break step "coin_toss" (use score, raw_mean, count_back, main_criterion).')]),
    ("tie-break-order-and-repeat", '["score", "raw_mean", "main_criterion"]', '["raw_mean", "score", "score"]',
     [("tie_break[0]", 'The first step must be "score".'),
      ("tie_break[2]", 'Step "score" is repeated.')]),
    ("tie-break-empty", '["score", "raw_mean", "main_criterion"]', "[]",
     [("tie_break", 'Give at least one step, starting with "score".')]),
    ("finalist-share-on-last-round", "judges_per_entry = 3", "judges_per_entry = 3\nfinalist_share = 0.1",
     [("rounds[1].finalist_share", "The last round has no finalists: remove finalist_share.")]),
    ("finalist-share-missing", "finalist_share = 0.5\n", "",
     [("rounds[0].finalist_share",
       "Required for every round but the last: the share of entries that go on to the next round.")]),
    ("finalist-share-above-one", "finalist_share = 0.5", "finalist_share = 1.5",
     [("rounds[0].finalist_share", "Must be greater than 0 and at most 1.")]),
    ("rounds-out-of-order", "number = 2", "number = 3",
     [("rounds[1].number", "Rounds must be numbered 1, 2, ... in order: expected 2, found 3.")]),
    ("judges-zero", "judges_per_entry = 2", "judges_per_entry = 0",
     [("rounds[0].judges_per_entry", "Must be at least 1.")]),
    ("main-criterion-unknown", 'main_criterion = "impact"', 'main_criterion = "impakt"',
     [("categories[0].main_criterion",
       'Category "mobility" has no criterion "impakt" (criteria: impact, design).')]),
    ("main-criterion-needed-by-tie-break", 'main_criterion = "impact"\n', "",
     [("categories[0].main_criterion", 'Required because tie_break uses "main_criterion".')]),
    ("criteria-and-criteria-set", 'main_criterion = "impact"', 'main_criterion = "impact"\ncriteria_set = "x"',
     [("categories[0].criteria_set", "Give either criteria or criteria_set, not both.")]),
    ("not-entered-with-criteria", "entered = false", 'entered = false\ncriteria_set = "x"',
     [("categories[1].criteria_set", "A category that is not entered (entered = false) has no criteria.")]),
    ("unknown-field-kind", 'kind = "text"', 'kind = "texta"',
     [("sections.basics.fields[0].kind",
       'Unknown field kind "texta" (use text, textarea, url, number, select, email).')]),
    ("word-limit-zero", "word_limit = 100", "word_limit = 0",
     [("sections.basics.fields[1].word_limit", "Must be at least 1.")]),
    ("select-without-choices", 'label = "Your plan"', 'label = "Your plan"\nkind = "select"',
     [("forms[0].sections[1].fields[0].word_limit", "Only text and textarea fields have a word limit."),
      ("forms[0].sections[1].fields[0].choices", "A select field needs choices.")]),
    ("choices-on-textarea", 'label = "Your plan"', 'label = "Your plan"\nchoices = ["a"]',
     [("forms[0].sections[1].fields[0].choices", "Only select fields have choices.")]),
    ("optional-title", 'kind = "text"', 'kind = "text"\nrequired = false',
     [("sections.basics.fields[0].required", 'The "title" field must be required.')]),
    ("unknown-shared-section", 'sections = ["basics"]', 'sections = ["basic"]',
     [("forms[1].sections[0]", 'Unknown shared section "basic" (did you mean "basics"?).')]),
    ("use-with-other-keys", 'use = "basics"', 'use = "basics"\ntitle = "B"',
     [("forms[0].sections[0]", 'A section with "use" takes no other keys.')]),
    ("form-without-summary", 'key = "summary"', 'key = "abstract"',
     [("forms[0].sections", 'The form has no "summary" field (every form needs one: the entry\'s summary).'),
      ("forms[1].sections", 'The form has no "summary" field (every form needs one: the entry\'s summary).')]),
    ("duplicate-field-across-sections", 'key = "plan"\nlabel', 'key = "title"\nlabel',
     [("forms[0].sections[1].fields[0].kind", 'The "title" field must be of kind "text".'),
      ("forms[0].sections[1].fields[0].key",
       'Duplicate field key "title" in this form (also in section "basics").')]),
]


def test_base_file_is_valid():
    program = load_program_text(BASE, "minimal.toml")
    assert program.key == "tiny-prize"
    assert program.source == "minimal.toml"


@pytest.mark.parametrize(("old", "new", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_program(old, new, expected):
    assert old in BASE, "the case must edit something in minimal.toml"
    with pytest.raises(ProgramError) as caught:
        load_program_text(BASE.replace(old, new, 1), "minimal.toml")
    assert caught.value.problems == [ProgramProblem(f"minimal.toml:{path}", message)
                                     for path, message in expected]


def test_every_problem_is_reported_at_once():
    with pytest.raises(ProgramError) as caught:
        load_program(DATA / "several_problems.toml")
    f = "several_problems.toml"
    assert [(p.place, p.message) for p in caught.value.problems] == [
        (f"{f}:time_zone", 'Unknown time zone "Asia/Seol" (did you mean "Asia/Seoul"?).'),
        (f"{f}:ranking_method", 'Unknown ranking method "median" (use raw, z, calibrated).'),
        (f"{f}:tie_break[1]",
         'Unknown tie-break step "coin_toss" (use score, raw_mean, count_back, main_criterion).'),
        (f"{f}:applicant_types[1].label", "Required key is missing."),
        (f"{f}:categories[0].tiers[0].slots", "Must be at least 1."),
        (f"{f}:categories[0].tiers[0].applicant_types[1]", 'Unknown applicant type "ngo".'),
        (f"{f}:categories[0].criteria[0].wieght", 'Unknown key "wieght" (did you mean "weight"?).'),
        (f"{f}:categories[0].criteria[0].weight", "Required key is missing."),
        (f"{f}:categories[0].criteria[0].levels", "Levels leave score 5 uncovered on the scale 1-10."),
        (f"{f}:forms", 'No form serves category "energy" for applicant type "startup".'),
        (f"{f}:rounds[0].finalist_share", "The last round has no finalists: remove finalist_share."),
    ]


def test_error_text_lists_one_problem_per_line():
    with pytest.raises(ProgramError) as caught:
        load_program(DATA / "several_problems.toml")
    lines = str(caught.value).splitlines()
    assert len(lines) == len(caught.value.problems) == 11
    assert lines[0] == ('several_problems.toml:time_zone: '
                        'Unknown time zone "Asia/Seol" (did you mean "Asia/Seoul"?).')


def test_empty_file_names_every_missing_key():
    with pytest.raises(ProgramError) as caught:
        load_program_text("", "empty.toml")
    assert [p.place for p in caught.value.problems] == [
        f"empty.toml:{key}" for key in ("key", "name", "short_code", "organiser", "time_zone",
                                         "tie_break", "applicant_types", "categories", "rounds")
    ]
    assert {p.message for p in caught.value.problems} == {"Required key is missing."}


def test_syntax_error_at_end_of_document():
    with pytest.raises(ProgramError) as caught:
        load_program_text('key = "x"\nname = "unfinished', "cut.toml")
    assert caught.value.problems == [
        ProgramProblem("cut.toml:end of document", "TOML syntax error: Unterminated string.")
    ]


def test_unreadable_file(tmp_path):
    with pytest.raises(ProgramError) as caught:
        load_program(tmp_path / "missing.toml")
    (problem,) = caught.value.problems
    assert problem.place == "missing.toml"
    assert problem.message.startswith("Cannot read the file")


def test_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "Beyoğlu"'.encode("utf-16"))
    with pytest.raises(ProgramError) as caught:
        load_program(path)
    assert caught.value.problems == [ProgramProblem("latin1.toml", "The file is not UTF-8 text.")]


def _with_criteria_set(set_text: str) -> str:
    """minimal.toml with the Mobility criteria replaced by a shared criteria set."""
    start = BASE.index("[[categories.criteria]]")
    end = BASE.index("[[categories]]", start)
    body = BASE[:start] + BASE[end:]
    body = body.replace('main_criterion = "impact"', 'main_criterion = "impact"\ncriteria_set = "shared"')
    return body + "\n" + set_text


SHARED_SET = '''
[level_sets.three]

[[level_sets.three.levels]]
min_score = 1
max_score = 2
label = "Low"

[[level_sets.three.levels]]
min_score = 3
max_score = 3
label = "Mid"

[[level_sets.three.levels]]
min_score = 4
max_score = 5
label = "High"

[criteria_sets.shared]
weight = 1.0
scale_min = 1
scale_max = 5
level_set = "three"

[[criteria_sets.shared.criteria]]
key = "impact"
name = "Impact"
description = "What changed."
level_descriptions = ["Little changed.", "Some change.", "A lot changed."]

[[criteria_sets.shared.criteria]]
key = "design"
name = "Design"
description = "How well it is built."
weight = 3.0
'''


def test_criteria_set_with_defaults_and_level_descriptions():
    program = load_program_text(_with_criteria_set(SHARED_SET), "set.toml")
    impact, design = program.category("mobility").criteria
    assert (impact.weight, impact.scale_min, impact.scale_max) == (1.0, 1, 5)
    assert [(lv.min_score, lv.max_score, lv.label, lv.description) for lv in impact.levels] == [
        (1, 2, "Low", "Little changed."), (3, 3, "Mid", "Some change."), (4, 5, "High", "A lot changed."),
    ]
    assert design.weight == 3.0
    assert [lv.description for lv in design.levels] == ["", "", ""]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('level_descriptions = ["Little changed.", "Some change.", "A lot changed."]',
         'level_descriptions = ["Little changed.", "A lot changed."]',
         [("criteria_sets.shared.criteria[0].level_descriptions",
           'Give one description per level of level set "three" (3), not 2.')]),
        ("scale_max = 5\nlevel_set", "scale_max = 6\nlevel_set",
         [("criteria_sets.shared.level_set", "Levels leave score 6 uncovered on the scale 1-6.")]),
        ("weight = 1.0\nscale_min", "weight = -1.0\nscale_min",
         [("criteria_sets.shared.weight", "Must be greater than 0.")]),
        ('level_set = "three"', 'level_set = "tree"',
         [("criteria_sets.shared.level_set", 'Unknown level set "tree" (did you mean "three"?).')]),
        ('criteria_set = "shared"', 'criteria_set = "sharde"',
         [("categories[0].criteria_set", 'Unknown criteria set "sharde" (did you mean "shared"?).')]),
        ("min_score = 3\nmax_score = 3", "min_score = 3\nmax_score = 2",
         [("level_sets.three.levels[1].max_score", "Must be at least min_score (3).")]),
    ],
    ids=["description-count", "set-scale-gap", "set-weight", "unknown-level-set", "unknown-criteria-set",
         "level-upside-down"],
)
def test_broken_criteria_set(old, new, expected):
    text = _with_criteria_set(SHARED_SET)
    assert old in text
    with pytest.raises(ProgramError) as caught:
        load_program_text(text.replace(old, new, 1), "set.toml")
    assert [(p.place, p.message) for p in caught.value.problems] == [
        (f"set.toml:{path}", message) for path, message in expected
    ]


def test_error_survives_pickling():
    with pytest.raises(ProgramError) as caught:
        load_program(DATA / "several_problems.toml")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert copy.problems == caught.value.problems
    assert str(copy) == str(caught.value)
