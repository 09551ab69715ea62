// Int8 weight panels times activation rows quantized to 8 bits per row (Whisper's int8 compute type): exact
// integer sums with AVX-512 VNNI, AVX2 or portable C, then the same float steps in each, so every build gives
// the same bits.
#include "CInt8Kernels.h"
#include <math.h>
#include <string.h>

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__AVX512VNNI__)
#define HARK_VNNI 1
#endif
#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

/// Four bytes at p as one 32-bit lane (any alignment).
static inline __attribute__((unused)) int32_t four_bytes(const uint8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

/// y = (float)(sum - 128 * weight sum) * (weight scale * row scale) + bias, in this order in every build. The
/// integer is exact; its conversion rounds the same way in vector and scalar code.
static inline __attribute__((unused)) float finish_one(int32_t sum, int32_t weight_sum, float weight_scale, float row_scale, const float *bias,
                               ptrdiff_t o) {
    const float scaled = (float)(sum - 128 * weight_sum) * (weight_scale * row_scale);
    return bias ? scaled + bias[o] : scaled;
}

#if defined(HARK_VNNI)

const char *hark_int8_panel_products_isa(void) { return "avx512-vnni"; }

enum { maxTile = 12 };

/// Sixteen outputs' sums as finish_one computes them, the first `valid` stored.
static inline void finish_panel(__m512i sums, const HarkInt8Panels *w, ptrdiff_t first_output, float row_scale,
                                const float *bias, float *y, int valid) {
    const __mmask16 lanes = valid == 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << valid) - 1);
    const __m512i weight_sums = _mm512_loadu_si512(w->sums + first_output);
    const __m512 scales = _mm512_mul_ps(_mm512_loadu_ps(w->scales + first_output), _mm512_set1_ps(row_scale));
    __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(sums, _mm512_slli_epi32(weight_sums, 7))), scales);
    if (bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(lanes, bias + first_output));
    _mm512_mask_storeu_ps(y, lanes, v);
}

/// P panels side by side times R rows: P x R accumulators of 16 sums, one vpdpbusd per pair and column quad
/// (64 multiply-adds). P > 1 only for a few rows, where one panel would leave a single chain of dependent sums.
static inline __attribute__((always_inline)) void tile(const HarkInt8Panels *w, ptrdiff_t panel, int P,
                                                      const HarkOffsetRows *x, ptrdiff_t row, int R,
                                                      const float *bias, float *y, ptrdiff_t ldy) {
    const ptrdiff_t quads = w->columns / 4, panel_bytes = w->columns * 16;
    const int8_t *weights = w->panels + panel * panel_bytes;
    const uint8_t *codes = x->codes + row * w->columns;
    __m512i acc[4][maxTile];
    for (int p = 0; p < P; p++)
        for (int r = 0; r < R; r++) acc[p][r] = _mm512_setzero_si512();
    for (ptrdiff_t q = 0; q < quads; q++) {
        __m512i wq[4];
        for (int p = 0; p < P; p++) wq[p] = _mm512_loadu_si512(weights + p * panel_bytes + 64 * q);
        for (int r = 0; r < R; r++) {
            const __m512i xq = _mm512_set1_epi32(four_bytes(codes + r * w->columns + 4 * q));
            for (int p = 0; p < P; p++) acc[p][r] = _mm512_dpbusd_epi32(acc[p][r], xq, wq[p]);
        }
    }
    for (int p = 0; p < P; p++) {
        const ptrdiff_t first = (panel + p) * 16;
        const int valid = w->outputs - first < 16 ? (int)(w->outputs - first) : 16;
        for (int r = 0; r < R; r++)
            finish_panel(acc[p][r], w, first, x->scales[row + r], bias, y + (row + r) * ldy + first, valid);
    }
}

#elif defined(__AVX2__)

const char *hark_int8_panel_products_isa(void) { return "avx2"; }

enum { maxTile = 2 };

/// AVX2 has no 8-bit products that keep every sum exact (vpmaddubsw saturates), so bytes widen to 16 bits and
/// vpmaddwd adds pairs into 32 bits: each column quad of four outputs is one register of weights; a row's sums
/// for 16 outputs are four registers of pairs, added together at the end.
static inline __attribute__((always_inline)) void tile(const HarkInt8Panels *w, ptrdiff_t panel, int P,
                                                      const HarkOffsetRows *x, ptrdiff_t row, int R,
                                                      const float *bias, float *y, ptrdiff_t ldy) {
    (void)P;
    const ptrdiff_t quads = w->columns / 4;
    const int8_t *weights = w->panels + panel * w->columns * 16;
    const uint8_t *codes = x->codes + row * w->columns;
    __m256i acc[maxTile][4];
    for (int r = 0; r < R; r++)
        for (int k = 0; k < 4; k++) acc[r][k] = _mm256_setzero_si256();
    for (ptrdiff_t q = 0; q < quads; q++) {
        __m256i wq[4];
        for (int k = 0; k < 4; k++) wq[k] = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(weights + 64 * q + 16 * k)));
        for (int r = 0; r < R; r++) {
            const __m256i xq = _mm256_cvtepu8_epi16(_mm_set1_epi32(four_bytes(codes + r * w->columns + 4 * q)));
            for (int k = 0; k < 4; k++) acc[r][k] = _mm256_add_epi32(acc[r][k], _mm256_madd_epi16(xq, wq[k]));
        }
    }
    const ptrdiff_t first = panel * 16;
    const int valid = w->outputs - first < 16 ? (int)(w->outputs - first) : 16;
    for (int r = 0; r < R; r++) {
        int32_t pairs[32];
        for (int k = 0; k < 4; k++) _mm256_storeu_si256((__m256i *)(pairs + 8 * k), acc[r][k]);
        for (int o = 0; o < valid; o++)
            y[(row + r) * ldy + first + o] = finish_one(pairs[2 * o] + pairs[2 * o + 1], w->sums[first + o],
                                                        w->scales[first + o], x->scales[row + r], bias, first + o);
    }
}

