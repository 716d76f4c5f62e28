"""The secretariat's forms: one class per action (Flask-WTF: CSRF on every POST)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# ----- edition set-up --------------------------------------------------------------------------
class RoundSettingsForm(Form):
    """One round's settings (a sub-form: the outer form carries the CSRF token)."""

    number = HiddenField()
    judges_per_entry = IntegerField("Judges per entry",
                                    validators=[InputRequired(), NumberRange(1, 50)])
    finalist_share = DecimalField("Finalists (% of the round's entries)", places=1,
                                  validators=[Optional(), NumberRange(0.1, 100)],
                                  description="Empty for the last round.")
    review_deadline_at = DateTimeLocalField("Reviews due", format=LOCAL_FORMAT,
                                            validators=[Optional()])


class EditionSettingsForm(FlaskForm):
    opens_at = DateTimeLocalField("Call opens", format=LOCAL_FORMAT, validators=[Optional()])
    deadline_at = DateTimeLocalField("Submission deadline", format=LOCAL_FORMAT,
                                     validators=[Optional()])
    ceremony_date = DateField("Ceremony date", validators=[Optional()])
    ceremony_place = StringField("Ceremony place", validators=[Optional(), Length(max=200)])
    ranking_method = SelectField("Ranking method", validators=[DataRequired()])
    certify_finalists = BooleanField("Issue certificates to finalists too")
    rounds = FieldList(FormField(RoundSettingsForm))
    reason = TextAreaField("Reason for the change", validators=[Optional(), Length(max=2000)],
                           description="Required once the call is open; recorded with the "
                                       "old and new values.")
    submit = SubmitField("Save settings")


# ----- screening -------------------------------------------------------------------------------
class ScreeningDecisionForm(FlaskForm):
    decision = HiddenField(validators=[AnyOf(("eligible", "ineligible", "clarification"))])
    reason = TextAreaField("Reason", validators=[Optional(), Length(max=4000)])
    deadline = DateTimeLocalField("Answer due", format=LOCAL_FORMAT, validators=[Optional()])
    submit = SubmitField("Record decision")


class CsvUploadForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file.")])
    submit = SubmitField("Import")


# ----- judges ----------------------------------------------------------------------------------
class InviteJudgeForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    organisation = StringField("Organisation", validators=[Optional(), Length(max=200)])
    city = StringField("City", validators=[Optional(), Length(max=120)])
    country = SelectField("Country", validators=[DataRequired("Choose the judge's country.")])
    expertise = StringField("Expertise", validators=[Optional(), Length(max=300)],
                            description="e.g. energy, digital economy, disaster management")
    categories = MultiCheckboxField("Categories judged",
                                    description="None ticked: all categories.")
    submit = SubmitField("Invite judge")


class MemberCategoriesForm(FlaskForm):
    categories = MultiCheckboxField("Categories judged")
    submit = SubmitField("Save categories")


class RemoveMemberForm(FlaskForm):
    submit = SubmitField("Remove from panel")


# ----- conflicts -------------------------------------------------------------------------------
class WaiveConflictForm(FlaskForm):
    reason = TextAreaField("Reason for the waiver",
                           validators=[DataRequired("Say why the conflict is waived."),
                                       Length(max=2000)])
    submit = SubmitField("Waive")


# ----- assignment ------------------------------------------------------------------------------
class AssignForm(FlaskForm):
    per_entry = IntegerField("Judges per entry", validators=[InputRequired(), NumberRange(1, 50)])
    seed = IntegerField("Seed", default=0, validators=[InputRequired(), NumberRange(0, 2**31 - 1)])
    submit = SubmitField("Assign judges")


class AddJudgeForm(FlaskForm):
    # The service checks the judge (panel, category, conflict, duplicate) and says why not.
    judge = SelectField("Judge", coerce=int, validate_choice=False,
                        validators=[InputRequired("Choose a judge.")])
    submit = SubmitField("Add judge")


class RemoveAssignmentForm(FlaskForm):
    reason = StringField("Reason", validators=[Optional(), Length(max=500)])
    submit = SubmitField("Remove")


# ----- progress and outbox ---------------------------------------------------------------------
class RemindForm(FlaskForm):
    submit = SubmitField("Remind judges with open reviews")


class SendOutboxForm(FlaskForm):
    submit = SubmitField("Send now")
