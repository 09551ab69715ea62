// Products of unsigned 8-bit weight codes with signed 8-bit activations, in C with intrinsics: the one product
// Swift cannot express (LLVM emits AVX-512 VNNI's vpdpbusd and AVX2's 8-bit pair sums only from intrinsics).
#ifndef HARK_CINT8KERNELS_H
#define HARK_CINT8KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Weights in groups of 16 values: value = scales[g] * codes[j] + offsets[g] (codes 0...255).
typedef struct {
    const uint8_t *codes;   // [rows][columns]
    const float *scales;    // [rows][columns / 16]
    const float *offsets;   // [rows][columns / 16]
    ptrdiff_t rows;
} HarkCodedWeights;

/// Activations in groups of 16 values: value = scales[g] * values[j]; sums[g] = scales[g] * (sum of the group's
/// values), which the weights' offsets multiply.
typedef struct {
    const int8_t *values;   // [rows][columns]
    const float *scales;    // [rows][columns / 16]
    const float *sums;      // [rows][columns / 16]
    ptrdiff_t rows;
} HarkCodedActivations;

/// y[r * ldy + o] = sum over columns of activation r times weight o, for every r and o. `columns` is a multiple
/// of 16. Each group's integer sum is exact; the groups are scaled and summed in float.
void hark_int8_products(HarkCodedWeights weights, HarkCodedActivations activations, ptrdiff_t columns,
                        float *y, ptrdiff_t ldy);

/// Which instructions the products were compiled for: "avx512-vnni", "avx2" or "portable".
const char *hark_int8_products_isa(void);

#endif
