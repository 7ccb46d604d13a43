"""Workshop hubs: a laptop in a hall runs the app offline; its bundles reach the centre.

- bundle.py    the format (versioned JSON in a zip), signing and verifying (HMAC-SHA256)
- prepare.py   at the centre: one workshop's seed for a hub (people, codes, completions)
- seed.py      on the hub: load a seed, checked first, all or nothing, twice = once
- serve.py     on the hub: `flask hub serve` / `make hub`, its warning, address and QR code
- export.py    on the hub: one workshop's new people and records into a bundle
- importer.py  on the centre: check a bundle, then apply it in one transaction, once;
               matching.py (who a hub's person is centrally) and rows.py (attendance and
               learning records) are its two halves
"""
