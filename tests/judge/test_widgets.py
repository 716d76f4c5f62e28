"""The fast widgets of the scoring form (forms/widgets.py) render exactly what WTForms'
own widgets render, for the same fields and arguments."""
from __future__ import annotations

import pytest
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, Form, HiddenField, StringField, TextAreaField
from wtforms import widgets as wtforms_widgets
from wtforms.validators import DataRequired, Length, Optional

from judging.forms import widgets
from judging.forms.judge import review_form_class

NASTY = 'He said "<b>1 & 2</b>" \'quoted\'\r\n  then left'


class Sample(Form):
    text = StringField("Text", validators=[DataRequired(), Length(min=0, max=20)])
    area = TextAreaField("Area", validators=[Optional(), Length(max=5000)])
    required_area = TextAreaField("Required area", validators=[DataRequired(), Length(min=2)])
    tick = BooleanField("Tick")
    hidden = HiddenField()


CASES = [
    ({}, "plain"),
    ({"class_": "form-control is-invalid", "rows": 2}, "class and rows"),
    ({"readonly": True, "aria_describedby": "x-error", "data_storage_key": 'k"1'}, "booleans"),
    ({"readonly": False, "disabled": True, "maxlength": 0}, "false and zero"),
    ({"class_": Markup('already "safe"')}, "markup value"),
]


@pytest.mark.parametrize("kwargs", [c[0] for c in CASES], ids=[c[1] for c in CASES])
@pytest.mark.parametrize("data", [{}, {"text": NASTY, "area": NASTY, "required_area": NASTY,
                                       "tick": "y", "hidden": NASTY}])
def test_fast_widgets_render_what_wtforms_renders(kwargs, data):
    form = Sample(MultiDict(data))
    form.validate()
    pairs = [
        (form.text, widgets.TextInput(), wtforms_widgets.TextInput()),
        (form.area, widgets.TextArea(), wtforms_widgets.TextArea()),
        (form.required_area, widgets.TextArea(), wtforms_widgets.TextArea()),
        (form.tick, widgets.CheckboxInput(), wtforms_widgets.CheckboxInput()),
        (form.hidden, widgets.HiddenInput(), wtforms_widgets.HiddenInput()),
    ]
    for field, fast, slow in pairs:
        assert fast(field, **kwargs) == slow(field, **kwargs), field.name
        assert isinstance(fast(field, **kwargs), Markup)


def test_html_params_matches_wtforms():
    from wtforms.widgets import html_params

    cases = [{"name": "a", "id": "b", "class_": "c"}, {"checked": True, "readonly": False},
             {"data_attr": "user.name", "aria_labeledby": "name"}, {"value": NASTY},
             {"value": Markup('<i>"x"</i>')}, {"value": 0}, {"value": None}]
    for case in cases:
        assert widgets.html_params(**case) == html_params(**case)


def test_the_scoring_form_classes_are_made_once_per_set_of_criteria():
    class C:
        def __init__(self, key, name, lo=0, hi=10):
            self.key, self.name, self.scale_min, self.scale_max = key, name, lo, hi

    first = review_form_class([C("impact", "Impact"), C("scale", "Scalability")])
    assert review_form_class([C("impact", "Impact"), C("scale", "Scalability")]) is first
    assert review_form_class([C("impact", "Impact"), C("scale", "Scalability", hi=5)]) \
        is not first
    assert first.criterion_keys == ("impact", "scale")
