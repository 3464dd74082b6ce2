#!/usr/bin/env python3
"""webmon benchmark: runs each scenario against local servers and prints a results table.

Started by bench/run.sh, which installs the packages and builds the binaries first. Everything
runs on 127.0.0.1: nginx (the neutral target, `return 200` on every path), a throwaway
PostgreSQL, the development Kafka broker (and with --real-kafka also one real Apache Kafka
node, for the ingest and end-to-end scenarios side by side), and the webmon services
themselves. The numbers come from the services' own "stats" log lines (written every second
here), /proc, and SQL.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def log(message):
    print(f"[{datetime.datetime.now():%H:%M:%S}] {message}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise RuntimeError(f"timed out after {seconds} s waiting for {what}")


def proc_cpu_seconds(pid):
    """User + system CPU time of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def proc_memory_kb(pid, key):
    """VmRSS (current) or VmHWM (peak) of a process, in kB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {key} for pid {pid}")


STATS_LINE = re.compile(r"^(\S+) \w+ \[(producer|consumer)\] stats (.*)$")


def parse_stats(path):
    """The services' stats lines: [(seconds since the epoch, {key: value})]."""
    stats = []
    try:
        with open(path, errors="replace") as f:
            for line in f:
                m = STATS_LINE.match(line.rstrip("\n"))
                if not m:
                    continue
                when = datetime.datetime.fromisoformat(m.group(1)).timestamp()
                values = {}
                for pair in m.group(3).split():
                    key, _, value = pair.partition("=")
                    try:
                        values[key] = float(value)
                    except ValueError:
                        values[key] = value
                stats.append((when, values))
    except FileNotFoundError:
        pass
    return stats


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, int(round(fraction * len(ordered) + 0.5)) - 1))
    return ordered[index]


def target_host(i, host_names):
    """127.0.0.1, or a distinct name per URL that the private network's dnsmasq resolves to it."""
    return f"h{i}.webmon.test" if host_names else "127.0.0.1"


