"""Every database constraint of Rabta's apps speaks to the person who broke it.

Django shows a constraint's ``violation_error_message`` when a form or ``full_clean()`` finds it
broken; without one the page says 'Constraint "<name>" is violated.', the database's name for it.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db.models import BaseConstraint
from django.utils.functional import Promise

RABTA_APPS = ["network", "ledger", "mentorship", "investments", "cms"]

CONSTRAINTS = [
    (model, constraint)
    for label in RABTA_APPS
    for model in apps.get_app_config(label).get_models()
    for constraint in model._meta.constraints
]


def test_the_walk_finds_the_constraints_of_every_app_that_has_them():
    # then
    assert {model._meta.app_label for model, _c in CONSTRAINTS} == {"network", "ledger", "mentorship", "investments"}
    # At least the 74 there were when this test was written: the walk has not lost any.
    assert len(CONSTRAINTS) >= 74


@pytest.mark.parametrize(("model", "constraint"), CONSTRAINTS, ids=[constraint.name for _m, constraint in CONSTRAINTS])
def test_every_constraint_has_a_translatable_message_and_a_code(model, constraint):
    # then
    message = constraint.violation_error_message
    assert message != BaseConstraint.default_violation_error_message, f"{constraint.name} has no message"
    assert isinstance(message, Promise), f"{constraint.name}'s message is not marked for translation"
    assert constraint.name not in str(message)
    assert str(message)[-1] in ".?!"
    assert constraint.violation_error_code, f"{constraint.name} has no code"
