"""WTForms classes with lazy labels and an explicit translated message on every check."""
