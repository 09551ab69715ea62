// System-library shim: exposes zlib.h to Swift (found through pkg-config 'zlib').
#include <zlib.h>
