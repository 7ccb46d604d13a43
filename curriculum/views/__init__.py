"""Blueprints: one per file, each named bp, with thin views."""
