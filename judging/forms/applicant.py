"""Forms of the applicant's portal. The entry form is generated from the program's form
definition (judging.program.schema.EntryForm); its answers are checked by
judging.program.answers on the server, not by WTForms validators, so that a draft may be
incomplete and the rules live in one place."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, Field, RadioField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, Optional

from judging.program.schema import EntryForm as EntryFormSpec
from judging.program.schema import FormField

ANSWER_PREFIX = "answer_"

APPLICANT_NAME_HELP = ("In Latin script, as it should appear on a certificate: the city government, "
                       "institution or company; for the Leadership category, the person.")
LOCAL_NAME_HELP = ("Optional. The same name in its own script, e.g. 서울특별시, Алматы, أبوظبي, "
                   "高雄市政府. Certificates show it next to the Latin name.")
CITY_LOCAL_HELP = "Optional. The city's name in its own script, e.g. 서울특별시, Алматы, 高雄."


class _ApplicantNames:
    """The three names an applicant may set on an entry (mixed into the forms below)."""

    applicant_name = StringField(
        "Applicant's name", description=APPLICANT_NAME_HELP,
        validators=[DataRequired("Enter the applicant's name, as it should appear on a certificate."),
                    Length(max=200)])
    applicant_name_local = StringField("Applicant's name in its own script",
                                       description=LOCAL_NAME_HELP, validators=[Length(max=200)])
    city_local = StringField("City name in its own script", description=CITY_LOCAL_HELP,
                             validators=[Length(max=120)])


class NewEntryForm(_ApplicantNames, FlaskForm):
    """The category choices are set by the view from what the applicant's type may enter."""

    category = RadioField("Category", validators=[DataRequired("Choose a category.")],
                          validate_choice=False)


class EntryEditForm(_ApplicantNames, FlaskForm):
    """Base of the generated entry form: names, one upload, the submission declaration.
    The answer fields are added by entry_form_class()."""

    file = FileField("Add a supporting document")
    confirm = BooleanField("I confirm that the information in this entry is accurate and that I "
                           "may submit it on behalf of the applicant.")


def _answer_field(spec: FormField) -> Field:
    kwargs = {"label": spec.label, "description": spec.help}
    if spec.kind == "textarea":
        return TextAreaField(render_kw={"rows": 8 if (spec.word_limit or 0) > 200 else 4}, **kwargs)
    if spec.kind == "url":
        return URLField(render_kw={"inputmode": "url", "placeholder": "https://"}, **kwargs)
    if spec.kind == "email":
        return EmailField(render_kw={"autocomplete": "email"}, **kwargs)
    if spec.kind == "number":
        return StringField(render_kw={"inputmode": "decimal"}, **kwargs)
    if spec.kind == "select":
        return SelectField(choices={"": "Choose one", **{c: c for c in spec.choices}},
                           validate_choice=False, **kwargs)
    return StringField(**kwargs)


def entry_form_class(spec: EntryFormSpec) -> type[EntryEditForm]:
    """A form class with one field per field of the program's entry form."""
    attrs = {ANSWER_PREFIX + f.key: _answer_field(f) for f in spec.fields}
    return type(f"EntryEditForm_{spec.key}", (EntryEditForm,), attrs)


def answer_field(form: EntryEditForm, key: str) -> Field:
    return form[ANSWER_PREFIX + key]


def answers_from(form: EntryEditForm, spec: EntryFormSpec) -> dict[str, str]:
    """The answers typed into the form, by field key (only the program's fields)."""
    return {f.key: (answer_field(form, f.key).data or "") for f in spec.fields}


class WithdrawForm(FlaskForm):
    confirm = BooleanField(
        "I understand that the entry will take no further part in this edition, and that "
        "withdrawing cannot be undone.",
        validators=[DataRequired("Tick the box to confirm that you want to withdraw the entry.")])
    reason = TextAreaField("Why are you withdrawing? (optional)", validators=[Optional(), Length(max=2000)],
                           description="The secretariat reads it; it helps them improve the prize.",
                           render_kw={"rows": 3})


class AccountForm(FlaskForm):
    """Country and time zone choices are set by the view."""

    name = StringField("Your name", validators=[DataRequired("Enter your name."), Length(max=200)],
                       render_kw={"autocomplete": "name"})
    organisation = StringField("Organisation", validators=[
        DataRequired("Enter the name of your organisation."), Length(max=200)],
        render_kw={"autocomplete": "organization"})
    city = StringField("City", validators=[DataRequired("Enter your city."), Length(max=120)],
                       render_kw={"autocomplete": "address-level2"})
    country = SelectField("Country", validators=[DataRequired("Choose your country.")],
                          validate_choice=False)
    time_zone = SelectField("Your time zone (optional)", validators=[Optional()],
                            validate_choice=False,
                            description="Deadlines are always shown in Korea time too. Leave "
                                        "empty to use your browser's time zone.")
