"""The bench's nginx comparison and first-visit figures: config, sharing, verdicts."""

from curriculum.bench import cluster, lighthouse
from curriculum.bench.targets import (
    FIRST_VISIT,
    FIRST_VISIT_PAGE,
    TWO_INSTANCES,
    TWO_INSTANCES_PAGE,
    check,
    print_checks,
)


def test_workers_are_shared_out_among_the_instances():
    assert cluster.split_workers(5, 2) == [3, 2]
    assert cluster.split_workers(6, 2) == [3, 3]
    assert sum(cluster.split_workers(7, 3)) == 7


def test_nginx_config_listens_on_loopback_and_proxies_to_each_instance(tmp_path):
    conf = cluster.write_config(tmp_path, {"pair": (9000, [9001, 9002])})
    text = conf.read_text()
    assert "daemon off;" in text
    assert "listen 127.0.0.1:9000;" in text
    assert "server 127.0.0.1:9001" in text and "server 127.0.0.1:9002" in text
    assert "proxy_set_header X-Forwarded-For" in text
    assert f"pid {tmp_path}/nginx.pid;" in text  # nothing written outside instance/
    assert (tmp_path / "proxy").is_dir()


def _run(rps):
    return {"rps": rps, "p50": 1, "p95": 2, "errors": 0, "tool": "wrk"}


def test_the_ratio_is_of_the_best_runs_and_printed_with_its_range(capsys):
    runs = {
        "one instance": [_run(400), _run(500)],
        "two instances via nginx": [_run(450), _run(480)],
        "one instance via nginx": [_run(470), _run(460)],
    }
    figures = cluster.summarise(runs, 5, [3, 2], "true")
    assert round(figures["ratio"], 2) == 0.96 and not figures["met"]
    assert figures["ratio_range"] == [450 / 500, 480 / 400]
    cluster.print_cluster(figures)
    out = capsys.readouterr().out
    assert "lesson via nginx, 2 instances: 480 req/s = 0.96× one instance" in out
    assert "not met" in out
    checks = check([{"page": TWO_INSTANCES_PAGE, **figures}], TWO_INSTANCES)
    assert checks[0]["met"] is False and checks[0]["target"] == ">= 1.6"


def test_first_visit_figures_against_their_targets(capsys):
    runs = [
        {"lcp_ms": 1100, "fcp_ms": 800, "bytes": 36000, "requests": 4, "resources": []},
        {"lcp_ms": 980, "fcp_ms": 790, "bytes": 36100, "requests": 4, "resources": []},
    ]
    figures = lighthouse.summarise("Lighthouse", runs)
    assert figures["lcp_ms"] == 980 and figures["bytes"] == 36100
    assert figures["ranges"]["lcp_ms"] == [980, 1100]
    checks = check([{"page": FIRST_VISIT_PAGE, **figures}], FIRST_VISIT)
    assert [c["met"] for c in checks] == [True, True, True]  # <= 1000 ms, 45 KB, 5


def test_a_figure_not_measured_is_listed_with_the_reason(capsys):
    checks = check([], TWO_INSTANCES, "nginx is not installed")
    assert checks[0]["met"] is None
    print_checks(checks)
    assert "not measured: nginx is not installed" in capsys.readouterr().out


def test_cold_report_times_against_their_target():
    from curriculum.bench.targets import REPORTS

    rows = [
        {"page": "overview report", "cold_ms": 299.9},
        {"page": "cmg report", "cold_ms": 300.0},
    ]
    verdicts = {c["page"]: c["met"] for c in check(rows, REPORTS)}
    assert verdicts == {"overview report": True, "cmg report": False}
