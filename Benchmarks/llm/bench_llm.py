#!/usr/bin/env python3
"""Prompt-processing and generation speed of the embedded Gemma 3 270M: Hark (`hark generate`) against
llama.cpp (llama-cpp-python) on the same GGUF and thread count, in one run, median of repeats.
Usage: bench_llm.py HARK GGUF [--threads 2] [--repeats 3]"""
import argparse, datetime, re, statistics, subprocess, time
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

pp, tg = statistics.median(hark_pp), statistics.median(hark_tg)
rpp, rtg = statistics.median(ref_pp), statistics.median(ref_tg)
print("# Embedded LLM speed: Hark vs llama.cpp\n")
print(f"- date: {datetime.datetime.utcnow():%Y-%m-%dT%H:%MZ}")
print(f"- command: `python3 Benchmarks/llm/bench_llm.py {args.hark} {args.gguf} --threads {args.threads} --repeats {args.repeats}`")
print(f"- model: gemma-3-270m-q4_k_m.gguf; prompt {prompt_tokens} tokens (llama.cpp: {len(tokens)}), then {generate} greedy tokens; "
      f"{args.threads} threads; median of {args.repeats}\n")
print("| engine | prompt tokens/s | generation tokens/s |\n|---|---|---|")
print(f"| Hark (Swift, weights dequantized to float32, OpenBLAS) | {pp:.0f} | {tg:.1f} |")
print(f"| llama.cpp (llama-cpp-python, quantized kernels) | {rpp:.0f} | {rtg:.1f} |")
print(f"\n- Hark / llama.cpp: prompt processing {pp / rpp:.2f}x, generation {tg / rtg:.2f}x")
