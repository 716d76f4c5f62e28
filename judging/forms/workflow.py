from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class TransitionForm(FlaskForm):
    """Fires one workflow event; the reason is checked by the engine when the row requires it."""

    event = HiddenField(validators=[DataRequired(), Length(max=60)])
    reason = TextAreaField("Reason", validators=[Optional(), Length(max=4000)])
    submit = SubmitField("Go")
