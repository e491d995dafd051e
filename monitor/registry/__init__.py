"""The programme registry: officer pages to list, view, create, edit and import its records."""

from flask import Blueprint

bp = Blueprint("registry", __name__, url_prefix="/registry")

#: (endpoint, label, endpoint prefix that marks the tab current) for the main navigation.
NAV = [
    ("registry.regions", "Regions", "registry.region"),
    ("registry.organisations", "Organisations", "registry.organisation"),
    ("registry.providers", "Providers", "registry.provider"),
    ("registry.sessions", "Training", "registry.session"),
    ("registry.persons", "Assisted persons", "registry.person"),
    ("registry.episodes", "Episodes", "registry.episode"),
    ("registry.imports", "Import", "registry.import"),
]


@bp.app_context_processor
def _nav() -> dict:
    return {"registry_nav": NAV}


def register_views() -> None:
    """Import the view modules, which attach their routes to ``bp``."""
    from monitor.registry import crud_views, import_views  # noqa: F401
