"""Portal forms of the payments app."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import PaymentsErrorCode


class BankChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.application.name


def _megabytes() -> int:
    return settings.STATEMENT_MAX_BYTES // (1024 * 1024)


class StatementUploadForm(forms.Form):
    """A partner bank's camt.053 statement of the hub's accounts, for reconciliation."""

    bank = BankChoiceField(queryset=None, label=gettext_lazy("Partner bank"), empty_label=None)
    file = forms.FileField(label=gettext_lazy("Statement (camt.053 XML)"))

    def __init__(self, *args, banks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank"].queryset = banks
        self.fields["file"].help_text = _(
            "ISO 20022 camt.053.001.08 or .001.02, as the bank sends it; up to %(mb)s MB."
        ) % {"mb": _megabytes()}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.STATEMENT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.") % {"mb": _megabytes()},
                code=PaymentsErrorCode.STATEMENT_TOO_LARGE,
            )
        return upload
