#!/usr/bin/env python3
"""A completions server that takes its time and counts how many requests it holds at once, for --llm-concurrency.

POST /v1/completions echoes the prompt as two tokens, everything before the last space and the rest, and scores
the second minus its length in characters; each request takes 0.1 s. GET /stats answers {"max_in_flight": N,
"requests": M}. Usage: counting_server.py (binds 127.0.0.1 on a free port and prints "port N"; quits when stdin
closes).
"""
import json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
state = {"in_flight": 0, "max_in_flight": 0, "requests": 0}


class Handler(BaseHTTPRequestHandler):
    def answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with lock:
            if self.path.endswith("/stats"):
                self.answer({"max_in_flight": state["max_in_flight"], "requests": state["requests"]})
            else:
                self.answer({"data": [{"id": "counting"}]})

    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with lock:
            state["in_flight"] += 1
            state["requests"] += 1
            state["max_in_flight"] = max(state["max_in_flight"], state["in_flight"])
        time.sleep(0.1)
        text = request["prompt"]
        split = text.rindex(" ")
        logprobs = {"tokens": [text[:split], text[split:]], "text_offset": [0, split],
                    "token_logprobs": [None, -float(len(text) - split)]}
        with lock:
            state["in_flight"] -= 1
        self.answer({"choices": [{"text": text, "logprobs": logprobs}]})

    def log_message(self, *args):
        pass


threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("port", server.server_port, flush=True)
server.serve_forever()
