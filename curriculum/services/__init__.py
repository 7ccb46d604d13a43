"""The rules of the platform: plain functions with explicit arguments."""
