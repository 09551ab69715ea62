// Products of 8-bit weight codes and 8-bit activations: AVX-512 VNNI, AVX2 or portable C, chosen at compile time.
#include "CInt8Kernels.h"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

/// Row i of a block that may reach past the last row: computed again from the last row, and not stored.
static inline ptrdiff_t clamped(ptrdiff_t row, ptrdiff_t rows) { return row < rows ? row : rows - 1; }

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__AVX512VNNI__)

// A block of 4 weight rows by 4 activation rows keeps 16 accumulators and the 4 weight rows' codes and scales in
// registers (28 of the 32); each 64-column step is one vpdpbusd per pair (16 four-value sums), then the sums
// are scaled per group in float, since weights and activations each have their own scale per group.
enum { weightBlock = 4, activationBlock = 4 };

/// Four group scales at p, each spread over the four lanes that hold that group's sums.
static inline __m512 spread_groups(const float *p, __mmask8 groups) {
    const __m512i lane_group = _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0);
    return _mm512_permutexvar_ps(lane_group, _mm512_castps128_ps512(_mm_maskz_loadu_ps(groups, p)));
}

static void block_products(const HarkCodedWeights *w, ptrdiff_t o0, const HarkCodedActivations *a, ptrdiff_t r0,
                           ptrdiff_t columns, float *y, ptrdiff_t ldy) {
    const ptrdiff_t groups = columns / 16;
    const uint8_t *codes[weightBlock];
    const float *weight_scales[weightBlock], *offsets[weightBlock];
    const int8_t *values[activationBlock];
    const float *activation_scales[activationBlock], *sums[activationBlock];
    for (int i = 0; i < weightBlock; i++) {
        ptrdiff_t o = clamped(o0 + i, w->rows);
        codes[i] = w->codes + o * columns;
        weight_scales[i] = w->scales + o * groups;
        offsets[i] = w->offsets + o * groups;
    }
    for (int j = 0; j < activationBlock; j++) {
        ptrdiff_t r = clamped(r0 + j, a->rows);
        values[j] = a->values + r * columns;
        activation_scales[j] = a->scales + r * groups;
        sums[j] = a->sums + r * groups;
    }
    __m512 acc[weightBlock][activationBlock];
    for (int i = 0; i < weightBlock; i++)
        for (int j = 0; j < activationBlock; j++) acc[i][j] = _mm512_setzero_ps();

    for (ptrdiff_t c = 0; c < columns; c += 64) {
        const ptrdiff_t n = columns - c < 64 ? columns - c : 64;
        const __mmask64 bytes = n == 64 ? ~(__mmask64)0 : (((__mmask64)1 << n) - 1);
        const __mmask8 chunk_groups = (__mmask8)((1u << (n / 16)) - 1);
        __m512i u[weightBlock];
        __m512 su[weightBlock];
        for (int i = 0; i < weightBlock; i++) {
            u[i] = _mm512_maskz_loadu_epi8(bytes, codes[i] + c);
            su[i] = spread_groups(weight_scales[i] + c / 16, chunk_groups);
        }
        for (int j = 0; j < activationBlock; j++) {
            const __m512i x = _mm512_maskz_loadu_epi8(bytes, values[j] + c);
            const __m512 sx = spread_groups(activation_scales[j] + c / 16, chunk_groups);
            for (int i = 0; i < weightBlock; i++) {
                const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), u[i], x);
                acc[i][j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(su[i], sx), acc[i][j]);
            }
        }
    }
    for (ptrdiff_t g = 0; g < groups; g += 16) {
        const __mmask16 lanes = groups - g >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (groups - g)) - 1);
        for (int j = 0; j < activationBlock; j++) {
            const __m512 s = _mm512_maskz_loadu_ps(lanes, sums[j] + g);
            for (int i = 0; i < weightBlock; i++)
                acc[i][j] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(lanes, offsets[i] + g), s, acc[i][j]);
        }
    }
    for (int j = 0; j < activationBlock && r0 + j < a->rows; j++)
        for (int i = 0; i < weightBlock && o0 + i < w->rows; i++)
            y[(r0 + j) * ldy + o0 + i] = _mm512_reduce_add_ps(acc[i][j]);
}

const char *hark_int8_products_isa(void) { return "avx512-vnni"; }

#elif defined(__AVX2__) && defined(__FMA__)

