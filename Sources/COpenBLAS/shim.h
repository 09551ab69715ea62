// System-library shim: exposes cblas.h to Swift (found through pkg-config 'openblas').
#include <cblas.h>
