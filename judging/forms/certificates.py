"""Forms of the certificate pages: one class per action."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

MISSING_FONTS_LABEL = ("Issue anyway: I have checked that the characters listed above may be "
                       "shown with the reader's own fonts")


class IssueAllForm(FlaskForm):
    """Issue every certificate of the edition that is not yet issued (or is out of date)."""

    confirm_missing_fonts = BooleanField(MISSING_FONTS_LABEL)


class IssueForm(FlaskForm):
    """Issue (or re-issue after a correction) the certificate of one entry."""

    entry_id = HiddenField(validators=[DataRequired()])
    confirm_missing_fonts = BooleanField(MISSING_FONTS_LABEL)
    reason = StringField("Reason (recorded when a new revision replaces the old one)",
                         validators=[Optional(), Length(max=500)])


class ReissueForm(FlaskForm):
    """Make a new revision of a valid certificate although nothing changed (e.g. a damaged
    print); the old one is revoked."""

    reason = TextAreaField("Why a new revision is needed",
                           validators=[DataRequired("Give the reason; it is recorded."),
                                       Length(max=500)])
    confirm_missing_fonts = BooleanField(MISSING_FONTS_LABEL)


class VerifyForm(FlaskForm):
    """The public check: type a certificate number (GET, nothing changes: no CSRF token)."""

    class Meta:
        csrf = False

    serial = StringField("Certificate number",
                         validators=[DataRequired("Type the number printed on the certificate."),
                                     Length(max=40, message="A certificate number is shorter.")],
                         description="Printed at the bottom right, e.g. SSCP-2024-7Q4M-X2KD.")
