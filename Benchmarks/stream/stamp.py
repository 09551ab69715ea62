#!/usr/bin/env python3
"""Prefixes each line of stdin with the wall-clock time it arrived (seconds since the epoch, tab-separated)."""
import sys, time

for line in sys.stdin:
    sys.stdout.write(f"{time.time():.3f}\t{line}")
    sys.stdout.flush()
