"""Officer pages to import registry records from CSV and XLSX."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import SelectField, SubmitField
from wtforms.validators import DataRequired

from monitor import audit
from monitor.auth.access import REGISTRY, allow
from monitor.extensions import db
from monitor.models import Region
from monitor.registry import bp
from monitor.registry.forms import options
from monitor.registry.importing import (
    IMPORT_KINDS,
    MAX_ERRORS,
    ImportRejected,
    import_table,
    template_csv,
)
from monitor.registry.importing.values import shown

TEMPLATE = "monitor/registry/imports.html"


class ImportForm(FlaskForm):
    kind = SelectField(
        _l("What the file holds"),
        choices=options((name, kind.title) for name, kind in IMPORT_KINDS.items()),
        validators=[DataRequired()],
    )
    file = FileField(
        _l("File"),
        description=_l("A CSV file (UTF-8, comma or semicolon separated) or an Excel workbook "
                       "(.xlsx, first sheet). Row 1 holds the column names."),
        validators=[FileRequired(_l("Choose a file to import."))],
        render_kw={"accept": ".csv,.xlsx,text/csv,"
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )
    submit = SubmitField(_l("Import"))


def _page(form: ImportForm, rejected: ImportRejected | None = None, filename: str = "",
          status: int = 200):
    regions = db.session.scalars(select(Region).order_by(Region.code)).all()
    return render_template(TEMPLATE, form=form, kinds=IMPORT_KINDS, rejected=rejected,
                           filename=filename, regions=regions, max_errors=MAX_ERRORS), status


@bp.route("/imports")
@allow(*REGISTRY)
def imports():
    form = ImportForm()
    if request.args.get("kind") in IMPORT_KINDS:
        form.kind.data = request.args["kind"]
    return _page(form)


@bp.route("/imports/upload", methods=["POST"])
@allow(*REGISTRY)
def import_upload():
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    upload = form.file.data
    filename = upload.filename or ""
    kind = form.kind.data
    try:
        result = import_table(kind, filename, upload.read())
    except ImportRejected as rejected:
        db.session.rollback()
        # A file refused as a whole (a zip bomb, a wrong format) keeps its reason in the log, in
        # English; row problems are not copied there, as they quote the file's values.
        whole_file = [e.logged for e in rejected.errors
                      if e.row is None and e.column is None and e.logged]
        audit.record("import_rejected", kind, filename=shown(filename) or None,
                     problems=rejected.total,
                     **({"reason": whole_file[0]} if rejected.total == 1 and whole_file else {}))
        db.session.commit()
        return _page(form, rejected=rejected, filename=shown(filename), status=422)
    db.session.commit()
    flash(result.message, "success")
    return redirect(url_for("registry.imports", kind=kind))


@bp.route("/imports/<kind>/template.csv")
@allow(*REGISTRY)
def import_template(kind: str):
    if kind not in IMPORT_KINDS:
        abort(404)
    return Response(
        template_csv(kind),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{kind}-template.csv"'},
    )
