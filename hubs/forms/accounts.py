from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from ..authentication import normalise_email


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form, labelled for e-mail sign-in."""

    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean_username(self):
        return normalise_email(self.cleaned_data["username"])

    error_messages = {
        "invalid_login": _(
            "That e-mail address and password do not match an account. The password is "
            "case-sensitive; the e-mail address is not."
        ),
        "inactive": _("This account is inactive. Contact your organisation's owner."),
    }


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        error_messages={
            "invalid_choice": _(
                "“%(value)s” is not a language of the hub. Choose English, "
                "Bahasa Malaysia or Simplified Chinese."
            ),
            "required": _("Choose a language."),
        },
    )
    next = forms.CharField(required=False)
