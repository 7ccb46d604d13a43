"""Programme staff: upload a workshop hub's bundle, see what it did and past imports."""

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from curriculum.errors import page
from curriculum.forms.hub import BundleUploadForm
from curriculum.permissions import can_import_hub_bundles
from curriculum.services.hub import importer
from curriculum.views import hub_messages
from curriculum.views.decorators import require

bp = Blueprint("hub_import", __name__, url_prefix="/admin/hub")

RECENT = 50


def _render(form, result=None, refused=None, status=200):
    """Render the page: the form, what an import did or why not, past imports."""
    done = result is not None
    return render_template(
        "admin/hub_import.html",
        form=form,
        result=result,
        already=hub_messages.already_message(result) if done and result.already else "",
        refusal=hub_messages.refusal_message(refused) if refused else "",
        conflicts=[hub_messages.conflict_message(c) for c in result.conflicts]
        if done
        else [],
        labels=hub_messages.COUNT_LABELS,
        when=hub_messages.when,
        past=importer.recent_imports(RECENT),
        recent=RECENT,
    ), status


@bp.route("", methods=["GET", "POST"])
@require(can_import_hub_bundles)
def upload():
    """Check and apply an uploaded hub bundle, all or nothing, and list past imports."""
    form = BundleUploadForm()
    if not form.validate_on_submit():
        return _render(form, status=400 if request.method == "POST" else 200)
    data = form.file.data.read(importer.MAX_BUNDLE_BYTES + 1)
    try:
        result = importer.import_bundle(data, current_user)
    except importer.ImportRefused as refused:
        return _render(form, refused=refused, status=400)
    return _render(form, result=result)


@bp.errorhandler(413)
def too_large(exc):
    """Say on the page itself that a file over the upload limit is no bundle."""
    if not can_import_hub_bundles(current_user):
        return page(413, _l("Too large"), _l("What you sent is too large."))
    refused = importer.ImportRefused(
        "too_large", max_mb=importer.MAX_BUNDLE_BYTES // 2**20
    )
    importer.record_refusal(current_user, refused.code)
    return _render(BundleUploadForm(formdata=None), refused=refused, status=413)
