"""The shared web glue: a domain error lands on the field it names, or above the form."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from werkzeug.exceptions import NotFound
from wtforms import StringField

from monitor.errors import DomainError
from monitor.models import Region
from monitor.web import get_or_404, options, show_error, svg_data_uri


class _Form(FlaskForm):
    code = StringField("Code")


def test_a_domain_error_goes_on_its_field(app):
    with app.test_request_context("/", method="POST", data={"code": "x"}):
        form = _Form()
        form.validate()
        show_error(form, DomainError("Region code 'x' is already registered.", field="code"))
        assert form.code.errors == ["Region code 'x' is already registered."]
        assert get_flashed_messages() == []


def test_a_domain_error_without_a_field_is_shown_above_the_form(app):
    with app.test_request_context("/", method="POST"):
        form = _Form()
        show_error(form, DomainError("The plan is closed."))
        show_error(form, DomainError("No such field.", field="nonexistent"))
        assert form.code.errors == ()
        assert get_flashed_messages() == ["The plan is closed.", "No such field."]


def test_the_service_errors_share_one_base_and_one_argument_order():
    from monitor.fieldwork.services import FieldworkError
    from monitor.registry.services import RegistryError

    for error_class in (RegistryError, FieldworkError):
        error = error_class("message", field="code")
        assert isinstance(error, DomainError)
        assert (error.message, error.field, str(error)) == ("message", "code", "message")


def test_get_or_404(app, factory):
    region = factory.region()
    assert get_or_404(Region, region.id) is region
    with pytest.raises(NotFound):
        get_or_404(Region, region.id + 1)


def test_options_and_svg_data_uri():
    assert [(o.value, o.label) for o in options([("a", "A"), 3])] == [("a", "A"), ("3", "3")]
    assert svg_data_uri("<svg/>") == "data:image/svg+xml;base64,PHN2Zy8+"
