#!/usr/bin/env python3
"""Prompt-processing and generation speed of the embedded Gemma 3 270M: Hark (`hark generate`) against
llama.cpp (llama-cpp-python) on the same GGUF and thread count, in one run, median of repeats; then one topic
classification as a whole process (load, prompt, label scores), wall time and peak RSS of each.
Usage: bench_llm.py HARK GGUF [--threads 2] [--repeats 3]"""
import argparse, datetime, json, re, statistics, subprocess, sys, time
import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("hark"); ap.add_argument("gguf")
ap.add_argument("--threads", type=int, default=2); ap.add_argument("--repeats", type=int, default=3)
args = ap.parse_args()
paragraph = ("The history of the river valley is long and varied. Farmers grew wheat and barley on its banks, "
             "traders carried salt and wool along its roads, and travellers wrote about its bridges and mills. ")
prompt = paragraph * 8
generate = 32

hark_pp, hark_tg = [], []
for _ in range(args.repeats):
    err = subprocess.run([args.hark, "generate", "--prompt", prompt, "--max-tokens", str(generate), "--threads", str(args.threads),
                          "--llm", args.gguf], check=True, capture_output=True, text=True).stderr
    m = re.search(r"prompt: (\d+) tokens, ([\d.]+) tokens/s; generation: (\d+) tokens, ([\d.]+) tokens/s", err)
    prompt_tokens = int(m.group(1)); hark_pp.append(float(m.group(2))); hark_tg.append(float(m.group(4)))

from llama_cpp import Llama
llm = Llama(model_path=args.gguf, n_ctx=1024, n_threads=args.threads, n_threads_batch=args.threads, verbose=False)
tokens = llm.tokenize(prompt.encode(), add_bos=True)
ref_pp, ref_tg = [], []
for _ in range(args.repeats):
    llm.reset()
    start = time.perf_counter(); llm.eval(tokens); ref_pp.append(len(tokens) / (time.perf_counter() - start))
    start = time.perf_counter()
    for _ in range(generate):
        next_token = int(np.argmax(llm.scores[llm.n_tokens - 1]))
        llm.eval([next_token])
    ref_tg.append(generate / (time.perf_counter() - start))

del llm

# One classification as a whole process. llama.cpp's side runs the prompt Hark built (its --json "prompt") once
# and each label after it (the cache rewound to the prompt's end), twice over for Hark's calibration prompt; it
# keeps only the last position's logits (logits_all would reserve a row of 262k floats per context position).
text = "The striker scored twice in the final and the fans celebrated in the streets."
hark_classify = [args.hark, "classify", "--text", text, "--json", "--threads", str(args.threads), "--llm", args.gguf]
decision = json.loads(subprocess.run(hark_classify, check=True, capture_output=True, text=True).stdout)
labels = list(decision["scores"].keys())
llama_classify = [sys.executable, "-c", """
import sys, json
from llama_cpp import Llama
gguf, threads, prompt, labels = sys.argv[1], int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
llm = Llama(model_path=gguf, n_ctx=1024, n_threads=threads, n_threads_batch=threads, verbose=False)
for text in (prompt, prompt):
    tokens = llm.tokenize(text.encode(), add_bos=True)
    llm.reset(); llm.eval(tokens)
    for label in labels:
        llm.n_tokens = len(tokens); llm.eval(llm.tokenize((" " + label).encode(), add_bos=False))
""", args.gguf, str(args.threads), decision["prompt"], json.dumps(labels)]

def whole_process(command):
    """Wall seconds and peak RSS (MiB) of one run, measured by GNU time: a child forked from this process would
    start with its resident pages (llama.cpp's model, loaded above) and report them as its own peak."""
    start = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-f", "%M", *command], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, check=True)
    return time.perf_counter() - start, int(result.stderr.strip().splitlines()[-1]) / 1024

hark_runs = [whole_process(hark_classify) for _ in range(args.repeats)]
llama_runs = [whole_process(llama_classify) for _ in range(args.repeats)]
hark_wall, hark_rss = statistics.median(r[0] for r in hark_runs), max(r[1] for r in hark_runs)
llama_wall, llama_rss = statistics.median(r[0] for r in llama_runs), max(r[1] for r in llama_runs)

pp, tg = statistics.median(hark_pp), statistics.median(hark_tg)
rpp, rtg = statistics.median(ref_pp), statistics.median(ref_tg)
print("# Embedded LLM speed: Hark vs llama.cpp\n")
print(f"- date: {datetime.datetime.utcnow():%Y-%m-%dT%H:%MZ}")
print(f"- command: `python3 Benchmarks/llm/bench_llm.py {args.hark} {args.gguf} --threads {args.threads} --repeats {args.repeats}`")
print(f"- model: gemma-3-270m-q4_k_m.gguf; prompt {prompt_tokens} tokens (llama.cpp: {len(tokens)}), then {generate} greedy tokens; "
      f"{args.threads} threads; median of {args.repeats}\n")
print("| engine | prompt tokens/s | generation tokens/s |\n|---|---|---|")
print(f"| Hark (Swift, products on the quantized blocks) | {pp:.0f} | {tg:.1f} |")
print(f"| llama.cpp (llama-cpp-python, quantized kernels) | {rpp:.0f} | {rtg:.1f} |")
print(f"\n- Hark / llama.cpp: prompt processing {pp / rpp:.2f}x, generation {tg / rtg:.2f}x")
print(f"\n## One topic classification as a whole process (load, prompt, {len(labels)} labels, calibration prompt)\n")
print("| engine | wall s (median) | peak RSS MiB (largest) |\n|---|---|---|")
print(f"| Hark `hark classify --text` | {hark_wall:.2f} | {hark_rss:.0f} |")
print(f"| llama.cpp (llama-cpp-python, Python included) | {llama_wall:.2f} | {llama_rss:.0f} |")
print(f"\n- Hark / llama.cpp: wall time {llama_wall / hark_wall:.2f}x as fast, peak RSS {hark_rss / llama_rss:.2f}x")
