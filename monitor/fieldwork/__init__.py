"""Fieldwork for officers: follow-up plans, due lists, invitation links, response rates and the
response viewer."""

from flask import Blueprint

bp = Blueprint("fieldwork", __name__, url_prefix="/fieldwork")
