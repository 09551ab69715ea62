// Checks CInt8Kernels as compiled for one instruction set (the Makefile builds it for each one this CPU has):
// products of random codes, Q8_0 and Q5_0 blocks against double-precision sums of the values they stand for.
#include "CInt8Kernels.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x9E3779B97F4A7C15u;
static uint32_t next(void) { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return (uint32_t)(state >> 32); }

/// A half-precision number in [0.001, 0.065): 1.xxx * 2^e with e in -10...-5.
static uint16_t random_half(void) { return (uint16_t)((5 + next() % 6) << 10 | (next() & 0x3FF)); }
static double half_value(uint16_t h) { return ldexp(1 + (h & 0x3FF) / 1024.0, (h >> 10) - 15); }

static int failures = 0;

static void expect_close(const char *what, const float *y, const double *sum, const double *magnitude, int count) {
    double worst = 0;
    for (int i = 0; i < count; i++) {
        double error = fabs(y[i] - sum[i]) / magnitude[i];
        if (!(error <= worst)) worst = error;  // NaN counts as worst
    }
    int ok = worst < 1e-5;
    printf("%s %s: worst error %.2e of the sum of |w x| %s\n", hark_int8_products_isa(), what, worst, ok ? "ok" : "FAILED");
    failures += !ok;
}

/// Coded weights (any codes, scales and offsets) times coded activations, every block shape on the edges.
static void check_coded(int rows, int activation_rows, int columns) {
    int groups = columns / 16;
    uint8_t *codes = malloc(rows * columns);
    float *scales = malloc(sizeof(float) * rows * groups), *offsets = malloc(sizeof(float) * rows * groups);
    int8_t *values = malloc(activation_rows * columns);
    float *x_scales = malloc(sizeof(float) * activation_rows * groups), *sums = malloc(sizeof(float) * activation_rows * groups);
    for (int i = 0; i < rows * columns; i++) codes[i] = (uint8_t)next();
    for (int i = 0; i < rows * groups; i++) { scales[i] = (float)half_value(random_half()); offsets[i] = -(float)(next() % 256) * scales[i]; }
    for (int i = 0; i < activation_rows * columns; i++) values[i] = (int8_t)(next() % 255 - 127);
    for (int r = 0; r < activation_rows; r++)
        for (int g = 0; g < groups; g++) {
            int sum = 0;
            for (int j = 0; j < 16; j++) sum += values[r * columns + g * 16 + j];
            x_scales[r * groups + g] = (float)half_value(random_half());
            sums[r * groups + g] = x_scales[r * groups + g] * (float)sum;
        }
    float *y = malloc(sizeof(float) * rows * activation_rows);
    double *sum = malloc(sizeof(double) * rows * activation_rows), *magnitude = malloc(sizeof(double) * rows * activation_rows);
    HarkCodedWeights w = {codes, scales, offsets, rows};
    HarkCodedActivations a = {values, x_scales, sums, activation_rows};
    hark_int8_products(w, a, columns, y, rows);
    for (int r = 0; r < activation_rows; r++)
        for (int o = 0; o < rows; o++) {
            double s = 0, m = 0;
            for (int c = 0; c < columns; c++) {
                int g = c / 16;
                double p = ((double)scales[o * groups + g] * codes[o * columns + c] + offsets[o * groups + g])
                    * x_scales[r * groups + g] * values[r * columns + c];
                s += p;
                m += fabs(p);
            }
            sum[r * rows + o] = s;
            magnitude[r * rows + o] = m;
        }
    char what[96];
    snprintf(what, sizeof what, "coded %d x %d rows, %d columns", rows, activation_rows, columns);
    expect_close(what, y, sum, magnitude, rows * activation_rows);
    free(codes); free(scales); free(offsets); free(values); free(x_scales); free(sums); free(y); free(sum); free(magnitude);
}

