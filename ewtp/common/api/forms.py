"""Reuse a Django form's validation in the API: its errors become a 400 problem."""

from rest_framework.exceptions import ErrorDetail, ValidationError

from ..errors import CommonErrorCode


def validate_with_form(form):
    """Return the form's cleaned data, or raise a ValidationError naming each field and the
    code of each error (the form's own, e.g. ``required`` or ``bidi_controls``)."""
    if form.is_valid():
        return form.cleaned_data
    errors = {}
    for field, problems in form.errors.get_json_data().items():
        name = "non_field_errors" if field == "__all__" else field
        errors[name] = [
            ErrorDetail(problem["message"], code=problem["code"] or CommonErrorCode.INVALID)
            for problem in problems
        ]
    raise ValidationError(errors, code=CommonErrorCode.INVALID)
