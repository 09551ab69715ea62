// System-library shim: exposes sndfile.h to Swift (found through pkg-config 'sndfile').
#include <sndfile.h>
