"""WTForms classes with lazy labels and an explicit translated message on every check.

Every form derives from `forms.base.Form`, which never echoes an oversized value back to
the phone; base.py also holds the fields several forms share (new password, confirmation).
One file per area: auth, setup (first sign-in with a code), quiz, vetting, reports,
workshops.
"""
