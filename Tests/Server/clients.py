#!/usr/bin/env python3
"""Real clients against a running `hark serve`, for the server tests: OpenAI's Python package, the `websockets`
package, and raw HTTP for hostile requests. Each subcommand prints one JSON document of what the client got, which
the Swift tests compare with `hark transcribe` and `hark stream` on the same files.

  clients.py openai URL KEY FILE                    every response_format, words, translation, stream=True, errors
  clients.py websocket URL KEY FILE FORMAT STEP_MS  PCM in 100-ms frames, the events received
  clients.py hostile URL KEY LIMIT_MB               bad and hostile requests, the status and JSON body of each
  clients.py burst URL KEY FILE N                   N requests at once: each one's status and Retry-After
  clients.py vacate URL KEY FILE                    a running request, a queued one that disconnects, then another
  clients.py drain URL KEY FILE PID                 SIGTERM to the server while a request runs
  clients.py understand URL KEY ROUTE --FIELD VALUE...  /v1/classify or /v1/answer with these form fields
"""
import asyncio, http.client, json, os, signal, socket, subprocess, sys, threading, time, urllib.parse

import openai
import websockets


def pcm(path, sample_format):
    """The file as 16-kHz mono raw PCM (sox), as a live source would send it."""
    encoding = ["-e", "signed-integer", "-b", "16"] if sample_format == "s16le" else ["-e", "floating-point", "-b", "32"]
    return subprocess.run(["sox", path, "-t", "raw", "-r", "16000", "-c", "1", *encoding, "-L", "-"],
                          check=True, capture_output=True).stdout


def openai_calls(url, key, path):
    client = openai.OpenAI(base_url=url + "/v1", api_key=key, max_retries=0)
    out = {}

    def transcribe(**fields):
        with open(path, "rb") as audio:
            return client.audio.transcriptions.create(model="whisper-1", file=audio, **fields)

    for response_format in ("json", "text", "srt", "vtt", "verbose_json"):
        result = transcribe(response_format=response_format)
        out[response_format] = result if isinstance(result, str) else result.model_dump()
    out["words"] = transcribe(response_format="verbose_json", timestamp_granularities=["word"]).model_dump()
    events = [event.model_dump() for event in transcribe(stream=True)]
    out["stream"] = events
    with open("Audio/asterisk-es-vm-intro.flac", "rb") as audio:
        out["translation"] = client.audio.translations.create(model="whisper-1", file=audio).model_dump()
    try:
        with open("README.md", "rb") as not_audio:
            client.audio.transcriptions.create(model="whisper-1", file=not_audio)
        out["not_audio"] = {"raised": None}
    except openai.APIStatusError as error:
        out["not_audio"] = {"raised": type(error).__name__, "status": error.status_code, "body": error.body}
    try:
        openai.OpenAI(base_url=url + "/v1", api_key="wrong", max_retries=0).models.list()
        out["wrong_key"] = {"raised": None}
    except openai.APIStatusError as error:
        out["wrong_key"] = {"raised": type(error).__name__, "status": error.status_code, "body": error.body}
    out["models"] = [model.id for model in client.models.list()]
    return out


async def websocket_stream(url, key, path, sample_format, step_ms):
    audio = pcm(path, sample_format)
    frame = 16000 * (2 if sample_format == "s16le" else 4) // 10
    query = {"format": sample_format, "rate": 16000, "step_ms": step_ms}
    address = url.replace("http://", "ws://") + "/v1/stream?" + urllib.parse.urlencode(query)
    events = []
    async with websockets.connect(address, additional_headers={"Authorization": f"Bearer {key}"}) as socket:
        async def send():
            for start in range(0, len(audio), frame):
                await socket.send(audio[start:start + frame])
            await socket.send(b"")  # the end of the audio
        sender = asyncio.create_task(send())
        async for message in socket:
            events.append(json.loads(message))
        await sender
        return {"events": events, "close_code": socket.close_code}


async def websocket_refused(url, key, query="", send_text=False):
    """A stream the server refuses (a text frame, a bad parameter, a wrong key): its events and close code."""
    address = url.replace("http://", "ws://") + "/v1/stream" + query
    async with websockets.connect(address, additional_headers={"Authorization": f"Bearer {key}"}) as socket:
        if send_text:
            await socket.send("hello")
        events = []
        try:
            async for message in socket:
                events.append(json.loads(message))
        except websockets.ConnectionClosedError:
            pass  # a close code other than 1000 ends the iteration with this
        return {"events": events, "close_code": socket.close_code}


