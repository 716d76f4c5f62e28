"""WTForms widgets with the same output as WTForms' own, built faster.

WTForms builds each attribute with Markup.format (a string.Formatter run per attribute); a
scoring page renders a dozen fields on every request, so the fields of the scoring form use
these instead. Same attributes, same order, same escaping (tests/judge/test_widgets.py
compares them with WTForms' widgets).
"""
from __future__ import annotations

from markupsafe import Markup, escape
from wtforms import widgets
from wtforms.widgets.core import clean_key


def html_params(**kwargs) -> str:
    """wtforms.widgets.html_params, as a plain string of escaped attributes."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = clean_key(key)
        if value is True:
            params.append(key)
        elif value is not False:
            params.append(f'{key}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return " ".join(params)


class TextInput(widgets.TextInput):
    html_params = staticmethod(html_params)


class HiddenInput(widgets.HiddenInput):
    html_params = staticmethod(html_params)


class CheckboxInput(widgets.CheckboxInput):
    html_params = staticmethod(html_params)


class TextArea(widgets.TextArea):
    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        flags = getattr(getattr(field, "flags", None), "__dict__", {})  # the flags set
        for name in self.validation_attrs:
            if name in flags and name not in kwargs:
                kwargs[name] = flags[name]
        params = html_params(name=field.name, **kwargs)
        # The attributes and the text are escaped.
        return Markup(f"<textarea {params}>\r\n{escape(field._value())}</textarea>")  # nosec B704