class Lab:
    """The servers every scenario needs, in one temporary directory."""

    def __init__(self, build_dir, source_dir):
        self.build = build_dir
        self.source = source_dir
        self.work = tempfile.mkdtemp(prefix="webmon-bench.")
        os.chmod(self.work, 0o755)  # the postgres user must reach the cluster directory
        self.processes = []
        self.broker = None
        self.topic = "webmon.reports"
        self.kafka_dir = None  # the real node's directory, with --real-kafka
        self.topics_made = 0
        self.pg_port = None
        self.nginx_port = None
        self.nginx = None

    # --- servers -----------------------------------------------------------------------------
    def start_nginx(self):
        self.nginx_port = free_port()
        root = os.path.join(self.work, "nginx")
        os.makedirs(os.path.join(root, "logs"), exist_ok=True)
        conf = os.path.join(root, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""
worker_processes 1;
worker_rlimit_nofile 20000;
daemon off;
pid {root}/nginx.pid;
error_log {root}/logs/error.log warn;
events {{ worker_connections 16000; }}
http {{
  access_log off;
  server {{
    listen 127.0.0.1:{self.nginx_port} backlog=4096;
    location / {{ return 200 "ok\\n"; }}
  }}
}}
""")
        proc = subprocess.Popen(["nginx", "-c", conf, "-p", root],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.nginx = proc
        wait_for(lambda: self._port_open(self.nginx_port), 10, "nginx")
        log(f"nginx (1 worker) on 127.0.0.1:{self.nginx_port}")

    def start_postgres(self):
        pg_dir = os.path.join(self.work, "pg")
        subprocess.run([os.path.join(self.source, "scripts/pg-throwaway.sh"), "start", pg_dir],
                       check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(pg_dir, "port")) as f:
            self.pg_port = int(f.read())
        log(f"throwaway PostgreSQL on 127.0.0.1:{self.pg_port}")

    def restart_broker(self, partitions=3):
        """A fresh development broker, so every scenario starts with an empty topic."""
        if self.broker:
            self.broker.kill()
            self.broker.wait()
        bootstrap_file = os.path.join(self.work, "bootstrap")
        if os.path.exists(bootstrap_file):
            os.remove(bootstrap_file)
        out = open(os.path.join(self.work, "broker.log"), "a")
        self.broker = subprocess.Popen(
            [os.path.join(self.build, "tests/support/webmon-dev-broker"), "--partitions",
             str(partitions),
             "--bootstrap-file", bootstrap_file], stdout=out, stderr=out)
        self.processes.append(self.broker)
        wait_for(lambda: os.path.exists(bootstrap_file) and os.path.getsize(bootstrap_file) > 0,
                 10, "the development broker")
        with open(bootstrap_file) as f:
            self.bootstrap = f.read().strip()
        self.topic = "webmon.reports"  # the one it creates

    def start_real_kafka(self):
        """One real Apache Kafka node (KRaft) for the --real-kafka scenarios."""
        self.kafka_dir = os.path.join(self.work, "kafka")
        subprocess.run([self.cluster_script(), "start", self.kafka_dir, "1"], check=True,
                       stdout=subprocess.DEVNULL)
        with open(os.path.join(self.kafka_dir, "bootstrap")) as f:
            self.real_bootstrap = f.read().strip()
        log(f"Apache Kafka (1 node, KRaft) on {self.real_bootstrap}")

    def cluster_script(self):
        return os.path.join(self.source, "scripts/kafka-cluster.sh")

    def use_broker(self, kind, partitions=3):
        """An empty reports topic: a fresh development broker, or a new topic on the real node."""
        if kind == "dev":
            self.restart_broker(partitions)
            return
        self.topics_made += 1
        self.topic = f"webmon.bench.{self.topics_made}"
        self.bootstrap = self.real_bootstrap
        subprocess.run([self.cluster_script(), "topic", self.kafka_dir, self.topic,
                        str(partitions)], check=True, stdout=subprocess.DEVNULL)

    def sql(self, query):
        env = dict(os.environ, PGPASSWORD="webmon")
        out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-h", "127.0.0.1", "-p",
                              str(self.pg_port), "-U", "webmon", "-d", "webmon",
                              "-v", "ON_ERROR_STOP=1", "-c", query],
                             env=env, check=True, capture_output=True, text=True)
        return out.stdout.strip()

    def empty_tables(self):
        # consumer_offsets too: each scenario's topic starts at offset 0 on a new broker (and
        # a build from before migration 011 has no such table). The alert tables (migration
        # 013): a state left from the last run would ignore the same reports as late ones.
        for tables in ("reports, rejected_reports, reports_hourly, reports_daily",
                       "consumer_offsets",
                       "notifications, monitor_state, incidents, notification_receivers"):
            try:
                self.sql(f"TRUNCATE {tables}")
            except subprocess.CalledProcessError:
                pass  # the tables appear when the first consumer migrates

    # --- services ----------------------------------------------------------------------------
    def write_config(self, name, urls, period, timeout, producer=None, consumer=None,
                     host_names=False):
        config = {
            "kafka": {"bootstrap_servers": [self.bootstrap], "topic": self.topic},
            "db": {"host": "127.0.0.1", "port": self.pg_port, "db_name": "webmon",
                   "user": "webmon", "password": "webmon", "sslmode": "disable"},
            "monitored_urls": [
                {"url": f"http://{target_host(i, host_names)}:{self.nginx_port}/target/{i}",
                 "timeout": timeout, "period": period} for i in range(urls)],
            "producer": dict({"id": "bench", "stats_interval": 1, "metrics_listen": "127.0.0.1:0"},
                             **(producer or {})),
            "consumer": dict({"group_id": "bench", "stats_interval": 1, "metrics_listen": "127.0.0.1:0",
                              "status_listen": ""},
                             **(consumer or {})),
        }
        path = os.path.join(self.work, f"{name}.json")
        with open(path, "w") as f:
            json.dump(config, f)
        os.chmod(path, 0o600)
        return path

    def start_service(self, service, config, name):
        log_path = os.path.join(self.work, f"{name}.log")
        out = open(log_path, "w")
        proc = subprocess.Popen([os.path.join(self.build, f"{service}/webmon-{service}"),
                                 "--config", config], stdout=out, stderr=out)
        self.processes.append(proc)
        return proc, log_path

    def stop(self, proc, seconds=30):
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()

    def close(self, keep):
        if self.nginx and self.nginx.poll() is None:
            # SIGTERM to the master stops its workers too; SIGKILL would orphan them.
            self.nginx.terminate()
            try:
                self.nginx.wait(10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
        for proc in self.processes:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if self.kafka_dir:
            subprocess.run([self.cluster_script(), "stop", self.kafka_dir],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run([os.path.join(self.source, "scripts/pg-throwaway.sh"), "stop",
                        os.path.join(self.work, "pg")],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if keep:
            log(f"logs kept in {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)

    @staticmethod
    def _port_open(port):
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0


class Sampler:
    """Follows a service: its stats lines, CPU time and memory, sampled about every 0.25 s."""

    def __init__(self, proc, log_path):
        self.proc = proc
        self.log_path = log_path

    def stats(self):
        return parse_stats(self.log_path)

    def latest(self):
        stats = self.stats()
        return stats[-1] if stats else (0.0, {})

    def cpu(self):
        return proc_cpu_seconds(self.proc.pid)

    def rss_kb(self):
        return proc_memory_kb(self.proc.pid, "VmRSS")

    def peak_rss_kb(self):
        return proc_memory_kb(self.proc.pid, "VmHWM")

    def alive(self):
        return self.proc.poll() is None


# --- scenarios ------------------------------------------------------------------------------

def run_wrk(lab, seconds):
    out = subprocess.run(["wrk", "-t1", "-c50", f"-d{seconds}s", "-H", "Connection: close",
                          f"http://127.0.0.1:{lab.nginx_port}/"],
                         check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", out)
    log(f"wrk -t1 -c50 -H 'Connection: close': {rate:,.0f} requests/s"
        + (f" ({errors.group(0)})" if errors else ""))
    return rate


def producer_window(lab, name, urls, period, timeout, warmup, seconds, producer=None,
                    host_names=False):
    """Runs a producer alone (with the broker) and measures a window after the warm-up."""
    lab.restart_broker()
    config = lab.write_config(name, urls, period, timeout, producer=producer,
                              host_names=host_names)
    proc, log_path = lab.start_service("producer", config, name)
    sampler = Sampler(proc, log_path)
    time.sleep(warmup)
    if not sampler.alive():
        raise RuntimeError(f"the producer exited during warm-up; see {log_path}")
    start_when, start_stats = sampler.latest()
    start_cpu = sampler.cpu()
    dns_pid = int(os.environ.get("WEBMON_BENCH_DNSMASQ_PID", "0"))
    start_dns_cpu = proc_cpu_seconds(dns_pid) if dns_pid else 0
    time.sleep(seconds)
    end_when, end_stats = sampler.latest()
    end_cpu = sampler.cpu()
    dns_cpu = (proc_cpu_seconds(dns_pid) - start_dns_cpu) if dns_pid else float("nan")
    peak_kb = sampler.peak_rss_kb()
    window = [s for w, s in sampler.stats() if start_when < w <= end_when]
    rss_kb = sampler.rss_kb()
    exit_code = lab.stop(proc)
    probes = end_stats["probes"] - start_stats["probes"]
    elapsed = end_when - start_when
    return {
        "probes": probes,
        "elapsed": elapsed,
        "rate": probes / elapsed,
        "scheduled": urls / period,
        "cpu_per_1000": (end_cpu - start_cpu) / probes * 1000 if probes else float("nan"),
        "cpu_share": (end_cpu - start_cpu) / elapsed,
        "dns_cpu_share": dns_cpu / elapsed,
        "rss_mb": rss_kb / 1024,
        "lag_p50": statistics.median(s["lag_ms_p50"] for s in window),
        "lag_p99_worst_second": max(s["lag_ms_p99"] for s in window),
        "lag_max": max(s["lag_ms_max"] for s in window),
        "skipped": end_stats["skipped_runs"] - start_stats["skipped_runs"],
        "ok_ratio": (end_stats["ok"] - start_stats["ok"]) / probes if probes else 0,
        "peak_rss_mb": peak_kb / 1024,
        "exit_code": exit_code,
        "log": log_path,
    }


def scenario_throughput(lab, quick, wrk_rate):
    # Scheduled above the 10,000/s target, so the figure is what the machine allows rather
    # than what was asked for.
    urls, period = 24_000, 2
    seconds = 10 if quick else 60
    log(f"throughput: {urls} URLs every {period} s (scheduled {urls // period}/s), timeout 1 s, "
        f"fresh connection per probe, {seconds} s")
    r = producer_window(lab, "throughput", urls, period, 1, warmup=period + 3, seconds=seconds,
                        producer={"max_concurrent_probes": 5000, "queue_limit": 1_000_000})
    r["wrk_ratio"] = r["rate"] / wrk_rate
    log(f"  {r['rate']:,.0f} probes/s of {r['scheduled']:,.0f} scheduled "
        f"({r['ok_ratio']:.1%} up), {r['wrk_ratio']:.2f} x wrk, "
        f"CPU {r['cpu_per_1000']:.3f} s per 1000 probes, peak RSS {r['peak_rss_mb']:.0f} MB, "
        f"lag p50 {r['lag_p50']:.1f} ms, worst-second p99 {r['lag_p99_worst_second']:.1f} ms")
    return r


def scenario_schedule(lab, quick):
    urls, period = 20_000, 5
    seconds = 10 if quick else 60
    log(f"schedule accuracy: {urls} URLs every {period} s ({urls // period}/s), {seconds} s")
    r = producer_window(lab, "schedule", urls, period, 1, warmup=period + 2, seconds=seconds)
    log(f"  lag p50 {r['lag_p50']:.1f} ms, worst-second p99 {r['lag_p99_worst_second']:.1f} ms, "
        f"max {r['lag_max']:.1f} ms, skipped runs {r['skipped']:.0f}, "
        f"{r['rate']:,.0f} probes/s of {r['scheduled']:,.0f}")
    return r


def scenario_reload(lab, quick):
    """20,000 URLs every 5 s, untouched and then with one URL added to the file every 5 s."""
    urls, period = 20_000, 5
    seconds = 20 if quick else 60
    results = {}
    for mode in ("still", "edited"):
        name = f"reload-{mode}"
        stop = threading.Event()
        edits = []

        def edit():
            path = os.path.join(lab.work, f"{name}.json")
            if stop.wait(period + 2):  # the warm-up, as producer_window waits it
                return
            added = 0
            while not stop.wait(period):
                with open(path) as f:
                    config = json.load(f)
                added += 1
                config["monitored_urls"].append(
                    {"url": f"http://127.0.0.1:{lab.nginx_port}/added/{added}",
                     "timeout": 1, "period": period})
                # As deploy tools do: a new file renamed over the old one.
                with open(path + ".new", "w") as f:
                    json.dump(config, f)
                os.chmod(path + ".new", 0o600)
                os.replace(path + ".new", path)
                edits.append(time.monotonic())

        log(f"reload: {urls} URLs every {period} s, {seconds} s, "
            f"{'one URL added every 5 s' if mode == 'edited' else 'no edits'}")
        editor = threading.Thread(target=edit) if mode == "edited" else None
        if editor:
            editor.start()
        try:
            r = producer_window(lab, name, urls, period, 1, warmup=period + 2, seconds=seconds)
        finally:
            stop.set()
            if editor:
                editor.join()
        with open(r["log"]) as f:
            r["reloads"] = sum(1 for line in f if "config reloaded" in line)
        r["edits"] = len(edits)
        log(f"  lag p50 {r['lag_p50']:.1f} ms, worst-second p99 {r['lag_p99_worst_second']:.1f} ms, "
            f"max {r['lag_max']:.1f} ms, {r['edits']} edits, {r['reloads']} reloads applied, "
            f"{r['skipped']:.0f} skipped")
        results[mode] = r
    return results


def scenario_names(lab, quick, urls, period):
    """The same targets by IP and by distinct host names, one after the other."""
    if "WEBMON_BENCH_DNSMASQ_PID" not in os.environ:
        raise RuntimeError("host-name scenarios run inside bench/private_network.sh "
                           "(bench/run.sh does that as root)")
    seconds = (20 if quick else 60) if period >= 30 else (10 if quick else 60)
    results = {}
    for by in ("ip", "name"):
        log(f"host names: {urls:,} URLs every {period} s ({urls / period:,.0f}/s), by "
            f"{'IP (127.0.0.1)' if by == 'ip' else 'distinct host name (h<i>.webmon.test)'}, "
            f"{seconds} s after one period of warm-up")
        r = producer_window(lab, f"names-{urls}-{by}", urls, period, 1, warmup=period + 3,
                            seconds=seconds, producer={"queue_limit": 1_000_000},
                            host_names=(by == "name"))
        log(f"  {r['rate']:,.0f} probes/s of {r['scheduled']:,.0f} ({r['ok_ratio']:.1%} up), "
            f"CPU {r['cpu_share']:.0%} of a core, {r['cpu_per_1000']:.3f} s per 1000 probes, "
            f"lag p50 {r['lag_p50']:.1f} ms, worst-second p99 {r['lag_p99_worst_second']:.1f} ms, "
            f"{r['skipped']:.0f} skipped, RSS {r['rss_mb']:.0f} MB, dnsmasq "
            f"{r['dns_cpu_share']:.0%} of a core")
        results[by] = r
    results["ratio"] = results["name"]["rate"] / results["ip"]["rate"]
    return results


def scenario_memory(lab, quick):
    urls, period = 100_000, 300
    lab.restart_broker()
    config = lab.write_config("memory", urls, period, 10)
    # Config load + validation, timed as an operator meets it: the whole --check-config run.
    binary = os.path.join(lab.build, "producer/webmon-producer")
    runs = []
    for _ in range(3):
        begin = time.monotonic()
        subprocess.run([binary, "--config", config, "--check-config"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        runs.append(time.monotonic() - begin)
    seconds = 5 if quick else 30
    log(f"memory: {urls} URLs every {period} s, {seconds} s; --check-config took "
        f"{min(runs):.2f} s (best of 3)")
    proc, log_path = lab.start_service("producer", config, "memory")
    sampler = Sampler(proc, log_path)
    time.sleep(seconds)
    peak_kb = sampler.peak_rss_kb()
    _, stats = sampler.latest()
    lab.stop(proc)
    r = {"check_config_s": min(runs), "peak_rss_mb": peak_kb / 1024,
         "probes": stats.get("probes", 0)}
    log(f"  peak RSS {r['peak_rss_mb']:.0f} MB after {r['probes']:.0f} probes")
    return r


BROKER_NAMES = {"dev": "development broker", "real": "real Kafka, 1 node"}


def scenario_ingest(lab, quick, batch, kind="dev"):
    count = 200_000 if quick else 1_000_000
    # The development broker keeps a bounded log per partition and drops the oldest data past
    # it (docs/benchmarks.md): a million reports need more than three partitions to stay whole.
    # The real broker gets as many, so the two compare like for like.
    partitions = max(3, count // 25_000)
    lab.use_broker(kind, partitions)
    lab.empty_tables()
    log(f"consumer ingest ({BROKER_NAMES[kind]}): {count:,} reports put on {partitions} "
        f"partitions first, then one consumer, batches of up to {batch:,}")
    flood = subprocess.run([os.path.join(lab.build, "bench/webmon-bench-flood"), "--bootstrap",
                            lab.bootstrap, "--topic", lab.topic, "--count", str(count)],
                           check=True, capture_output=True, text=True).stdout.strip()
    on_topic = subprocess.run(f"kcat -C -b {lab.bootstrap} -t {lab.topic} -o beginning -e -q "
                              "-f 'x\\n' | wc -l", shell=True, check=True, capture_output=True,
                              text=True).stdout.strip()
    log(f"  topic filled: {flood}; kcat reads {int(on_topic):,} messages back")
    if int(on_topic) != count:
        raise RuntimeError(f"the broker kept {on_topic} of {count} messages")
    config = lab.write_config("ingest", 1, 60, 10,
                              consumer={"batch_max_messages": batch, "batch_max_wait": 0.5})
    proc, log_path = lab.start_service("consumer", config, "ingest")
    sampler = Sampler(proc, log_path)
    last_change = (time.monotonic(), -1)
    while True:
        inserted = sampler.latest()[1].get("inserted", 0)
        if inserted >= count:
            break
        if not sampler.alive():
            raise RuntimeError(f"the consumer exited; see {log_path}")
        if inserted != last_change[1]:
            last_change = (time.monotonic(), inserted)
        elif time.monotonic() - last_change[0] > 30:
            raise RuntimeError(f"ingest stalled at {inserted:,.0f} rows; see {log_path}")
        time.sleep(0.25)
    cpu = sampler.cpu()
    peak_kb = sampler.peak_rss_kb()
    stats = sampler.stats()
    lab.stop(proc)
    # From the first stats line that saw rows to the one that saw them all.
    first = next((w, s) for w, s in stats if s["inserted"] > 0)
    last = next((w, s) for w, s in stats if s["inserted"] >= count)
    rate = (last[1]["inserted"] - first[1]["inserted"]) / (last[0] - first[0])
    rows = int(lab.sql("SELECT count(*) FROM reports"))
    rolled_up = int(lab.sql("SELECT coalesce(sum(probes), 0) FROM reports_hourly"))
    r = {"count": count, "rows": rows, "rate": rate, "cpu_per_1000": cpu / count * 1000,
         "peak_rss_mb": peak_kb / 1024, "batches": last[1]["batches"], "rolled_up": rolled_up,
         "times": {k: last[1].get(k, 0) for k in ("poll_s", "decode_s", "write_s", "stall_s",
                                                   "commit_s")}}
    r["copy_rate"] = raw_copy_rate(lab, rows)
    r["copy_ratio"] = rate / r["copy_rate"]
    log(f"  {rate:,.0f} reports/s into PostgreSQL; {rows:,} rows and {rolled_up:,} rolled up "
        f"for {count:,} reports; {r['batches']:.0f} transactions, each followed by its offset "
        f"commit; consumer CPU {r['cpu_per_1000']:.3f} s per 1000 reports, peak RSS "
        f"{r['peak_rss_mb']:.0f} MB; consumer times {r['times']}")
    log(f"  the same rows by a bare COPY into the same table: {r['copy_rate']:,.0f} rows/s; "
        f"the consumer makes {r['copy_ratio']:.2f} × that")
    return r


def raw_copy_rate(lab, rows):
    """The rows the consumer stored, put back with one bare COPY into the same partitioned
    table (psql's \\copy, over the same local TCP connection): no Kafka, no decoding, no
    rollups, no stored offsets. What PostgreSQL alone takes on this machine, timed right after
    the consumer, so the consumer's rate can be read as a ratio of it."""
    dump = os.path.join(lab.work, "ingest-rows.copy")
    lab.sql(f"\\copy (SELECT * FROM reports) TO '{dump}'")
    lab.sql("TRUNCATE reports")
    begin = time.monotonic()
    lab.sql(f"\\copy reports FROM '{dump}'")
    seconds = time.monotonic() - begin
    stored = int(lab.sql("SELECT count(*) FROM reports"))
    os.remove(dump)
    if stored != rows:
        raise RuntimeError(f"the bare COPY stored {stored:,} of {rows:,} rows")
    return rows / seconds


def generate_history(lab, urls, step):
    """30 days of probes of `urls` URLs ('http://127.0.0.1:8080/u/<i>', named 'u<i>'), one
    every `step` hours per URL, every 50th down and every 17th degraded, with the rollups the
    consumer would have kept. Returns (raw rows, hourly rollup rows, seconds taken)."""
    started = time.monotonic()
    lab.sql("SELECT webmon_ensure_report_partition(current_date - d, 0) "
            "FROM generate_series(-1, 31) AS d")
    lab.sql(f"""
        INSERT INTO reports (id, url, name, checked_at, ok, http_status, response_time_ms,
                             error_kind, error_message, producer_id, schema_version,
                             kafka_topic, kafka_partition, kafka_offset, status)
        SELECT gen_random_uuid(), 'http://127.0.0.1:8080/u/' || u, 'u' || u,
               date_trunc('hour', now()) - h * interval '1 hour' + (u % 3600) * interval '1 s',
               (u + h) % 50 <> 0, CASE WHEN (u + h) % 50 <> 0 THEN 200 END,
               ((u * 7 + h * 13) % 400) * 0.5,
               CASE WHEN (u + h) % 50 = 0 THEN 'timeout' END,
               CASE WHEN (u + h) % 50 = 0 THEN 'timed out' END, 'bench', 3, 'bench', 0, 0,
               CASE WHEN (u + h) % 50 = 0 THEN 'down' WHEN (u + h) % 17 = 0 THEN 'degraded'
                    ELSE 'up' END
        FROM generate_series(0, {urls - 1}) AS u, generate_series(0, 30 * 24 - 1, {step}) AS h""")
    # The rollups as the consumer would have left them (migration 009's backfill function).
    lab.sql("SELECT webmon_rebuild_rollups()")
    lab.sql("VACUUM ANALYZE reports, reports_hourly, reports_daily")
    rows = int(lab.sql("SELECT count(*) FROM reports"))
    hourly = int(lab.sql("SELECT count(*) FROM reports_hourly"))
    return rows, hourly, time.monotonic() - started


def scenario_history(lab, quick):
    """A 30-day uptime report for 10,000 URLs, from the rollups and from the raw rows, on a
    generated history (one probe per URL per hour, every 3 hours in a quick run: the rollups
    hold the same 24 rows per URL and day either way, the raw side is a lower bound of what a
    real 10-second period would store), and what a million rows cost on disk."""
    urls, step = 10_000, (3 if quick else 1)
    lab.use_broker("dev", 1)  # the config names one; the consumer only migrates here
    config = lab.write_config("history", 1, 60, 10)
    subprocess.run([os.path.join(lab.build, "consumer/webmon-consumer"), "--config", config,
                    "--migrate"], check=True, capture_output=True)
    lab.empty_tables()
    log(f"history: {urls:,} URLs, 30 days, a probe every {step} h per URL")
    rows, hourly, seconds = generate_history(lab, urls, step)
    log(f"  generated {rows:,} raw rows, {hourly:,} hourly rollup rows in {seconds:.0f} s")

    def timed(query, runs):
        times = []
        for _ in range(runs):
            out = lab.sql(f"EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) {query}")
            times.append(float(re.search(r"Execution Time: ([0-9.]+) ms", out).group(1)))
        return sorted(times)[len(times) // 2]

    rollup_query = ("SELECT url, probes, up + degraded, down, "
                    "round(100.0 * (up + degraded) / probes, 3) AS u "
                    "FROM webmon_rollups_since(now() - interval '30 days') ORDER BY u, url")
    raw_query = ("SELECT url, count(*), count(*) FILTER (WHERE ok), count(*) FILTER (WHERE NOT ok), "
                 "round(100.0 * count(*) FILTER (WHERE ok) / count(*), 3) AS u FROM reports "
                 "WHERE checked_at >= date_trunc('hour', now() - interval '30 days', 'UTC') "
                 "GROUP BY url ORDER BY u, url")
    same = lab.sql(f"SELECT count(*) FROM (({rollup_query}) EXCEPT ({raw_query})) AS d")
    r = {"urls": urls, "rows": rows, "hourly": hourly,
         "rollup_ms": timed(rollup_query, 5), "raw_ms": timed(raw_query, 3),
         "differences": int(same)}
    sizes = lab.sql("SELECT (SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits "
                    "WHERE inhparent = 'reports'::regclass), "
                    "pg_total_relation_size('reports_hourly')").split("|")
    r["raw_mb_per_million"] = int(sizes[0]) / rows * 1e6 / 2**20
    r["hourly_mb_per_million"] = int(sizes[1]) / hourly * 1e6 / 2**20
    log(f"  30-day uptime of {urls:,} URLs: rollups {r['rollup_ms']:.0f} ms, raw rows "
        f"{r['raw_ms']:.0f} ms ({r['raw_ms'] / r['rollup_ms']:.0f}x); answers differ in "
        f"{r['differences']} rows; {r['raw_mb_per_million']:.0f} MB per million raw rows, "
        f"{r['hourly_mb_per_million']:.0f} MB per million hourly rows")
    lab.empty_tables()
    return r



def http_get(port, path, headers=None):
    """One GET on a fresh connection, as a browser or a script opening the page would make it:
    (status, milliseconds to the last byte, body bytes, ETag)."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    begin = time.perf_counter()
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - begin) * 1000
    conn.close()
    return response.status, elapsed, len(body), response.getheader("ETag")


def scenario_status(lab, quick):
    """The status page and /api/v1/status of 10,000 configured URLs (20 groups), on 90 days of
    daily rollups, 30 days of raw rows and hourly rollups (generate_history), a state per URL
    and 500 incidents: the first request after a restart of PostgreSQL and the consumer (cold:
    PostgreSQL's shared buffers empty, the consumer without connections or uptime figures;
    the kernel's page cache is not dropped) and then 30 requests each (warm), interleaved."""
    urls, step, runs = 10_000, (3 if quick else 1), (10 if quick else 30)
    lab.use_broker("dev", 1)
    port = free_port()
    config = lab.write_config("status", 1, 60, 10, consumer={"status_listen": f"127.0.0.1:{port}"})
    with open(config) as f:
        settings = json.load(f)
    settings["monitored_urls"] = [
        {"url": f"http://127.0.0.1:8080/u/{u}", "name": f"u{u}", "group": f"group {u % 20:02d}",
         "timeout": 10, "period": 60} for u in range(urls)]
    with open(config, "w") as f:
        json.dump(settings, f)
    subprocess.run([os.path.join(lab.build, "consumer/webmon-consumer"), "--config", config,
                    "--migrate"], check=True, capture_output=True)
    lab.empty_tables()
    log(f"status: {urls:,} URLs in 20 groups, a probe every {step} h per URL for 30 days, "
        f"90 days of daily rollups")
    rows, hourly, seconds = generate_history(lab, urls, step)
    # Days 31 to 89 exist only as daily rollups (what the 90-day bar reads), as after the raw
    # partitions have been dropped by retention.
    lab.sql("""
        INSERT INTO reports_daily (url, day, probes, up, degraded, down, latency_sum_ms,
                                   latency_min_ms, latency_max_ms, latency_buckets,
                                   first_checked_at, last_checked_at)
        SELECT 'http://127.0.0.1:8080/u/' || u, (current_date - d)::date, 24,
               24 - (u + d) % 3, (u + d) % 3 - least((u + d) % 3, (u + d) % 2), least((u + d) % 3, (u + d) % 2),
               24 * 100.0, 10, 190, array_fill(0::bigint, ARRAY[21]),
               (current_date - d)::timestamptz, (current_date - d)::timestamptz + interval '23 hours'
        FROM generate_series(0, 9999) AS u, generate_series(31, 89) AS d""")
    lab.sql("""
        INSERT INTO monitor_state (url, name, state, since, last_checked_at)
        SELECT DISTINCT ON (url) url, name, status, checked_at - interval '2 hours', checked_at
        FROM reports WHERE checked_at >= date_trunc('hour', now()) - interval '1 hour'
        ORDER BY url, checked_at DESC""")
    lab.sql("""
        INSERT INTO incidents (url, name, opened_at, closed_at, cause_kind, cause, failed_probes)
        SELECT url, name, checked_at, checked_at + interval '4 minutes', 'timeout', 'timed out', 3
        FROM reports WHERE status = 'down' ORDER BY checked_at DESC LIMIT 500""")
    lab.sql("VACUUM ANALYZE reports_daily, monitor_state, incidents")
    states = int(lab.sql("SELECT count(*) FROM monitor_state"))
    if states != urls:
        raise RuntimeError(f"{states} states generated for {urls} URLs")
    log(f"  generated {rows:,} raw rows, {hourly:,} hourly rows, 90 days of daily rows, "
        f"{states:,} states in {seconds:.0f} s")

    pg_dir = os.path.join(lab.work, "pg")
    paths = {"page": "/", "api": "/api/v1/status"}

    def fresh_consumer():
        for action in ("stop", "restart"):
            subprocess.run([os.path.join(lab.source, "scripts/pg-throwaway.sh"), action, pg_dir],
                           check=True, stdout=subprocess.DEVNULL)
        proc, log_path = lab.start_service("consumer", config, "status-consumer")
        wait_for(lambda: Lab._port_open(port), 30, "the status listener")
        return proc

    r = {"urls": urls}
    for name, path in paths.items():
        proc = fresh_consumer()
        code, ms, size, _ = http_get(port, path)
        if code != 200:
            raise RuntimeError(f"GET {path} answered {code} right after the start")
        r[f"{name}_cold_ms"] = ms
        lab.stop(proc)
    proc = fresh_consumer()
    for path in paths.values():  # the connections and the uptime figures, once
        http_get(port, path)
    time.sleep(1)
    times = {key: [] for key in ("page", "api", "page_gzip", "api_gzip", "api_304", "page_last")}
    sizes = {}
    etag = None
    for _ in range(runs):
        for name, path in paths.items():
            code, ms, size, tag = http_get(port, path)
            times[name].append(ms)
            sizes[name] = size
            code, ms, size, _ = http_get(port, path, {"Accept-Encoding": "gzip"})
            times[f"{name}_gzip"].append(ms)
            sizes[f"{name}_gzip"] = size
            if name == "api":
                etag = tag
        code, ms, _, _ = http_get(port, "/api/v1/status", {"If-None-Match": etag})
        if code != 304:
            raise RuntimeError(f"If-None-Match with the current ETag answered {code}, not 304")
        times["api_304"].append(ms)
        code, ms, _, _ = http_get(port, f"/?page={urls // 100}")
        times["page_last"].append(ms)
    # Pages nobody has opened since the restart: their URLs' rollup rows are not in
    # PostgreSQL's buffers yet (the first page's are).
    times["page_first_view"] = []
    for page in range(2, 12):
        code, ms, _, _ = http_get(port, f"/?page={page * 7}")
        times["page_first_view"].append(ms)
    lab.stop(proc)
    for key, values in times.items():
        r[f"{key}_ms"] = statistics.median(values)
        r[f"{key}_max_ms"] = max(values)
    r["sizes"] = sizes
    # The same answer's SQL alone, for scale: each URL's state with its newest row.
    out = lab.sql("EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) SELECT s.url, s.state, r.* "
                  "FROM monitor_state s LEFT JOIN LATERAL (SELECT checked_at, response_time_ms "
                  "FROM reports r WHERE r.url = s.url AND r.checked_at = s.last_checked_at "
                  "LIMIT 1) r ON true")
    r["states_sql_ms"] = float(re.search(r"Execution Time: ([0-9.]+) ms", out).group(1))
    log(f"  page: cold {r['page_cold_ms']:.0f} ms, warm {r['page_ms']:.0f} ms (max "
        f"{r['page_max_ms']:.0f}), gzip {r['page_gzip_ms']:.0f} ms, last page "
        f"{r['page_last_ms']:.0f} ms, a page not viewed before {r['page_first_view_ms']:.0f} ms "
        f"(max {r['page_first_view_max_ms']:.0f}); {sizes['page'] / 1024:.0f} KiB, "
        f"{sizes['page_gzip'] / 1024:.0f} KiB gzipped")
    log(f"  /api/v1/status: cold {r['api_cold_ms']:.0f} ms, warm {r['api_ms']:.0f} ms (max "
        f"{r['api_max_ms']:.0f}), gzip {r['api_gzip_ms']:.0f} ms, 304 {r['api_304_ms']:.0f} ms; "
        f"{sizes['api'] / 1024:.0f} KiB, {sizes['api_gzip'] / 1024:.0f} KiB gzipped; the "
        f"states' SQL alone {r['states_sql_ms']:.0f} ms")
    lab.empty_tables()
    lab.sql("TRUNCATE reports_daily")
    return r


def scenario_end_to_end(lab, quick, kind="dev"):
    urls, period = 4_000, 2
    seconds = 10 if quick else 60
    lab.use_broker(kind)
    lab.empty_tables()
    log(f"end to end ({BROKER_NAMES[kind]}): {urls} URLs every {period} s ({urls // period} reports/s), producer + "
        f"consumer with default batching, {seconds} s")
    config = lab.write_config("e2e", urls, period, 1)
    consumer, consumer_log = lab.start_service("consumer", config, "e2e-consumer")
    producer, producer_log = lab.start_service("producer", config, "e2e-producer")
    warmup = period + 3
    time.sleep(warmup)
    measured_from = datetime.datetime.now(datetime.timezone.utc)
    time.sleep(seconds)
    measured_to = datetime.datetime.now(datetime.timezone.utc)
    time.sleep(3)  # let the last reports of the window land
    lab.stop(producer)
    lab.stop(consumer)
    # inserted_at is the storing transaction's start; its COMMIT follows within milliseconds.
    row = lab.sql(
        "SELECT count(*), "
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM inserted_at - checked_at)),"
        "percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM inserted_at - checked_at)),"
        "max(extract(epoch FROM inserted_at - checked_at)) "
        f"FROM reports WHERE checked_at >= '{measured_from.isoformat()}' "
        f"AND checked_at < '{measured_to.isoformat()}'").split("|")
    rows = int(row[0])
    r = {"rows": rows, "rate": rows / seconds, "p50_ms": float(row[1]) * 1000,
         "p99_ms": float(row[2]) * 1000, "max_ms": float(row[3]) * 1000}
    log(f"  {r['rate']:,.0f} reports/s stored; checked_at -> row p50 {r['p50_ms']:.0f} ms, "
        f"p99 {r['p99_ms']:.0f} ms, max {r['max_ms']:.0f} ms")
    return r


def scenario_kafka_down(lab, quick):
    urls, period = 4_000, 2
    down_seconds = 15 if quick else 60
    lab.restart_broker()
    log(f"kafka down: {urls} URLs every {period} s ({urls // period} reports/s), broker down "
        f"{down_seconds} s")
    config = lab.write_config("kafka-down", urls, period, 1,
                              producer={"queue_limit": 1_000_000})
    proc, log_path = lab.start_service("producer", config, "kafka-down")
    sampler = Sampler(proc, log_path)
    time.sleep(period + 3)
    rss_before = sampler.rss_kb()
    _, before = sampler.latest()
    lab.broker.send_signal(signal.SIGUSR1)
    time.sleep(down_seconds)
    rss_after = sampler.rss_kb()
    _, during = sampler.latest()
    up_at = time.time()
    lab.broker.send_signal(signal.SIGUSR2)
    buffered = during["queued"] - before["queued"]
    backlog = during["queued"]
    wait_for(lambda: sampler.latest()[1]["queued"] < 100 and sampler.latest()[0] > up_at, 300,
             "the backlog to drain")
    time.sleep(1.5)
    stats = [(w, s) for w, s in sampler.stats() if w > up_at]
    lab.stop(proc)
    # The drain rate: deliveries per second from the last stats line before deliveries moved
    # again to the first one with an empty queue (newly probed reports included).
    moving = next(i for i, (w, s) in enumerate(stats) if s["delivered"] > during["delivered"])
    drained = next((w, s) for w, s in stats if s["queued"] < 100)
    base = stats[moving - 1] if moving > 0 else (up_at, during)
    span = drained[0] - base[0]
    delivered = drained[1]["delivered"] - base[1]["delivered"]
    r = {"buffered": buffered, "backlog": backlog,
         "bytes_per_report": (rss_after - rss_before) * 1024 / buffered if buffered else 0,
         "noticed_after_s": stats[moving][0] - up_at,
         "drain_rate": delivered / span if span > 0 else float("nan"),
         "dropped": drained[1]["dropped"]}
    log(f"  buffered {buffered:,.0f} reports, RSS +{(rss_after - rss_before) / 1024:.1f} MB = "
        f"{r['bytes_per_report']:.0f} bytes per report; after the broker came back: first "
        f"delivery after {r['noticed_after_s']:.1f} s, drained at {r['drain_rate']:,.0f} "
        f"reports/s, dropped {r['dropped']:.0f}")
    return r


# --- report ---------------------------------------------------------------------------------

def verdict(passed):
    return "met" if passed else "NOT met"


def table(results, quick, wrk_rate):
    t, s, m, i, e, k = (results.get(x) for x in
                        ("throughput", "schedule", "memory", "ingest", "e2e", "kafka_down"))
    rows = []
    if t:
        rows.append(("probe throughput, fresh connection, 1 s timeout",
                     "≥ 10,000 probes/s, ≥ 0.5 × wrk",
                     f"{t['rate']:,.0f} probes/s of {t['scheduled']:,.0f} scheduled; "
                     f"{t['wrk_ratio']:.2f} × wrk ({wrk_rate:,.0f}/s); "
                     f"{t['cpu_per_1000']:.3f} CPU s/1000 probes; peak RSS "
                     f"{t['peak_rss_mb']:.0f} MB",
                     verdict(t["rate"] >= 10_000 and t["wrk_ratio"] >= 0.5)))
    if s:
        rows.append(("schedule: 20,000 URLs every 5 s", "p99 lag < 50 ms, no period skipped",
                     f"lag p50 {s['lag_p50']:.1f} ms, p99 {s['lag_p99_worst_second']:.1f} ms "
                     f"(worst second), max {s['lag_max']:.1f} ms; {s['skipped']:.0f} skipped; "
                     f"{s['rate']:,.0f} of {s['scheduled']:,.0f} probes/s",
                     verdict(s["lag_p99_worst_second"] < 50 and s["skipped"] == 0)))
    if m:
        rows.append(("memory: 100,000 URLs every 300 s", "peak RSS < 200 MB, load < 1 s",
                     f"peak RSS {m['peak_rss_mb']:.0f} MB; --check-config "
                     f"{m['check_config_s']:.2f} s",
                     verdict(m["peak_rss_mb"] < 200 and m["check_config_s"] < 1)))
    if i:
        rows.append(("consumer ingest with rollups and stored offsets", "≥ 100,000 reports/s",
                     f"{i['rate']:,.0f} reports/s ({i['rows']:,} rows for {i['count']:,}, "
                     f"{i['batches']:.0f} transactions); {i['copy_ratio']:.2f} × a bare COPY "
                     f"of the same rows ({i['copy_rate']:,.0f} rows/s)",
                     verdict(i["rate"] >= 100_000 and i["rows"] == i["count"]
                             and i["rolled_up"] == i["count"])))
    if e:
        rows.append(("end to end at 2,000 reports/s", "p99 checked_at → row < 1 s",
                     f"p50 {e['p50_ms']:.0f} ms, p99 {e['p99_ms']:.0f} ms, max "
                     f"{e['max_ms']:.0f} ms ({e['rate']:,.0f} rows/s)",
                     verdict(e["p99_ms"] < 1000)))
    h = results.get("history")
    if h:
        rows.append((f"30-day uptime report, {h['urls']:,} URLs", "< 250 ms from rollups",
                     f"rollups {h['rollup_ms']:.0f} ms, raw rows ({h['rows']:,}) "
                     f"{h['raw_ms']:.0f} ms, same answer ({h['differences']} rows differ); "
                     f"{h['raw_mb_per_million']:.0f} MB per million raw rows",
                     verdict(h["rollup_ms"] < 250 and h["differences"] == 0)))
    st = results.get("status")
    if st:
        rows.append((f"status page and /api/v1/status, {st['urls']:,} URLs",
                     "page < 300 ms, API < 100 ms",
                     f"page: warm {st['page_ms']:.0f} ms (max {st['page_max_ms']:.0f}), cold "
                     f"{st['page_cold_ms']:.0f} ms, gzip {st['page_gzip_ms']:.0f} ms, a page "
                     f"not viewed before {st['page_first_view_ms']:.0f} ms; API: warm "
                     f"{st['api_ms']:.0f} ms (max {st['api_max_ms']:.0f}), cold "
                     f"{st['api_cold_ms']:.0f} ms, gzip {st['api_gzip_ms']:.0f} ms, 304 "
                     f"{st['api_304_ms']:.0f} ms",
                     verdict(st["page_ms"] < 300 and st["api_ms"] < 100)))
    rl = results.get("reload")
    if rl:
        still, edited = rl["still"], rl["edited"]
        rows.append(("live reload: 20,000 URLs every 5 s, one URL added every 5 s",
                     "p99 lag < 50 ms while edited",
                     f"edited: p99 {edited['lag_p99_worst_second']:.1f} ms (worst second), max "
                     f"{edited['lag_max']:.1f} ms, {edited['reloads']} reloads for "
                     f"{edited['edits']} edits; untouched: p99 "
                     f"{still['lag_p99_worst_second']:.1f} ms, max {still['lag_max']:.1f} ms",
                     verdict(edited["lag_p99_worst_second"] < 50 and edited["skipped"] == 0
                             and edited["reloads"] >= edited["edits"] - 1)))
    for key, label in (("names_12k", "12,000 every 2 s"), ("names_60k", "60,000 every 30 s"),
                       ("names_100k", "100,000 every 60 s")):
        n = results.get(key)
        if not n:
            continue
        ip, name = n["ip"], n["name"]
        rows.append((f"host names: {label}, by IP vs by distinct name",
                     "by name ≥ 0.9 × by IP, p99 lag < 50 ms",
                     f"by IP {ip['rate']:,.0f}/s, p99 {ip['lag_p99_worst_second']:.1f} ms, "
                     f"{ip['rss_mb']:.0f} MB; by name {name['rate']:,.0f}/s, p99 "
                     f"{name['lag_p99_worst_second']:.1f} ms, {name['rss_mb']:.0f} MB, "
                     f"{name['ok_ratio']:.1%} up; {n['ratio']:.2f} × by IP",
                     verdict(n["ratio"] >= 0.9 and name["lag_p99_worst_second"] < 50
                             and name["ok_ratio"] > 0.999)))
    ir, er = results.get("ingest_real"), results.get("e2e_real")
    if ir:
        ratio = f"; {ir['rate'] / i['rate']:.2f} × the development broker" if i else ""
        rows.append(("consumer ingest on a real Kafka 4.1.2 node", "≥ 100,000 reports/s",
                     f"{ir['rate']:,.0f} reports/s ({ir['rows']:,} rows for {ir['count']:,}, "
                     f"{ir['batches']:.0f} transactions); {ir['copy_ratio']:.2f} × a bare COPY "
                     f"of the same rows ({ir['copy_rate']:,.0f} rows/s){ratio}",
                     verdict(ir["rate"] >= 100_000 and ir["rows"] == ir["count"]
                             and ir["rolled_up"] == ir["count"])))
    if er:
        ratio = f"; p99 {er['p99_ms'] / e['p99_ms']:.2f} × the development broker's" if e else ""
        rows.append(("end to end at 2,000 reports/s on a real Kafka 4.1.2 node",
                     "p99 checked_at → row < 1 s",
                     f"p50 {er['p50_ms']:.0f} ms, p99 {er['p99_ms']:.0f} ms, max "
                     f"{er['max_ms']:.0f} ms ({er['rate']:,.0f} rows/s){ratio}",
                     verdict(er["p99_ms"] < 1000)))
    if k:
        rows.append(("Kafka down at 2,000 reports/s", "≤ 600 B per buffered report, drain "
                     "≥ 20,000/s",
                     f"{k['buffered']:,.0f} buffered, {k['bytes_per_report']:.0f} B each; "
                     f"drain {k['drain_rate']:,.0f}/s (first delivery "
                     f"{k['noticed_after_s']:.1f} s after recovery); {k['dropped']:.0f} dropped",
                     verdict(k["bytes_per_report"] <= 600 and k["drain_rate"] >= 20_000)))
    lines = [
        f"webmon benchmark, {datetime.date.today()}, {os.cpu_count()} cores, "
        f"{'quick' if quick else 'full'} run",
        "",
        "| scenario | target | measured | |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)


SCENARIOS = ["throughput", "schedule", "reload", "memory", "ingest", "history", "status", "e2e",
             "kafka_down",
             "names_12k", "names_60k", "names_100k"]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", required=True, help="build directory with the binaries")
    parser.add_argument("--quick", action="store_true", help="short windows (generated histories still take minutes)")
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, help="run only these")
    parser.add_argument("--output", help="also write the table (markdown) to this file")
    parser.add_argument("--ingest-batch", type=int, default=5000,
                        help="consumer.batch_max_messages for the ingest scenario "
                             "(5000 is also the default)")
    parser.add_argument("--keep", action="store_true", help="keep logs and configs")
    parser.add_argument("--real-kafka", action="store_true",
                        help="also run ingest and e2e on one real Apache Kafka node, right "
                             "after the same scenario on the development broker")
    args = parser.parse_args()
    source = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    # A quick run leaves out the two host-name scenarios with long periods (each waits one
    # period, 30 or 60 s, twice); --only asks for them.
    wanted = list(args.only or [name for name in SCENARIOS
                                if not (args.quick and name in ("names_60k", "names_100k"))])
    if args.real_kafka:
        for name in ("ingest", "e2e"):
            if name in wanted:
                wanted.insert(wanted.index(name) + 1, f"{name}_real")

    # A SIGTERM (timeout, CI) cleans up like Ctrl-C does: servers stopped, nothing left behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    lab = Lab(os.path.abspath(args.build), source)
    results = {}
    failed = False
    try:
        lab.start_nginx()
        lab.start_postgres()
        if args.real_kafka:
            lab.start_real_kafka()
        wrk_rate = run_wrk(lab, 5 if args.quick else 10)
        runners = {
            "throughput": lambda: scenario_throughput(lab, args.quick, wrk_rate),
            "schedule": lambda: scenario_schedule(lab, args.quick),
            "reload": lambda: scenario_reload(lab, args.quick),
            "memory": lambda: scenario_memory(lab, args.quick),
            "ingest": lambda: scenario_ingest(lab, args.quick, args.ingest_batch),
            "history": lambda: scenario_history(lab, args.quick),
            "status": lambda: scenario_status(lab, args.quick),
            "e2e": lambda: scenario_end_to_end(lab, args.quick),
            "ingest_real": lambda: scenario_ingest(lab, args.quick, args.ingest_batch, "real"),
            "e2e_real": lambda: scenario_end_to_end(lab, args.quick, "real"),
            "kafka_down": lambda: scenario_kafka_down(lab, args.quick),
            "names_12k": lambda: scenario_names(lab, args.quick, 12_000, 2),
            "names_60k": lambda: scenario_names(lab, args.quick, 60_000, 30),
            "names_100k": lambda: scenario_names(lab, args.quick, 100_000, 60),
        }
        for name in wanted:
            try:
                results[name] = runners[name]()
            except Exception as error:  # one broken scenario should not hide the others
                failed = True
                log(f"scenario {name} failed: {error}")
        report = table(results, args.quick, wrk_rate)
        print()
        print(report)
        if args.output:
            with open(args.output, "w") as f:
                f.write(report + "\n")
    finally:
        lab.close(keep=args.keep or failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
