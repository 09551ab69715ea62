// System-library shim: exposes fftw3.h to Swift (found through pkg-config 'fftw3f').
#include <fftw3.h>
