// System-library shim: exposes soxr.h to Swift (found through pkg-config 'soxr').
#include <soxr.h>
