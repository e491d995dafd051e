"""Designer pages."""

from flask import Blueprint

bp = Blueprint("designer", __name__, url_prefix="/surveys", template_folder="../templates")
