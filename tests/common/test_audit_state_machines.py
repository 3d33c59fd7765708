"""Net 1 of the audit trail (tests/common/audit_expectations.py): every status field is a
state machine with a transitions map that covers its values and an audit action for each of
its transitions, or is said not to be one."""

import re

import pytest
from django.apps import apps

from tests.common.audit_expectations import (
    AUDITED,
    CREATED,
    DRIVEN_APPS,
    NOT_STATE,
    STATE_MACHINES,
)

PROJECT_APPS = ("hubs", "payments", "customs", "logistics", "analytics", "common", "pipeline")


def _status_fields():
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.concrete_fields:
            if field.name == "status" or field.name.endswith("_status"):
                yield model, field


def test_every_status_field_is_a_state_machine_or_said_not_to_be():
    machines = {(model._meta.label_lower, name) for model, name in STATE_MACHINES}
    unclassified = []
    for model, field in _status_fields():
        key = (model._meta.label_lower, field.name)
        if key in machines:
            assert field.choices, f"{key} is listed as a state machine but has no choices"
        elif key not in NOT_STATE:
            unclassified.append(key)
    assert not unclassified, (
        f"{unclassified}: a status field nobody classified. A state machine gets a "
        "transitions map, audited services and an entry in STATE_MACHINES and AUDITED; "
        "anything else is listed in NOT_STATE with the reason."
    )
    present = {(m._meta.label_lower, f.name) for m, f in _status_fields()}
    assert machines | set(NOT_STATE) <= present, "a listed status field no longer exists"


@pytest.mark.parametrize("key", STATE_MACHINES, ids=lambda key: f"{key[0].__name__}.{key[1]}")
def test_each_transitions_map_covers_every_status_value(key):
    model, name = key
    transitions = STATE_MACHINES[key]
    values = {value for value, _label in model._meta.get_field(name).choices}
    assert set(transitions) == values, f"{model.__name__}: a status without its transitions"
    for targets in transitions.values():
        assert set(targets) <= values


@pytest.mark.parametrize("key", STATE_MACHINES, ids=lambda key: f"{key[0].__name__}.{key[1]}")
def test_every_transition_and_the_first_status_have_an_audit_action(key):
    model, name = key
    transitions = STATE_MACHINES[key]
    expected = {(str(a), str(b)) for a, targets in transitions.items() for b in targets}
    expected.add((CREATED, str(model._meta.get_field(name).default)))
    registered = {(str(a), str(b)) for a, b in AUDITED[key]}
    assert registered == expected, (
        f"{model.__name__}: transitions without an audit action {expected - registered}, "
        f"audit actions of no transition {registered - expected}"
    )
    assert model._meta.app_label in DRIVEN_APPS, (
        f"{model.__name__}: drive its transitions in tests/common/test_audit_"
        f"{model._meta.app_label}.py and add the app to DRIVEN_APPS"
    )
    shape = re.compile(rf"^{model._meta.app_label}\.[a-z_]+\.[a-z_]+$")
    for actions in AUDITED[key].values():
        for action in actions if isinstance(actions, tuple) else (actions,):
            assert shape.match(action), f"{action} is not <app>.<entity>.<past tense>"
