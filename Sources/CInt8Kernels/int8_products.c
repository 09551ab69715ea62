// Products of 8-bit weights and 8-bit activations, for prompts (recoded tiles) and decoding steps (Q8_0 and Q5_0
// blocks as stored): AVX-512 VNNI, AVX2 or portable C, chosen at compile time.
#include "CInt8Kernels.h"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#if defined(__AVX2__)
/// 8 lanes summed.
static inline float lane_sum(__m256 v) {
    const __m128 half = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 quarter = _mm_add_ps(half, _mm_movehl_ps(half, half));
    return _mm_cvtss_f32(_mm_add_ss(quarter, _mm_movehdup_ps(quarter)));
}
#endif

/// One row of coded weights or activations. A block of rows that reaches past the last row takes the last row
/// again for the rest (computed, not stored).
typedef struct { const uint8_t *codes; const float *scales, *offsets; } CodedWeightRow;
typedef struct { const int8_t *values; const float *scales, *sums; } CodedActivationRow;

static inline CodedWeightRow weight_row(const HarkCodedWeights *w, ptrdiff_t row, ptrdiff_t columns) {
    const ptrdiff_t o = row < w->rows ? row : w->rows - 1;
    return (CodedWeightRow){w->codes + o * columns, w->scales + o * (columns / 16), w->offsets + o * (columns / 16)};
}

static inline CodedActivationRow activation_row(const HarkCodedActivations *a, ptrdiff_t row,
                                                                        ptrdiff_t columns) {
    const ptrdiff_t r = row < a->rows ? row : a->rows - 1;
    return (CodedActivationRow){a->values + r * columns, a->scales + r * (columns / 16), a->sums + r * (columns / 16)};
}

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

static void block_products(const CodedWeightRow *wr, int weight_rows, const CodedActivationRow *ar,
                           int activation_rows, ptrdiff_t columns, float *y, ptrdiff_t ldy) {
    const ptrdiff_t groups = columns / 16;
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
            u[i] = _mm512_maskz_loadu_epi8(bytes, wr[i].codes + c);
            su[i] = spread_groups(wr[i].scales + c / 16, chunk_groups);
        }
        for (int j = 0; j < activationBlock; j++) {
            const __m512i x = _mm512_maskz_loadu_epi8(bytes, ar[j].values + c);
            const __m512 sx = spread_groups(ar[j].scales + c / 16, chunk_groups);
            for (int i = 0; i < weightBlock; i++) {
                const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), u[i], x);
                acc[i][j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(su[i], sx), acc[i][j]);
            }
        }
    }
    for (ptrdiff_t g = 0; g < groups; g += 16) {
        const __mmask16 lanes = groups - g >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (groups - g)) - 1);
        for (int j = 0; j < activationBlock; j++) {
            const __m512 s = _mm512_maskz_loadu_ps(lanes, ar[j].sums + g);
            for (int i = 0; i < weightBlock; i++)
                acc[i][j] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(lanes, wr[i].offsets + g), s, acc[i][j]);
        }
    }
    for (int j = 0; j < activation_rows; j++)
        for (int i = 0; i < weight_rows; i++) y[j * ldy + i] = _mm512_reduce_add_ps(acc[i][j]);
}

const char *hark_int8_products_isa(void) { return "avx512-vnni"; }

#elif defined(__AVX2__) && defined(__FMA__)

// 16 columns at a time: codes and values widened to 16 bits and multiplied in pairs (vpmaddwd; vpmaddubsw's
// 16-bit saturation would clip codes above 127), one group per register, so its scale is one broadcast.
enum { weightBlock = 2, activationBlock = 4 };

static void block_products(const CodedWeightRow *wr, int weight_rows, const CodedActivationRow *ar,
                           int activation_rows, ptrdiff_t columns, float *y, ptrdiff_t ldy) {
    const ptrdiff_t groups = columns / 16;
    __m256 acc[weightBlock][activationBlock];
    float offset_sum[weightBlock][activationBlock];
    for (int i = 0; i < weightBlock; i++)
        for (int j = 0; j < activationBlock; j++) { acc[i][j] = _mm256_setzero_ps(); offset_sum[i][j] = 0; }

    for (ptrdiff_t g = 0; g < groups; g++) {
        __m256i u[weightBlock];
        for (int i = 0; i < weightBlock; i++)
            u[i] = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(wr[i].codes + g * 16)));
        for (int j = 0; j < activationBlock; j++) {
            const __m256i x = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(ar[j].values + g * 16)));
            for (int i = 0; i < weightBlock; i++) {
                const __m256 dot = _mm256_cvtepi32_ps(_mm256_madd_epi16(u[i], x));
                acc[i][j] = _mm256_fmadd_ps(dot, _mm256_set1_ps(wr[i].scales[g] * ar[j].scales[g]), acc[i][j]);
                offset_sum[i][j] += wr[i].offsets[g] * ar[j].sums[g];
            }
        }
    }
    for (int j = 0; j < activation_rows; j++)
        for (int i = 0; i < weight_rows; i++) y[j * ldy + i] = lane_sum(acc[i][j]) + offset_sum[i][j];
}

