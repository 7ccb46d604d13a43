"""Safe Homes: a training platform against domestic violence, in Khmer and English.

`curriculum.app.create_app` wires everything (wsgi.py calls it). The rooms:

- app.py          create_app: configuration, extensions, blueprints, error pages, CLI
- config.py       settings from the environment; extensions.py the unbound extensions
- content/        the curriculum files: loading, checks, fairness, stamping (immutable)
- models/         the database tables; migrations/ their Alembic history
- services/       the rules (its docstring maps them); permissions.py who may do what
- views/          thin blueprints (its docstring maps them); forms/ the WTForms
- i18n.py, khmer.py, translation_catalog.py   language, Khmer text, the UI catalogue
- cli.py          the `flask` commands; bench/ the benchmark
- errors.py, headers.py, static_files.py      error pages, security headers, assets
"""