def raw_request(url, method, path, body=b"", headers=None):
    parsed = urllib.parse.urlparse(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    try:
        document = json.loads(data)
    except ValueError:
        document = data.decode(errors="replace")
    return {"status": response.status, "body": document, "retry_after": response.getheader("Retry-After")}


def multipart(fields, files, boundary="hark-test-boundary"):
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, data in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f'Content-Type: application/octet-stream\r\n\r\n'.encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def hostile(url, key, limit_mb):
    auth = {"Authorization": f"Bearer {key}"}
    route = "/v1/audio/transcriptions"
    jfk = open("Audio/jfk.flac", "rb").read()
    out = {}
    body, headers = multipart([("model", "whisper-1")], [])
    out["missing_file"] = raw_request(url, "POST", route, body, {**headers, **auth})
    body, headers = multipart([("model", "whisper-1")], [("file", "notes.txt", b"these are not samples\n" * 40)])
    out["not_audio"] = raw_request(url, "POST", route, body, {**headers, **auth})
    out["empty_body"] = raw_request(url, "POST", route, b"", {"Content-Type": "multipart/form-data; boundary=x", **auth})
    body, headers = multipart([("model", "whisper-1")], [("file", "big.flac", b"\0" * (2 * limit_mb << 20))])
    out["too_large"] = raw_request(url, "POST", route, body, {**headers, **auth})
    body, headers = multipart([("model", "whisper-1")], [("file", "jfk.flac", jfk)])
    out["truncated"] = raw_request(url, "POST", route, body[: len(body) // 2], {**headers, **auth})
    out["wrong_key"] = raw_request(url, "POST", route, body, {**headers, "Authorization": "Bearer wrong"})
    out["no_key"] = raw_request(url, "POST", route, body, headers)
    body, headers = multipart([("model", "whisper-9")], [("file", "jfk.flac", jfk)])
    out["unknown_model"] = raw_request(url, "POST", route, body, {**headers, **auth})
    body, headers = multipart([("model", "whisper-1"), ("response_format", "pdf")], [("file", "jfk.flac", jfk)])
    out["unknown_format"] = raw_request(url, "POST", route, body, {**headers, **auth})
    body, headers = multipart([("model", "whisper-1"), ("language", "xx")], [("file", "jfk.flac", jfk)])
    out["unknown_language"] = raw_request(url, "POST", route, body, {**headers, **auth})
    out["not_multipart"] = raw_request(url, "POST", route, jfk, {"Content-Type": "audio/flac", **auth})
    body, headers = multipart([("text", "The match ended in a draw."), ("n_best_mode", "vote")], [])
    out["unknown_n_best_mode"] = raw_request(url, "POST", "/v1/classify", body, {**headers, **auth})
    body, headers = multipart([("text", "The match ended in a draw."), ("question", "How did it end?"),
                               ("options", "A draw|A win"), ("posterior_temperature", "0")], [])
    out["zero_posterior_temperature"] = raw_request(url, "POST", "/v1/answer", body, {**headers, **auth})
    out["websocket_text"] = asyncio.run(websocket_refused(url, key, send_text=True))
    out["websocket_bad_rate"] = asyncio.run(websocket_refused(url, key, "?rate=zero"))
    out["websocket_wrong_key"] = asyncio.run(websocket_refused(url, "wrong"))
    out["health_after"] = raw_request(url, "GET", "/health")
    return out


def transcription_request(url, key, path, results, index, timeout=600):
    body, headers = multipart([("model", "whisper-1")], [("file", os.path.basename(path), open(path, "rb").read())])
    try:
        results[index] = raw_request(url, "POST", "/v1/audio/transcriptions", body, {**headers, "Authorization": f"Bearer {key}"})
    except Exception as error:  # a refused or reset connection is a result too
        results[index] = {"status": None, "error": type(error).__name__}


def active_jobs(url):
    text = raw_request(url, "GET", "/metrics")["body"]
    return int(float(next(line.split()[1] for line in text.splitlines() if line.startswith("hark_active_jobs"))))


def wait_until(condition, seconds=60):
    deadline = time.time() + seconds
    while not condition():
        if time.time() > deadline:
            raise SystemExit("timed out waiting for the server")
        time.sleep(0.05)


def burst(url, key, path, count):
    results = [None] * count
    threads = [threading.Thread(target=transcription_request, args=(url, key, path, results, i)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"results": [{"status": r["status"], "retry_after": r.get("retry_after"),
                         "code": r["body"]["error"]["code"] if r["status"] and r["status"] != 200 else None} for r in results],
            "health_after": raw_request(url, "GET", "/health")["status"]}


def hang_up_after_sending(url, key, path, until):
    """Sends a transcription request, waits until `until()` holds on the server, then closes the socket unanswered."""
    body, headers = multipart([("model", "whisper-1")], [("file", os.path.basename(path), open(path, "rb").read())])
    parsed = urllib.parse.urlparse(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    connection.request("POST", "/v1/audio/transcriptions", body=body, headers={**headers, "Authorization": f"Bearer {key}"})
    wait_until(until)
    connection.sock.shutdown(socket.SHUT_RDWR)
    connection.close()


def hung_up_count(url):
    text = raw_request(url, "GET", "/metrics")["body"]
    return sum(int(float(line.split()[1])) for line in text.splitlines()
               if line.startswith('hark_requests_total{route="/v1/audio/transcriptions",status="499"}'))


def vacate(url, key, path):
    """With one worker and a queue of one: A runs; B waits and hangs up, and leaves the queue while A still runs;
    C then gets a place (not 429); D runs and hangs up, and its decoding stops (the worker is free again)."""
    results = [None, None]
    first = threading.Thread(target=transcription_request, args=(url, key, path, results, 0))
    first.start()
    wait_until(lambda: active_jobs(url) == 1)
    hang_up_after_sending(url, key, path, until=lambda: "hark_queue_length 1" in raw_request(url, "GET", "/metrics")["body"])
    wait_until(lambda: "hark_queue_length 0" in raw_request(url, "GET", "/metrics")["body"])
    a_running_when_b_left = results[0] is None
    transcription_request(url, key, path, results, 1)
    first.join()
    hang_up_after_sending(url, key, path, until=lambda: active_jobs(url) == 1)
    wait_until(lambda: active_jobs(url) == 0)
    return {"running": results[0]["status"], "a_running_when_b_left": a_running_when_b_left,
            "after_hang_up": results[1]["status"], "hung_up": hung_up_count(url)}


def drain(url, key, path, pid):
    """SIGTERM while a request runs: it completes, and a new connection is refused."""
    results = [None]
    running = threading.Thread(target=transcription_request, args=(url, key, path, results, 0))
    running.start()
    wait_until(lambda: active_jobs(url) == 1)
    os.kill(pid, signal.SIGTERM)
    time.sleep(0.5)
    parsed = urllib.parse.urlparse(url)
    try:
        socket.create_connection((parsed.hostname, parsed.port), timeout=5).close()
        new_connection = "accepted"
    except ConnectionRefusedError:
        new_connection = "refused"
    running.join()
    return {"in_flight": results[0]["status"], "text": results[0]["body"].get("text") if results[0]["status"] == 200 else None,
            "new_connection": new_connection}


def understand(url, key, route, arguments):
    fields, files = [], []
    for name, value in zip(arguments[::2], arguments[1::2]):
        name = name.lstrip("-")
        if name == "file":
            files.append(("file", os.path.basename(value), open(value, "rb").read()))
        else:
            fields.append((name, value))
    body, headers = multipart(fields, files)
    answer = raw_request(url, "POST", f"/v1/{route}", body, {**headers, "Authorization": f"Bearer {key}"})
    if answer["status"] != 200:
        raise SystemExit(f"/v1/{route}: {answer}")
    return answer["body"]


def main():
    command, url, key = sys.argv[1:4]
    if command == "openai":
        result = openai_calls(url, key, sys.argv[4])
    elif command == "websocket":
        result = asyncio.run(websocket_stream(url, key, sys.argv[4], sys.argv[5], sys.argv[6]))
    elif command == "hostile":
        result = hostile(url, key, int(sys.argv[4]))
    elif command == "burst":
        result = burst(url, key, sys.argv[4], int(sys.argv[5]))
    elif command == "vacate":
        result = vacate(url, key, sys.argv[4])
    elif command == "understand":
        result = understand(url, key, sys.argv[4], sys.argv[5:])
    elif command == "drain":
        result = drain(url, key, sys.argv[4], int(sys.argv[5]))
    else:
        raise SystemExit(f"unknown command {command}")
    json.dump(result, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
