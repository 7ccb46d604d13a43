"""The upload of a workshop hub's bundle on the central server."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField

from curriculum.forms.base import Form


class BundleUploadForm(Form):
    """Upload one bundle (.zip) written by `flask hub export` on a hub."""

    file = FileField(
        _l("Bundle file (.zip)"),
        validators=[FileRequired(message=_l("Choose a bundle file."))],
        render_kw={"accept": ".zip,application/zip"},
    )
    submit = SubmitField(_l("Check and import"))
