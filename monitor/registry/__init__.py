"""The programme registry: officer pages to list, view, create, edit and import its records."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from monitor.registry.display import country_name, covariate, ctdc_label, invitation_status, region_name

bp = Blueprint("registry", __name__, url_prefix="/registry")

#: (endpoint, label, endpoint prefix that marks the tab current) for the main navigation.
NAV = [
    ("registry.regions", _l("Regions"), "registry.region"),
    ("registry.organisations", _l("Organisations"), "registry.organisation"),
    ("registry.providers", _l("Providers"), "registry.provider"),
    ("registry.sessions", _l("Training"), "registry.session"),
    ("registry.persons", _l("Assisted persons"), "registry.person"),
    ("registry.episodes", _l("Episodes"), "registry.episode"),
    ("registry.imports", _l("Import"), "registry.import"),
]


@bp.app_context_processor
def _nav() -> dict:
    return {"registry_nav": NAV}


# Template globals (not context) so that imported macros see them too.
for _function, _name in ((region_name, "region_name"), (country_name, "country_name"),
                         (covariate, "covariate"),
                         (ctdc_label, "ctdc_label"), (invitation_status, "invitation_status")):
    bp.add_app_template_global(_function, _name)


def register_views() -> None:
    """Import the view modules, which attach their routes to ``bp``."""
    from monitor.registry import crud_views, import_views  # noqa: F401
