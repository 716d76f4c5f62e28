from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField("Keep me signed in on this computer")
    submit = SubmitField("Sign in")


class LogoutForm(FlaskForm):
    submit = SubmitField("Sign out")


# ----- registration and password reset (applicants) ----------------------------------------
PASSWORD_HELP = "At least 10 characters. A few unrelated words make a strong password."


class RegistrationForm(FlaskForm):
    """Choices of country, applicant type and time zone are set by the view."""

    name = StringField("Your name", validators=[DataRequired("Enter your name."), Length(max=200)],
                       render_kw={"autocomplete": "name"},
                       description="The person who will manage the entries, e.g. Kim Ji-won.")
    email = EmailField("Email", validators=[DataRequired("Enter your email address."),
                                            Email("Enter a valid email address."), Length(max=254)],
                       render_kw={"autocomplete": "email"},
                       description="You sign in with it; receipts and messages are sent to it.")
    organisation = StringField(
        "Organisation", validators=[DataRequired("Enter the name of your organisation."),
                                    Length(max=200)],
        render_kw={"autocomplete": "organization"},
        description="In Latin script, e.g. Seoul Metropolitan Government. Individuals: your "
                    "office, e.g. Municipality of Cuenca.")
    city = StringField("City", validators=[DataRequired("Enter your city."), Length(max=120)],
                       render_kw={"autocomplete": "address-level2"},
                       description="In Latin script, e.g. Seoul.")
    country = SelectField("Country", validators=[DataRequired("Choose your country.")],
                          validate_choice=False)
    applicant_type = RadioField("Applicant type",
                                validators=[DataRequired("Choose the kind of applicant you are.")],
                                validate_choice=False)
    time_zone = SelectField("Your time zone (optional)", validators=[Optional()],
                            validate_choice=False,
                            description="Deadlines are always shown in Korea time too. Leave "
                                        "empty to use your browser's time zone.")
    password = PasswordField("Password", validators=[
        DataRequired("Choose a password."),
        Length(min=10, max=200, message="Choose a password of at least 10 characters.")],
        render_kw={"autocomplete": "new-password"}, description=PASSWORD_HELP)
    password_again = PasswordField("Password again", validators=[
        DataRequired("Type the password again."),
        EqualTo("password", message="The two passwords are not the same.")],
        render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Register")


class PasswordResetRequestForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email address."),
                                            Email("Enter a valid email address."), Length(max=254)],
                       render_kw={"autocomplete": "email"},
                       description="The address you registered with.")
    submit = SubmitField("Send me a link")


class PasswordResetForm(FlaskForm):
    password = PasswordField("New password", validators=[
        DataRequired("Choose a password."),
        Length(min=10, max=200, message="Choose a password of at least 10 characters.")],
        render_kw={"autocomplete": "new-password"}, description=PASSWORD_HELP)
    password_again = PasswordField("New password again", validators=[
        DataRequired("Type the password again."),
        EqualTo("password", message="The two passwords are not the same.")],
        render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Set the new password")