/// Random blocks of a 32-value format times 8-bit activations (within -127...127, as Q8_0 rounds them).
static void check_blocks(HarkBlock32Format format, int rows, int activation_rows, int blocks) {
    int block_bytes = format == HarkQ8_0 ? 34 : 22, columns = blocks * 32;
    uint8_t *weights = malloc(rows * blocks * block_bytes);
    for (int i = 0; i < rows * blocks * block_bytes; i++) weights[i] = (uint8_t)next();
    double *w = malloc(sizeof(double) * rows * columns);
    for (int o = 0; o < rows; o++)
        for (int b = 0; b < blocks; b++) {
            uint8_t *block = weights + (o * blocks + b) * block_bytes;
            uint16_t d = random_half();
            block[0] = (uint8_t)d; block[1] = (uint8_t)(d >> 8);
            uint32_t fifth = (uint32_t)block[2] | (uint32_t)block[3] << 8 | (uint32_t)block[4] << 16 | (uint32_t)block[5] << 24;
            for (int j = 0; j < 32; j++) {
                int q = format == HarkQ8_0 ? (int8_t)block[2 + j]
                    : ((j < 16 ? block[6 + j] & 0x0F : block[6 + j - 16] >> 4) | (int)(fifth >> j & 1) << 4) - 16;
                w[o * columns + b * 32 + j] = half_value(d) * q;
            }
        }
    int8_t *values = malloc(activation_rows * columns);
    float *scales = malloc(sizeof(float) * activation_rows * blocks);
    for (int i = 0; i < activation_rows * columns; i++) values[i] = (int8_t)(next() % 255 - 127);
    for (int i = 0; i < activation_rows * blocks; i++) scales[i] = (float)half_value(random_half());
    float *y = malloc(sizeof(float) * rows * activation_rows);
    double *sum = malloc(sizeof(double) * rows * activation_rows), *magnitude = malloc(sizeof(double) * rows * activation_rows);
    hark_block32_products(format, weights, blocks * block_bytes, rows, values, scales, activation_rows, blocks, y, rows);
    for (int r = 0; r < activation_rows; r++)
        for (int o = 0; o < rows; o++) {
            double s = 0, m = 0;
            for (int c = 0; c < columns; c++) {
                double p = w[o * columns + c] * scales[r * blocks + c / 32] * values[r * columns + c];
                s += p;
                m += fabs(p);
            }
            sum[r * rows + o] = s;
            magnitude[r * rows + o] = m;
        }
    char what[96];
    snprintf(what, sizeof what, "%s %d x %d rows, %d blocks", format == HarkQ8_0 ? "Q8_0" : "Q5_0", rows, activation_rows, blocks);
    expect_close(what, y, sum, magnitude, rows * activation_rows);
    free(weights); free(w); free(values); free(scales); free(y); free(sum); free(magnitude);
}

/// Random int8 panels times random offset rows, against the formula in hark_int8_panel_products' contract
/// evaluated here in scalar code: the same bits are required, so every build's results agree.
static void check_panels(int outputs, int rows, int columns, int with_bias) {
    int panels = (outputs + 15) / 16;
    int8_t *packed = calloc((size_t)panels * 16 * columns, 1);
    float *scales = calloc(panels * 16, sizeof(float)), *bias = malloc(sizeof(float) * outputs);
    int32_t *sums = calloc(panels * 16, sizeof(int32_t));
    int8_t *w = malloc((size_t)outputs * columns);
    for (int o = 0; o < outputs; o++) {
        scales[o] = (float)half_value(random_half());
        bias[o] = (float)half_value(random_half()) - 0.03f;
        for (int c = 0; c < columns; c++) {
            int8_t v = (int8_t)(next() % 255 - 127);
            w[o * columns + c] = v;
            sums[o] += v;
            packed[(o / 16) * 16 * columns + (c / 4) * 64 + (o % 16) * 4 + c % 4] = v;
        }
    }
    uint8_t *codes = malloc((size_t)rows * columns);
    float *row_scales = malloc(sizeof(float) * rows);
    for (int i = 0; i < rows * columns; i++) codes[i] = (uint8_t)(1 + next() % 255);
    for (int r = 0; r < rows; r++) row_scales[r] = (float)half_value(random_half());
    float *y = malloc(sizeof(float) * rows * outputs);
    HarkInt8Panels weights = {packed, scales, sums, columns, outputs};
    HarkOffsetRows x = {codes, row_scales, rows};
    // In two calls, as the threads split the panels.
    hark_int8_panel_products(&weights, 0, panels / 2, &x, with_bias ? bias : NULL, y, outputs);
    hark_int8_panel_products(&weights, panels / 2, panels, &x, with_bias ? bias : NULL, y, outputs);
    int wrong = 0;
    for (int r = 0; r < rows; r++)
        for (int o = 0; o < outputs; o++) {
            long long sum = 0;
            for (int c = 0; c < columns; c++) sum += (long long)codes[r * columns + c] * w[o * columns + c];
            const float factor = scales[o] * row_scales[r];
            float expected = (float)(int32_t)(sum - 128LL * sums[o]) * factor;
            if (with_bias) expected = expected + bias[o];
            wrong += memcmp(&expected, &y[r * outputs + o], sizeof(float)) != 0;
        }
    int ok = wrong == 0;
    printf("%s panels %d outputs x %d rows, %d columns%s: %d of %d differ %s\n", hark_int8_panel_products_isa(), outputs,
           rows, columns, with_bias ? ", bias" : "", wrong, rows * outputs, ok ? "ok" : "FAILED");
    failures += !ok;
    free(packed); free(scales); free(bias); free(sums); free(w); free(codes); free(row_scales); free(y);
}

int main(void) {
    // Every tile height (1-13 rows, 25), one and several panels, a partial last panel, four-panel runs.
    for (int rows = 1; rows <= 13; rows++) check_panels(77, rows, 516, rows % 2);
    check_panels(200, 25, 2048, 1);
    check_panels(16, 1, 4, 0);

    check_coded(67, 13, 640);   // edges: 67 and 13 rows are not whole blocks of 4; 640 columns end in a partial 64
    check_coded(5, 7, 1056);
    check_coded(1, 1, 16);
    for (int activation_rows = 1; activation_rows <= 8; activation_rows++) {
        check_blocks(HarkQ8_0, 9, activation_rows, 20);
        check_blocks(HarkQ5_0, 9, activation_rows, 21);
    }
    return failures != 0;
}