const char *hark_int8_products_isa(void) { return "avx2"; }

#else

enum { weightBlock = 1, activationBlock = 1 };

static void block_products(const CodedWeightRow *wr, int weight_rows, const CodedActivationRow *ar,
                           int activation_rows, ptrdiff_t columns, float *y, ptrdiff_t ldy) {
    (void)weight_rows, (void)activation_rows, (void)ldy;
    float sum = 0;
    for (ptrdiff_t g = 0; g < columns / 16; g++) {
        int32_t dot = 0;
        for (int k = 0; k < 16; k++) dot += (int32_t)wr->codes[g * 16 + k] * (int32_t)ar->values[g * 16 + k];
        sum += (float)dot * (wr->scales[g] * ar->scales[g]) + wr->offsets[g] * ar->sums[g];
    }
    *y = sum;
}

const char *hark_int8_products_isa(void) { return "portable"; }

#endif

void hark_int8_products(HarkCodedWeights weights, HarkCodedActivations activations, ptrdiff_t columns,
                        float *y, ptrdiff_t ldy) {
    // Activation rows outside: a block of them stays in L1 while the weight rows stream from L2.
    for (ptrdiff_t r = 0; r < activations.rows; r += activationBlock) {
        CodedActivationRow ar[activationBlock];
        for (int j = 0; j < activationBlock; j++) ar[j] = activation_row(&activations, r + j, columns);
        const ptrdiff_t activation_rows = activations.rows - r < activationBlock ? activations.rows - r : activationBlock;
        for (ptrdiff_t o = 0; o < weights.rows; o += weightBlock) {
            CodedWeightRow wr[weightBlock];
            for (int i = 0; i < weightBlock; i++) wr[i] = weight_row(&weights, o + i, columns);
            const ptrdiff_t weight_rows = weights.rows - o < weightBlock ? weights.rows - o : weightBlock;
            block_products(wr, (int)weight_rows, ar, (int)activation_rows, columns, y + r * ldy + o, ldy);
        }
    }
}

/// An IEEE half at p (little-endian) as float.
static inline float half_at(const uint8_t *p) {
    const uint16_t h = (uint16_t)(p[0] | p[1] << 8);
#if defined(__F16C__)
    return _cvtsh_ss(h);
#else
    const uint32_t sign = (uint32_t)(h & 0x8000) << 16, exponent = h >> 10 & 0x1F;
    uint32_t mantissa = h & 0x3FF, bits;
    if (exponent == 0x1F) {
        bits = sign | 0x7F800000 | mantissa << 13;
    } else if (exponent != 0) {
        bits = sign | (exponent + 112) << 23 | mantissa << 13;
    } else if (mantissa == 0) {
        bits = sign;
    } else {  // subnormal: renormalize
        uint32_t e = 113;
        while (!(mantissa & 0x400)) { mantissa <<= 1; e--; }
        bits = sign | e << 23 | (mantissa & 0x3FF) << 13;
    }
    float f;
    __builtin_memcpy(&f, &bits, sizeof f);
    return f;
#endif
}

#if defined(__AVX2__) && defined(__FMA__)
/// The 32 signed weights of a block (Q8_0: stored; Q5_0: 4 low bits in nibbles, the fifth in a 32-bit word, minus
/// 16), and its scale in *d.
static inline __m256i block_weights(const uint8_t *block, const int format, float *d) {
    *d = half_at(block);
    if (format == 0) return _mm256_loadu_si256((const __m256i *)(block + 2));
    const __m128i packed = _mm_loadu_si128((const __m128i *)(block + 6));
    const __m256i nibbles = _mm256_and_si256(
        _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed), _mm256_set1_epi8(0x0F));
    uint32_t fifth;
    __builtin_memcpy(&fifth, block + 2, 4);
    // Byte j takes bit j of the word: each byte gets the word's byte j / 8, and is tested against bit j % 8.
    const __m256i byte_of_bit = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                                 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i bit = _mm256_set1_epi64x(0x8040201008040201);
    const __m256i spread = _mm256_shuffle_epi8(_mm256_set1_epi32((int)fifth), byte_of_bit);
    const __m256i high = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit), _mm256_set1_epi8(0x10));
    return _mm256_sub_epi8(_mm256_or_si256(nibbles, high), _mm256_set1_epi8(16));
}

#else
/// Weight j of a block as an integer (see the vector version above).
static inline int block_weight(const uint8_t *block, const int format, int j) {
    if (format == 0) return (int8_t)block[2 + j];
    const uint32_t fifth = (uint32_t)block[2] | (uint32_t)block[3] << 8 | (uint32_t)block[4] << 16 | (uint32_t)block[5] << 24;
    const int low = j < 16 ? block[6 + j] & 0x0F : block[6 + j - 16] >> 4;
    return (low | (int)(fifth >> j & 1) << 4) - 16;
}
#endif

