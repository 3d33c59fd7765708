"""Every stateful model has the one shape (ewtp/common/states.py): its moves declared on the
model, and one ``<entity>_transition`` service in its app that makes them."""

import importlib
import pkgutil
import re

import pytest
from django.apps import apps

from ewtp.common.states import StateMachine


def _stateful_models():
    return [
        model
        for model in apps.get_models()
        if any(hasattr(model, name) for name in ("TRANSITIONS", "KYC_TRANSITIONS"))
    ]


def _services(app_label: str) -> dict:
    package = importlib.import_module(f"{apps.get_app_config(app_label).name}.services")
    functions = {}
    for module in pkgutil.iter_modules(package.__path__):
        loaded = importlib.import_module(f"{package.__name__}.{module.name}")
        functions.update({name: getattr(loaded, name) for name in dir(loaded)})
    return functions


def test_the_stateful_models_are_found():
    names = {model.__name__ for model in _stateful_models()}
    assert {"Order", "Organization", "Declaration", "Parcel", "Flight", "Payout", "Loan"} <= names


@pytest.mark.parametrize("model", _stateful_models(), ids=lambda model: model.__name__)
def test_a_stateful_model_declares_its_moves_on_the_one_shape(model):
    assert issubclass(model, StateMachine)
    states = model.states()
    assert set(model.TRANSITIONS) == states, "every state says where it may go (maybe nowhere)"
    for targets in model.TRANSITIONS.values():
        assert set(targets) <= states


@pytest.mark.parametrize("model", _stateful_models(), ids=lambda model: model.__name__)
def test_a_stateful_model_moves_through_one_transition_service(model):
    entity = (
        getattr(model, "TRANSITION_NAME", None)
        or re.sub(r"(?<!^)(?=[A-Z])", "_", model.__name__).lower()
    )
    service = _services(model._meta.app_label).get(f"{entity}_transition")
    assert callable(service), f"{model._meta.app_label}.services has no {entity}_transition"
