"""Small pieces the portal views share."""

from ewtp.common.errors import ApplicationError


def form_error_from(form, error: ApplicationError) -> None:
    """Show a service's refusal on the form, on its field when it names one the form has."""
    field = error.extra.get("field")
    form.add_error(field if field in form.fields else None, error.message)
