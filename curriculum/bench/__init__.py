"""`make bench`: serve a synthetic data set with gunicorn and measure the key pages.

For each page it prints, and writes to instance/bench.json: requests per second, p50 and
p95 latency at 20 connections (wrk when installed, else a Python load generator), SQL
statements per request, and response bytes compressed and uncompressed. Then the offline
figures (curriculum/bench/offline.py): the bytes of saving each track offline, and of a
repeat visit to a saved lesson in headless Chromium, online and offline (target 0).

    python -m curriculum.bench [--scale 10000] [--seconds 10] [--connections 20]
                               [--offline-only]

DATABASE_URL chooses the database (PostgreSQL when set); by default a SQLite file in
instance/ is built afresh. BENCH_URLS="http://host1:8000 http://host2:8000" measures
running instances instead of starting one (the data must then come from
`flask demo --scale` on their database).
"""