#if defined(__AVX2__) && defined(__FMA__)
/// Block b of a weight row times block b of `count` activation rows, added to acc[r].
static inline __attribute__((always_inline)) void block_step(const uint8_t *row, const int format, ptrdiff_t block_bytes,
                                                            const int8_t *values, const float *scales, ptrdiff_t blocks,
                                                            ptrdiff_t b, __m256 *acc, const int count) {
    float d;
    const __m256i w = block_weights(row + b * block_bytes, format, &d);
#if defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__AVX512VNNI__)
    // vpdpbusd multiplies unsigned by signed bytes: the weights' magnitudes by the activations carrying the
    // weights' signs (the sign moved across, the products are unchanged).
    const __m256i magnitude = _mm256_abs_epi8(w);
    const __mmask32 negative = _mm256_movepi8_mask(w);
#else
    // vpmaddubsw likewise; |w| * x <= 128 * 127 keeps its 16-bit pair sums exact.
    const __m256i magnitude = _mm256_sign_epi8(w, w);
#endif
    for (int r = 0; r < count; r++) {
        const __m256i x = _mm256_loadu_si256((const __m256i *)(values + r * blocks * 32 + b * 32));
#if defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__AVX512VNNI__)
        const __m256i signed_x = _mm256_mask_sub_epi8(x, negative, _mm256_setzero_si256(), x);
        const __m256i dot = _mm256_dpbusd_epi32(_mm256_setzero_si256(), magnitude, signed_x);
#else
        const __m256i dot = _mm256_madd_epi16(_mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(x, w)), _mm256_set1_epi16(1));
#endif
        acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_set1_ps(d * scales[r * blocks + b]), acc[r]);
    }
}
#endif

/// One weight row of 32-value blocks (format 0: Q8_0, 34 bytes; 1: Q5_0, 22 bytes) against `count` (1...4)
/// activation rows; `format` and `count` are constants where this is inlined, so the accumulators stay in
/// registers.
static inline __attribute__((always_inline)) void block_row(const uint8_t *row, const int format, const int8_t *values,
                                                           const float *scales, ptrdiff_t blocks, float *y, ptrdiff_t ldy,
                                                           const int count) {
    const ptrdiff_t block_bytes = format == 0 ? 34 : 22;
#if defined(__AVX2__) && defined(__FMA__)
    // Even and odd blocks in their own accumulators: with one, each block waits for the previous block's
    // addition (4 cycles), longer than the block's own work.
    __m256 even[4], odd[4];
    for (int r = 0; r < 4; r++) even[r] = odd[r] = _mm256_setzero_ps();
    ptrdiff_t b = 0;
    for (; b + 1 < blocks; b += 2) {
        block_step(row, format, block_bytes, values, scales, blocks, b, even, count);
        block_step(row, format, block_bytes, values, scales, blocks, b + 1, odd, count);
    }
    if (b < blocks) block_step(row, format, block_bytes, values, scales, blocks, b, even, count);
    for (int r = 0; r < count; r++) y[r * ldy] = lane_sum(_mm256_add_ps(even[r], odd[r]));
#else
    for (int r = 0; r < count; r++) {
        float sum = 0;
        for (ptrdiff_t b = 0; b < blocks; b++) {
            const uint8_t *block = row + b * block_bytes;
            int32_t dot = 0;
            for (int j = 0; j < 32; j++) dot += block_weight(block, format, j) * values[r * blocks * 32 + b * 32 + j];
            sum += (float)dot * (half_at(block) * scales[r * blocks + b]);
        }
        y[r * ldy] = sum;
    }
#endif
}

void hark_block32_products(HarkBlock32Format format, const uint8_t *weights, ptrdiff_t row_bytes, ptrdiff_t rows,
                           const int8_t *values, const float *scales, ptrdiff_t activation_rows, ptrdiff_t blocks,
                           float *y, ptrdiff_t ldy) {
    for (ptrdiff_t first = 0; first < activation_rows; first += 4) {
        const ptrdiff_t count = activation_rows - first < 4 ? activation_rows - first : 4;
        const int8_t *v = values + first * blocks * 32;
        const float *s = scales + first * blocks;
        float *out = y + first * ldy;
        for (ptrdiff_t o = 0; o < rows; o++) {
            const uint8_t *row = weights + o * row_bytes;
#define HARK_ROWS(f) switch (count) { \
            case 1: block_row(row, f, v, s, blocks, out + o, ldy, 1); break; \
            case 2: block_row(row, f, v, s, blocks, out + o, ldy, 2); break; \
            case 3: block_row(row, f, v, s, blocks, out + o, ldy, 3); break; \
            default: block_row(row, f, v, s, blocks, out + o, ldy, 4); break; }
            if (format == HarkQ8_0) { HARK_ROWS(0) } else { HARK_ROWS(1) }
#undef HARK_ROWS
        }
    }
}