#else

const char *hark_int8_panel_products_isa(void) { return "portable"; }

enum { maxTile = 1 };

static inline void tile(const HarkInt8Panels *w, ptrdiff_t panel, int P, const HarkOffsetRows *x, ptrdiff_t row,
                        int R, const float *bias, float *y, ptrdiff_t ldy) {
    (void)P; (void)R;
    const int8_t *weights = w->panels + panel * w->columns * 16;
    const uint8_t *codes = x->codes + row * w->columns;
    const ptrdiff_t first = panel * 16;
    const int valid = w->outputs - first < 16 ? (int)(w->outputs - first) : 16;
    for (int o = 0; o < valid; o++) {
        int32_t sum = 0;
        for (ptrdiff_t c = 0; c < w->columns; c++) sum += (int32_t)codes[c] * weights[(c / 4) * 64 + 4 * o + c % 4];
        y[row * ldy + first + o] = finish_one(sum, w->sums[first + o], w->scales[first + o], x->scales[row], bias, first + o);
    }
}

#endif

void hark_int8_panel_products(const HarkInt8Panels *w, ptrdiff_t first_panel, ptrdiff_t end_panel,
                              const HarkOffsetRows *x, const float *bias, float *y, ptrdiff_t ldy) {
    ptrdiff_t panel = first_panel;
#if defined(HARK_VNNI)
    // A row or two: four panels side by side, four chains of sums in flight per row.
    if (x->rows <= 2) {
        for (; panel + 4 <= end_panel && (panel + 4) * 16 <= w->outputs; panel += 4) {
            if (x->rows == 1) tile(w, panel, 4, x, 0, 1, bias, y, ldy);
            else tile(w, panel, 4, x, 0, 2, bias, y, ldy);
        }
    }
#endif
    // Rows in even tiles of at most maxTile.
    const ptrdiff_t groups = (x->rows + maxTile - 1) / maxTile;
    for (; panel < end_panel; panel++) {
        ptrdiff_t row = 0;
        for (ptrdiff_t group = 0; group < groups; group++) {
            const int count = (int)((x->rows - row) / (groups - group));
            switch (count) {
#define TILE(n) case n: tile(w, panel, 1, x, row, n, bias, y, ldy); break;
            TILE(1)
#if defined(__AVX2__)
            TILE(2)
#endif
#if defined(HARK_VNNI)
            TILE(3) TILE(4) TILE(5) TILE(6) TILE(7) TILE(8) TILE(9) TILE(10) TILE(11) TILE(12)
#endif
#undef TILE
            default: break;
            }
            row += count;
        }
    }
}

void hark_quantize_offset_rows(const float *x, ptrdiff_t rows, ptrdiff_t columns, ptrdiff_t stored_columns,
                               uint8_t *codes, float *scales) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *row = x + r * columns;
        uint8_t *out = codes + r * stored_columns;
        float largest = 0;
        ptrdiff_t c = 0;
#if defined(__AVX512F__)
        __m512 lanes = _mm512_setzero_ps();
        for (; c + 16 <= columns; c += 16) lanes = _mm512_max_ps(lanes, _mm512_abs_ps(_mm512_loadu_ps(row + c)));
        largest = _mm512_reduce_max_ps(lanes);
#endif
        for (; c < columns; c++) {
            const float magnitude = row[c] < 0 ? -row[c] : row[c];
            largest = magnitude > largest ? magnitude : largest;
        }
        const float scale = largest / 127, inverse = scale > 0 ? 1 / scale : 0;
        scales[r] = scale;
        c = 0;
#if defined(__AVX512F__)
        // Rounded to nearest even as nearbyintf does below (the default rounding mode), then offset by 128.
        const __m512 factor = _mm512_set1_ps(inverse);
        for (; c + 16 <= columns; c += 16) {
            const __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(row + c), factor));
            _mm_storeu_si128((__m128i *)(out + c), _mm512_cvtepi32_epi8(_mm512_add_epi32(q, _mm512_set1_epi32(128))));
        }
#endif
        for (; c < columns; c++) out[c] = (uint8_t)((int)nearbyintf(row[c] * inverse) + 128);
        for (; c < stored_columns; c++) out[c] = 128;
    }
}
