// Products of 8-bit weights with signed 8-bit activations, in C with intrinsics: the one product Swift cannot
// express (LLVM emits AVX-512 VNNI's vpdpbusd and AVX2's 8-bit pair sums only from intrinsics); and the build's
// vector width, which Swift code cannot test at compile time.
#ifndef HARK_CINT8KERNELS_H
#define HARK_CINT8KERNELS_H

#include <stddef.h>
#include <stdint.h>
#if defined(__AVX__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

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

/// ggml's 32-value blocks that have decoding-step products here.
typedef enum {
    HarkQ8_0 = 0,  // 34 bytes: half scale, 32 signed bytes
    HarkQ5_0 = 1,  // 22 bytes: half scale, the 32 fifth bits, 16 bytes of 4-bit pairs; value - 16
} HarkBlock32Format;

/// y[r * ldy + o] = weight row o (blocks of `format`, rows `row_bytes` apart) times activation row r (its 32-value
/// blocks' signed bytes `values`, [activation_rows][blocks * 32], and scales, [activation_rows][blocks]), for
/// o < rows and r < activation_rows. For decoding steps (a few activation rows): each block's integer sum is
/// exact, the blocks are scaled and summed in float as llama.cpp's vec_dot does.
void hark_block32_products(HarkBlock32Format format, const uint8_t *weights, ptrdiff_t row_bytes, ptrdiff_t rows,
                           const int8_t *values, const float *scales, ptrdiff_t activation_rows, ptrdiff_t blocks,
                           float *y, ptrdiff_t ldy);

/// Which instructions the products were compiled for: "avx512-vnni", "avx2" or "portable".
const char *hark_int8_products_isa(void);

/// Int8 weights packed for products with 8-bit activation rows: panels of 16 output rows, each a run of column
/// quads of 64 bytes (row k's four consecutive columns at 4k), the operand vpdpbusd multiplies; per row, its scale
/// and the sum of its codes. Rows past `outputs` (the last panel's padding) are zero.
typedef struct {
    const int8_t *panels;    // [outputs / 16 rounded up][columns / 4][16][4]
    const float *scales;     // one per row, padded to whole panels
    const int32_t *sums;     // one per row, padded to whole panels
    ptrdiff_t columns;       // a multiple of 4
    ptrdiff_t outputs;
} HarkInt8Panels;

/// Activation rows quantized per row: value = scale * (code - 128).
typedef struct {
    const uint8_t *codes;    // [rows][columns]
    const float *scales;     // [rows]
    ptrdiff_t rows;
} HarkOffsetRows;

/// y[r * ldy + o] = (float)(sum_c code[r, c] * w[o, c] - 128 * sums[o]) * (scales[o] * x.scales[r]) + bias[o]
/// (no bias: nil) for every row r and every output o of panels first_panel..<end_panel: the integer sums exact,
/// the float steps in this order in every build, so each gives the same bits.
void hark_int8_panel_products(const HarkInt8Panels *weights, ptrdiff_t first_panel, ptrdiff_t end_panel,
                              const HarkOffsetRows *x, const float *bias, float *y, ptrdiff_t ldy);

/// Quantizes float rows [rows][columns] for hark_int8_panel_products: per row scale = max |x| / 127, code =
/// x / scale rounded to nearest even, plus 128 (1...255); columns up to `stored_columns` get 128 (zero).
void hark_quantize_offset_rows(const float *x, ptrdiff_t rows, ptrdiff_t columns, ptrdiff_t stored_columns,
                               uint8_t *codes, float *scales);

/// Which instructions hark_int8_panel_products was compiled for: "avx512-vnni", "avx2" or "portable".
const char *hark_int8_panel_products_isa(void);

/// The width of the widest vectors this build targets (-march=native, as the Swift code's -target-cpu native):
/// Swift has no compile-time test of the target's features, so its kernels ask here to choose their tile shapes.
static inline int hark_vector_bits(void) {
#if defined(__AVX512F__)
    return 512;
#elif defined(__AVX__)
    return 256;
#else
    return 128;
#endif
}

/// Sixteen float16 values at p (any alignment) widened to float32, as Swift's SIMD16<Float>: one vcvtph2ps
/// inlined wherever it is used. (Swift's own conversion, generic in the standard library, became an out-of-line
/// call inside the largest product kernels, 3-5% of a batched transcription.)
typedef float hark_float16x16 __attribute__((ext_vector_type(16)));
static inline hark_float16x16 hark_widen_halves(const void *p) {
#if defined(__AVX512F__)
    return (hark_float16x16)_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p));
#elif defined(__F16C__) && defined(__AVX__)
    const __m256 low = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
    const __m256 high = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p + 1));
    hark_float16x16 out;
    __builtin_memcpy(&out, &low, 32);
    __builtin_memcpy((char *)&out + 32, &high, 32);
    return out;
#else
    hark_float16x16 out;
    for (int i = 0; i < 16; i++) out[i] = (float)((const _Float16 *)p)[i];
    return out;
#endif
}

#endif
