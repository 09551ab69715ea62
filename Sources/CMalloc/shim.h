// System-library shim: exposes glibc's malloc.h (mallopt) to Swift, whose Glibc module leaves it out.
#include <malloc.h>