// 16 columns at a time: codes and values widened to 16 bits and multiplied in pairs (vpmaddwd; vpmaddubsw's
// 16-bit saturation would clip codes above 127), one group per register, so its scale is one broadcast.
enum { weightBlock = 2, activationBlock = 4 };

static void block_products(const HarkCodedWeights *w, ptrdiff_t o0, const HarkCodedActivations *a, ptrdiff_t r0,
                           ptrdiff_t columns, float *y, ptrdiff_t ldy) {
    const ptrdiff_t groups = columns / 16;
    const uint8_t *codes[weightBlock];
    const float *weight_scales[weightBlock], *offsets[weightBlock];
    const int8_t *values[activationBlock];
    const float *activation_scales[activationBlock], *sums[activationBlock];
    for (int i = 0; i < weightBlock; i++) {
        ptrdiff_t o = clamped(o0 + i, w->rows);
        codes[i] = w->codes + o * columns;
        weight_scales[i] = w->scales + o * groups;
        offsets[i] = w->offsets + o * groups;
    }
    for (int j = 0; j < activationBlock; j++) {
        ptrdiff_t r = clamped(r0 + j, a->rows);
        values[j] = a->values + r * columns;
        activation_scales[j] = a->scales + r * groups;
        sums[j] = a->sums + r * groups;
    }
    __m256 acc[weightBlock][activationBlock];
    float offset_sum[weightBlock][activationBlock];
    for (int i = 0; i < weightBlock; i++)
        for (int j = 0; j < activationBlock; j++) { acc[i][j] = _mm256_setzero_ps(); offset_sum[i][j] = 0; }

    for (ptrdiff_t g = 0; g < groups; g++) {
        __m256i u[weightBlock];
        for (int i = 0; i < weightBlock; i++)
            u[i] = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(codes[i] + g * 16)));
        for (int j = 0; j < activationBlock; j++) {
            const __m256i x = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(values[j] + g * 16)));
            for (int i = 0; i < weightBlock; i++) {
                const __m256 dot = _mm256_cvtepi32_ps(_mm256_madd_epi16(u[i], x));
                acc[i][j] = _mm256_fmadd_ps(dot, _mm256_set1_ps(weight_scales[i][g] * activation_scales[j][g]), acc[i][j]);
                offset_sum[i][j] += offsets[i][g] * sums[j][g];
            }
        }
    }
    for (int j = 0; j < activationBlock && r0 + j < a->rows; j++)
        for (int i = 0; i < weightBlock && o0 + i < w->rows; i++) {
            const __m128 half = _mm_add_ps(_mm256_castps256_ps128(acc[i][j]), _mm256_extractf128_ps(acc[i][j], 1));
            const __m128 quarter = _mm_add_ps(half, _mm_movehl_ps(half, half));
            y[(r0 + j) * ldy + o0 + i] = _mm_cvtss_f32(_mm_add_ss(quarter, _mm_movehdup_ps(quarter))) + offset_sum[i][j];
        }
}

const char *hark_int8_products_isa(void) { return "avx2"; }

#else

enum { weightBlock = 1, activationBlock = 1 };

static void block_products(const HarkCodedWeights *w, ptrdiff_t o, const HarkCodedActivations *a, ptrdiff_t r,
                           ptrdiff_t columns, float *y, ptrdiff_t ldy) {
    const ptrdiff_t groups = columns / 16;
    const uint8_t *codes = w->codes + o * columns;
    const int8_t *values = a->values + r * columns;
    float sum = 0;
    for (ptrdiff_t g = 0; g < groups; g++) {
        int32_t dot = 0;
        for (int k = 0; k < 16; k++) dot += (int32_t)codes[g * 16 + k] * (int32_t)values[g * 16 + k];
        sum += (float)dot * (w->scales[o * groups + g] * a->scales[r * groups + g])
            + w->offsets[o * groups + g] * a->sums[r * groups + g];
    }
    y[r * ldy + o] = sum;
}

const char *hark_int8_products_isa(void) { return "portable"; }

#endif

void hark_int8_products(HarkCodedWeights weights, HarkCodedActivations activations, ptrdiff_t columns,
                        float *y, ptrdiff_t ldy) {
    // Activation rows outside: a block of them stays in L1 while the weight rows stream from L2.
    for (ptrdiff_t r = 0; r < activations.rows; r += activationBlock)
        for (ptrdiff_t o = 0; o < weights.rows; o += weightBlock)
            block_products(&weights, o, &activations, r, columns, y, ldy);
}
