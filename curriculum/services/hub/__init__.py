"""Workshop hubs: a laptop in a hall runs the app offline; its bundles reach the centre.

- bundle.py    the format (versioned JSON in a zip), signing and verifying (HMAC-SHA256)
- export.py    on the hub: one workshop's new people and records into a bundle
- importer.py  on the centre: check a bundle, then apply it in one transaction, once
"""
