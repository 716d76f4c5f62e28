"""Forms of the ranking and decision pages: one class per action."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class CloseRoundForm(FlaskForm):
    """Close a round: reviews lock; a shortlisting round shortlists the finalists."""

    confirm = BooleanField(
        "I have checked the ranking: close the round now",
        validators=[DataRequired("Tick the box to confirm; closing cannot be undone.")],
    )


class OpenRoundForm(FlaskForm):
    """Open the next round (its entries are then assigned to judges)."""


class AllocateForm(FlaskForm):
    """Propose (or propose again) the award allocation from the final ranking."""

    confirm = BooleanField(
        "Replace the current proposal (and any override) with a new one from the ranking",
        validators=[DataRequired("Tick the box to confirm.")],
    )


class MentionRowForm(Form):
    """One special mention: an entry, its theme and (optionally) a partner."""

    entry = SelectField("Entry", choices=[], validate_choice=True, default="")
    theme = StringField("Theme", validators=[Length(max=200)],
                        description="What the mention recognises, e.g. 'Digital inclusion'.")
    partner = StringField("Partner", validators=[Optional(), Length(max=200)],
                          description="The partner organisation presenting it, if any.")

    def validate_theme(self, field):
        from wtforms.validators import ValidationError

        if self.entry.data and not (field.data or "").strip():
            raise ValidationError("Give the theme of this mention.")


class SpecialMentionsForm(FlaskForm):
    """The committee's special mentions (empty rows leave their slot vacant)."""

    mentions = FieldList(FormField(MentionRowForm), min_entries=3, max_entries=3)

    def validate_mentions(self, field):
        from wtforms.validators import ValidationError

        chosen = [row.entry.data for row in field if row.entry.data]
        if len(chosen) != len(set(chosen)):
            raise ValidationError("An entry can be named only once.")


class SlotChangeForm(FlaskForm):
    entry = SelectField("Entry for this slot", choices=[], validate_choice=True, default="",
                        description="Choose 'Leave vacant' to record the slot as not awarded.")
    theme = StringField("Theme (special mentions)", validators=[Optional(), Length(max=200)])
    partner = StringField("Partner (special mentions)", validators=[Optional(), Length(max=200)])
    reason = TextAreaField(
        "Reason", validators=[DataRequired("Write the reason; it is recorded."), Length(max=4000)],
        description="Recorded with the decision and shown to the secretariat.",
    )


class OverrideForm(SlotChangeForm):
    """The chair overrides a proposed slot before approval (reason required)."""


class CorrectionForm(SlotChangeForm):
    """The chair corrects an approved decision: a new decision supersedes it (reason required)."""
