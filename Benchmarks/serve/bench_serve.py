#!/usr/bin/env python3
"""Load on `hark serve` (loopback only), against `hark transcribe` run over the same files one after another.

1. Throughput: REQUESTS transcriptions of the bundled recordings (cycled), IN_FLIGHT at a time, with the server's
   defaults but --no-llm; audio seconds per wall second against one `hark transcribe` process given the same
   list of files; p50/p95 latency; the server's RSS after the first 20 requests and at the end.
2. Refusal: the same load on a server with one worker and a queue of one: refused requests get 429 (with
   Retry-After), none hangs (each has a 300-s client timeout).
3. SIGTERM during load: requests in flight complete, new connections are refused, the server exits 0.

Usage: Benchmarks/serve/bench_serve.py [--requests 200] [--in-flight 8] [--out Benchmarks/results/serve.md]
"""
import argparse, datetime, glob, http.client, os, re, signal, socket, statistics, subprocess, sys, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HARK = os.path.join(ROOT, ".build", "release", "hark")
BOUNDARY = "hark-bench-boundary"


def recordings():
    files = sorted(glob.glob(os.path.join(ROOT, "Audio", "*.flac")) + glob.glob(os.path.join(ROOT, "Audio", "*.wav")))
    return [(path, float(subprocess.run(["soxi", "-D", path], capture_output=True, text=True, check=True).stdout)) for path in files]


def start_server(arguments):
    process = subprocess.Popen([HARK, "serve", "--port", "0", "--no-llm", *arguments], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in process.stderr:
        match = re.search(r"listening on http://([\d.]+):(\d+)", line)
        if match:
            threading.Thread(target=lambda: [None for _ in process.stderr], daemon=True).start()
            return process, match.group(1), int(match.group(2))
    raise SystemExit("hark serve did not start")


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        return int(next(line.split()[1] for line in status if line.startswith("VmRSS"))) / 1024


def request(host, port, path):
    data = open(path, "rb").read()
    body = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{os.path.basename(path)}"\r\n'
            f'Content-Type: application/octet-stream\r\n\r\n').encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()
    start = time.monotonic()
    try:
        connection = http.client.HTTPConnection(host, port, timeout=300)
        connection.request("POST", "/v1/audio/transcriptions", body=body,
                           headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
        response = connection.getresponse()
        response.read()
        connection.close()
        return response.status, time.monotonic() - start, response.getheader("Retry-After")
    except (socket.timeout, TimeoutError):
        return "timeout", time.monotonic() - start, None
    except OSError as error:
        return type(error).__name__, time.monotonic() - start, None


def load(host, port, files, in_flight, on_done=None):
    """Sends every file once, `in_flight` at a time; returns [(status, latency, retry_after, seconds of audio)]."""
    results, lock, next_index = [None] * len(files), threading.Lock(), [0]

    def worker():
        while True:
            with lock:
                index = next_index[0]
                next_index[0] += 1
            if index >= len(files):
                return
            path, seconds = files[index]
            results[index] = (*request(host, port, path), seconds)
            if on_done:
                on_done(index)

    threads = [threading.Thread(target=worker) for _ in range(in_flight)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.monotonic() - start


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--in-flight", type=int, default=8)
    parser.add_argument("--out", default=os.path.join(ROOT, "Benchmarks", "results", "serve.md"))
    args = parser.parse_args()
    pool = recordings()
    files = [pool[i % len(pool)] for i in range(args.requests)]
    audio_seconds = sum(seconds for _, seconds in files)
    lines = []

    def say(line=""):
        print(line, flush=True)
        lines.append(line)

    # 1. Sequential `hark transcribe` over the same list, then the server under load.
    start = time.monotonic()
    subprocess.run([HARK, "transcribe", *[path for path, _ in files]], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sequential = time.monotonic() - start
    server, host, port = start_server([])
    rss = {}
    results, wall = load(host, port, files, args.in_flight,
                         on_done=lambda i: rss.setdefault("after20", rss_mib(server.pid)) if i >= min(20, len(files)) - 1 else None)
    rss["end"] = rss_mib(server.pid)
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=120)
    failures = [r for r in results if r[0] != 200]
    latencies = [r[1] for r in results if r[0] == 200]
    say(f"## Throughput: {args.requests} requests, {args.in_flight} in flight, {audio_seconds:.1f} s of audio")
    say()
    say("| | wall s | audio s per wall s | ratio |")
    say("|---|---|---|---|")
    say(f"| `hark transcribe` over the {args.requests} files, one process | {sequential:.1f} | {audio_seconds / sequential:.2f} | 1.00 |")
    say(f"| `hark serve` (1 worker, defaults) | {wall:.1f} | {audio_seconds / wall:.2f} | **{sequential / wall:.2f}** |")
    say()
    say(f"Failures: **{len(failures)}**. Latency p50 **{percentile(latencies, 0.5):.2f} s**, p95 **{percentile(latencies, 0.95):.2f} s** "
        f"(a request's wait in the queue included). Server RSS after 20 requests **{rss['after20']:.0f} MiB**, "
        f"at the end **{rss['end']:.0f} MiB** (+{rss['end'] - rss['after20']:.0f} MiB).")
    say()

    # 2. A queue small enough to refuse.
    server, host, port = start_server(["--workers", "1", "--queue", "1"])
    refusal_files = files[:40]
    results, wall = load(host, port, refusal_files, args.in_flight)
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=120)
    statuses = {}
    for status, _, retry_after, _ in results:
        key = f"{status}" + (f" (Retry-After {retry_after})" if retry_after else "")
        statuses[key] = statuses.get(key, 0) + 1
    say(f"## Refusal: {len(refusal_files)} requests, {args.in_flight} in flight, `--workers 1 --queue 1`")
    say()
    say("Answers: " + ", ".join(f"{status}: **{count}**" for status, count in sorted(statuses.items())) +
        f"; slowest answer {max(r[1] for r in results):.1f} s; {wall:.1f} s in all.")
    say()

    # 3. SIGTERM while requests run.
    server, host, port = start_server([])
    in_flight_results = []
    threads = [threading.Thread(target=lambda p=path: in_flight_results.append(request(host, port, p)[0]))
               for path, _ in pool[:args.in_flight]]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    server.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    try:
        socket.create_connection((host, port), timeout=5).close()
        new_connection = "accepted"
    except ConnectionRefusedError:
        new_connection = "refused"
    for thread in threads:
        thread.join()
    code = server.wait(timeout=300)
    say(f"## SIGTERM with {args.in_flight} requests sent")
    say()
    say(f"Answers: {sorted(str(s) for s in in_flight_results)}; a new connection after the signal: **{new_connection}**; "
        f"exit code **{code}**.")

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    header = [
        "# `hark serve` under load",
        "",
        f"Date: {datetime.date.today()}, commit {commit}. Machine: "
        f"{subprocess.run([os.path.join(ROOT, 'Benchmarks', 'machine.sh')], capture_output=True, text=True, check=True).stdout.strip()}. "
        f"Command: `python3 Benchmarks/serve/bench_serve.py --requests {args.requests} --in-flight {args.in_flight}`.",
        "Every request is a multipart upload from http.client on loopback; the server runs with --no-llm.",
        "",
    ]
    with open(args.out, "w") as out:
        out.write("\n".join(header + lines) + "\n")


if __name__ == "__main__":
    main()
