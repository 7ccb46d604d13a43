"""The base form: oversized values are refused and never sent back to the phone."""

from werkzeug.datastructures import MultiDict
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from curriculum.forms.base import Form


class _NoteForm(Form):
    class Meta:
        csrf = False

    name = StringField(validators=[Length(max=100, message="too long")])
    note = TextAreaField(validators=[Length(max=5000, message="too long")])


def test_an_invalid_form_forgets_oversized_values_but_keeps_its_errors(app):
    with app.test_request_context():
        form = _NoteForm(MultiDict({"name": "n" * 3000, "note": "x" * 30000}))
        assert not form.validate()
        assert form.name.errors == ["too long"] and form.note.errors == ["too long"]
        assert form.name.data == "" and form.note.data == ""
        assert "x" * 100 not in form.note() and "n" * 100 not in form.name()


def test_a_long_but_not_oversized_textarea_is_kept_for_correction(app):
    with app.test_request_context():
        form = _NoteForm(MultiDict({"name": "n" * 150, "note": "x" * 6000}))
        assert not form.validate()
        assert form.note.data == "x" * 6000 and form.name.data == "n" * 150


def test_a_valid_form_keeps_its_values(app):
    with app.test_request_context():
        form = _NoteForm(MultiDict({"name": "Sokha", "note": "ok"}))
        assert form.validate()
        assert (form.name.data, form.note.data) == ("Sokha", "ok")
