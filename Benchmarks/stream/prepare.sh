# What the streaming benchmarks need on a fresh machine: hark built with its models (make), and the Python
# packages their pacing and analysis scripts import. Sourced by each of them from the repository root.
make -s deps models build >/dev/null
python3 -m pip install --quiet --disable-pip-version-check numpy soundfile soxr
