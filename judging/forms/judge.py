"""Forms of the judge's pages: terms, conflict declaration, the scoring form (built from the
category's criteria), and the secretariat's reopening of a review."""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from judging.forms import widgets
from judging.models import Criterion
from judging.services.reviews import COMMENT_MAX, OVERALL_MAX, THEME_MAX


class TermsForm(FlaskForm):
    accept = BooleanField(
        "I have read these terms and I accept them.",
        validators=[DataRequired(message="Tick the box to accept the terms.")],
    )
    submit = SubmitField("Accept and continue")


class DeclarationForm(FlaskForm):
    has_conflict = RadioField(
        "Do you have a conflict of interest with this entry?",
        choices=[
            SelectChoice("no", "No: I have no conflict of interest with this entry."),
            SelectChoice("yes", "Yes: I have a conflict of interest, and I step back from this "
                                "entry."),
        ],
        validators=[InputRequired(message="Choose one of the two answers.")],
    )
    reason = TextAreaField(
        "If you have a conflict, what is it?",
        description="For example: I advised this project; I work for the applicant; a close "
                    "relative leads it. Only the secretariat sees this.",
        validators=[Length(max=2000)],
    )
    submit = SubmitField("Confirm my declaration")

    def validate_reason(self, field):
        if self.has_conflict.data == "yes" and not (field.data or "").strip():
            raise ValidationError("Say briefly what the conflict is.")


class ScoreField(StringField):
    """A criterion's score: empty (not scored yet) or a whole number within the scale.
    Rendered as radio buttons by the template; checked here whatever the browser sent."""

    def __init__(self, label=None, *, scale_min: int, scale_max: int, **kwargs):
        super().__init__(label, **kwargs)
        self.scale_min = scale_min
        self.scale_max = scale_max

    def process_formdata(self, valuelist):
        self.data = (valuelist[0] if valuelist else "").strip()

    @property
    def choices(self) -> range:
        return range(self.scale_min, self.scale_max + 1)

    @property
    def score(self) -> int | None:
        """The score as a number; None when empty or not valid."""
        text = (self.data or "").strip()
        if not text:
            return None
        try:
            value = int(text)
        except ValueError:
            return None
        return value if self.scale_min <= value <= self.scale_max else None

    def radios(self, *, editable: bool) -> Markup:
        """The radio buttons of the scale, "not scored yet" first, the current score checked
        (built here, not in the template: a scoring page has dozens of them)."""
        name, fid = escape(self.name), escape(self.id)
        current = self.score
        off = "" if editable else " disabled"
        html = [f'<input type="radio" class="btn-check" name="{name}" id="{fid}-none" value="" '
                f'autocomplete="off"{" checked" if current is None else ""}{off}>'
                f'<label class="btn btn-outline-secondary btn-sm" for="{fid}-none" '
                'title="Not scored yet">–<span class="visually-hidden"> not scored yet</span>'
                '</label>']
        for v in self.choices:
            html.append(f'<input type="radio" class="btn-check" name="{name}" id="{fid}-{v}" '
                        f'value="{v}" autocomplete="off"{" checked" if current == v else ""}{off}>'
                        f'<label class="btn btn-outline-primary btn-sm" for="{fid}-{v}">{v}</label>')
        # The name and id are escaped above; everything else is a number or a constant.
        return Markup("\n".join(html))  # nosec B704

    def pre_validate(self, form):
        text = (self.data or "").strip()
        if text and self.score is None:
            raise ValidationError(
                f"The score must be a whole number from {self.scale_min} to {self.scale_max}.")


class ReviewFormBase(FlaskForm):
    """The fields every scoring form has; review_form_class() adds one score and one comment
    per criterion (score_<key>, comment_<key>). Its CSRF token is checked once, before the
    form is read, by the view's signed_in_post (csrf.protect()), not a second time here."""

    class Meta:
        csrf = False

    overall_comment = TextAreaField(
        "Overall comment",
        description="Required to submit. The strengths and weaknesses that decided your "
                    "scores; the committee reads it at deliberation.",
        validators=[Optional(), Length(max=OVERALL_MAX)],
        widget=widgets.TextArea(),
    )
    special_mention = BooleanField("Recommend this entry for a Special Mention",
                                   widget=widgets.CheckboxInput())
    special_mention_theme = StringField(
        "Theme of the Special Mention",
        description="For example: inclusion of older citizens, climate resilience, "
                    "digital public services.",
        validators=[Optional(), Length(max=THEME_MAX)],
        widget=widgets.TextInput(),
    )
    confirm_submit = BooleanField("I have finished: submit my review. It is locked once submitted.",
                                  widget=widgets.CheckboxInput())
    version = HiddenField(widget=widgets.HiddenInput())

    criterion_keys: tuple[str, ...] = ()

    def score_field(self, criterion: Criterion) -> ScoreField:
        return self[f"score_{criterion.key}"]

    def comment_field(self, criterion: Criterion):
        return self[f"comment_{criterion.key}"]

    def values(self) -> dict[str, object]:
        """The cleaned values by field name (scores as numbers or None)."""
        values: dict[str, object] = {
            "overall_comment": self.overall_comment.data or "",
            "special_mention": bool(self.special_mention.data),
            "special_mention_theme": self.special_mention_theme.data or "",
            "version": (self.version.data or "").strip(),
        }
        for key in self.criterion_keys:
            values[f"score_{key}"] = self[f"score_{key}"].score
            values[f"comment_{key}"] = self[f"comment_{key}"].data or ""
        return values

    def validate_version(self, field):
        if (field.data or "").strip() and not field.data.strip().isdigit():
            raise ValidationError("The form's version is damaged; reload the page.")


def review_form_class(criteria: Sequence[Criterion]) -> type[ReviewFormBase]:
    """A scoring form class for a category's criteria (one class per set of criteria, made
    once per process: the fields depend only on the criteria's keys, names and scales)."""
    return _review_form_class(tuple((c.key, c.name, c.scale_min, c.scale_max) for c in criteria))


@lru_cache(maxsize=64)
def _review_form_class(criteria: tuple[tuple[str, str, int, int], ...]) -> type[ReviewFormBase]:
    attrs: dict[str, object] = {"criterion_keys": tuple(key for key, *_ in criteria)}
    for key, name, scale_min, scale_max in criteria:
        attrs[f"score_{key}"] = ScoreField(
            f"Score for {name}", scale_min=scale_min, scale_max=scale_max)
        attrs[f"comment_{key}"] = TextAreaField(
            f"Comment on {name} (optional)", validators=[Optional(), Length(max=COMMENT_MAX)],
            widget=widgets.TextArea())
    return type("ReviewForm", (ReviewFormBase,), attrs)


class ReopenForm(FlaskForm):
    reason = TextAreaField(
        "Why is the review reopened?",
        description="Recorded in the audit trail; the judge is told.",
        validators=[DataRequired(message="Give the reason for reopening the review."),
                    Length(max=2000)],
    )
    submit = SubmitField("Reopen the review")
