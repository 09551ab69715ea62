#!/usr/bin/env python3
"""An OpenAI-compatible completions server over llama.cpp (llama-cpp-python's Llama), for the HTTP backend tests.

It serves the same GGUF as the embedded model through llama.cpp's own inference: GET /v1/models and
POST /v1/completions with echo and logprobs (text_offset, token_logprobs, tokens) and greedy generation.
Why not llama-cpp-python's bundled server: with Gemma's 262144-token vocabulary its echo path sorts the whole
vocabulary in Python for every prompt token (about 19 s per request here); this one gathers the log-probabilities
with numpy. The tests also run one short request against the bundled server to check the protocol matches.
Usage: completions_server.py MODEL.gguf  (binds 127.0.0.1 on a free port and prints "port N" on stdout)
"""
import json, os, sys, threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
from llama_cpp import Llama

llm = Llama(model_path=sys.argv[1], logits_all=True, n_ctx=2048, n_threads=1, verbose=False)
model_name = os.path.basename(sys.argv[1])


def evaluate(tokens):
    """Evaluates the tokens, reusing the cache for the prefix the previous request shared (as llama.cpp's
    servers do): the continuations of one prompt then cost a few tokens each."""
    shared = 0
    for a, b in zip(llm._input_ids.tolist(), tokens):
        if a != b:
            break
        shared += 1
    shared = min(shared, len(tokens) - 1)
    if shared > 0 and llm._ctx.kv_cache_seq_rm(-1, shared, -1):
        llm.n_tokens = shared
    else:
        llm.reset()
    llm.eval(tokens[llm.n_tokens:])


def log_softmax(row):
    row = row - row.max()
    return row - np.log(np.exp(row).sum())


def completion(body):
    prompt = body.get("prompt")
    if not isinstance(prompt, str):
        return 400, {"error": {"message": "prompt must be a string"}}
    max_tokens, stop = int(body.get("max_tokens", 16)), body.get("stop") or []
    tokens = llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=False)
    evaluate(tokens)
    generated = []
    for _ in range(max(1, max_tokens)):
        token = int(np.argmax(llm.scores[llm.n_tokens - 1]))
        if token == llm.token_eos():
            break
        generated.append(token)
        llm.eval([token])
        text = llm.detokenize(generated).decode("utf-8", errors="ignore")
        if any(s in text for s in stop):
            break
    completion_text = llm.detokenize(generated).decode("utf-8", errors="ignore")
    for s in stop:
        completion_text = completion_text.split(s)[0]
    choice = {"index": 0, "finish_reason": "length", "text": completion_text}
    if body.get("echo"):
        choice["text"] = prompt + completion_text
    if body.get("logprobs") is not None and body.get("echo"):
        all_tokens = tokens + generated
        scores = np.asarray(llm.scores[: len(all_tokens)])
        offsets, logprobs, strings = [], [], []
        for j in range(1, len(all_tokens)):  # the BOS token is not text
            offsets.append(len(llm.detokenize(all_tokens[1:j]).decode("utf-8", errors="ignore")))
            strings.append(llm.detokenize([all_tokens[j]], prev_tokens=all_tokens[:j]).decode("utf-8", errors="ignore"))
            logprobs.append(None if j == 1 else float(log_softmax(scores[j - 1])[all_tokens[j]]))
        choice["logprobs"] = {"tokens": strings, "text_offset": offsets, "token_logprobs": logprobs, "top_logprobs": None}
    return 200, {"object": "text_completion", "model": model_name, "choices": [choice]}


class Handler(BaseHTTPRequestHandler):
    def reply(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/v1/models":
            self.reply(200, {"object": "list", "data": [{"id": model_name, "object": "model"}]})
        else:
            self.reply(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self):
        if self.path != "/v1/completions":
            return self.reply(404, {"error": {"message": f"no route {self.path}"}})
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.reply(*completion(body))

    def log_message(self, *args):
        pass


# Exit when the test that started us goes away (it holds our standard input open).
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
server = HTTPServer(("127.0.0.1", 0), Handler)
print("port", server.server_port, flush=True)
server.serve_forever()
