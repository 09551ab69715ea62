#!/usr/bin/env bash
# Prints one line naming the machine a benchmark ran on: CPU model and family, its widest vector unit, cores.
# The family and vector width say which kernels ran (the hosts change between Zen 3 and Zen 5 from one session
# to the next), so every benchmark's results name them the same way.
set -euo pipefail
field() { sed -n "s/^$1[[:space:]]*: *//p" /proc/cpuinfo | head -n 1; }
case " $(field flags) " in
    *" avx512f "*) vector=AVX-512 ;;
    *" avx2 "*) vector=AVX2 ;;
    *) vector="no AVX2" ;;
esac
echo "$(field 'model name'), CPU family $(field 'cpu family'), $vector, $(nproc) cores"
