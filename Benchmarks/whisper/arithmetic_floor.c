// The machine's float32 multiply-add rate, one copy of each loop per thread, all threads at once.
// Usage: arithmetic_floor THREADS REPEATS; prints one line per loop: median and best GFLOP/s of all threads together.
//   registers: twelve independent chains of fused multiply-adds on the widest vectors the compiler targets
//              (-march=native), nothing loaded: the floor any product can approach.
//   broadcast: the loop shape of Hark's panel kernel (Kernels.panelTile: 12 rows with AVX-512, 6 with AVX2, each
//              value broadcast from memory and multiplied by a 16-wide weight column), its data in the L1 cache:
//              what the core gives a product that must load its operands, before any cache or memory traffic.
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef float v16 __attribute__((vector_size(64)));
#if defined(__AVX512F__)
typedef v16 chain;  // 12 zmm chains: enough independent sums to cover the FMA latency on two pipes
#else
typedef float chain __attribute__((vector_size(32)));  // 12 ymm of the 16
#endif
// The kernel's tile: 12 rows where a row's 16 outputs are one register (AVX-512), 6 where they are two (AVX2).
#if defined(__AVX512F__)
enum { rows = 12 };
#else
enum { rows = 6 };
#endif
enum { chains = 12, columns = 256, calls = 2000 };

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

// Multiply-adds of `chain` vectors, `steps` rounds of all chains; returns the flops done.
static double registers(long steps, float seed) {
    chain sums[chains], scale, shift;
    for (int i = 0; i < (int)(sizeof(chain) / 4); i++) scale[i] = 0.999999f, shift[i] = 1e-7f;
    for (int c = 0; c < chains; c++)
        for (int i = 0; i < (int)(sizeof(chain) / 4); i++) sums[c][i] = seed + c;
    for (long s = 0; s < steps; s++) {
        __asm__ volatile("" : "+x"(scale));  // keep the loop from being folded
        for (int c = 0; c < chains; c++) sums[c] = sums[c] * scale + shift;
    }
    float total = 0;
    for (int c = 0; c < chains; c++) total += sums[c][0];
    __asm__ volatile("" ::"x"(total));
    return 2.0 * steps * chains * (sizeof(chain) / 4);
}

// rows x 16 outputs over `columns` columns, as Kernels.panelTile does it, `calls` times on the same L1-resident data.
// Intrinsics, as compilers spill or fold a generic version of this loop.
__attribute__((noinline)) static double broadcast(const float *x, const float *w, float *y) {
    for (int call = 0; call < calls; call++) {
        __asm__ volatile("" : "+r"(x), "+r"(w)::"memory");
#if defined(__AVX512F__)
        __m512 s[rows];
        for (int r = 0; r < rows; r++) s[r] = _mm512_setzero_ps();
        for (int c = 0; c < columns; c++) {
            const __m512 weight = _mm512_loadu_ps(w + 16 * c);
#pragma GCC unroll 12
            for (int r = 0; r < rows; r++) s[r] = _mm512_fmadd_ps(_mm512_set1_ps(x[r * columns + c]), weight, s[r]);
        }
        for (int r = 0; r < rows; r++) _mm512_storeu_ps(y + 16 * r, s[r]);
#else
        __m256 s[2 * rows];
        for (int i = 0; i < 2 * rows; i++) s[i] = _mm256_setzero_ps();
        for (int c = 0; c < columns; c++) {
            const __m256 low = _mm256_loadu_ps(w + 16 * c), high = _mm256_loadu_ps(w + 16 * c + 8);
#pragma GCC unroll 6
            for (int r = 0; r < rows; r++) {
                const __m256 value = _mm256_broadcast_ss(x + r * columns + c);
                s[2 * r] = _mm256_fmadd_ps(value, low, s[2 * r]);
                s[2 * r + 1] = _mm256_fmadd_ps(value, high, s[2 * r + 1]);
            }
        }
        for (int i = 0; i < 2 * rows; i++) _mm256_storeu_ps(y + 8 * i, s[i]);
#endif
        __asm__ volatile("" ::: "memory");
    }
    return 2.0 * calls * rows * columns * 16;
}

typedef struct {
    int repeats;
    double *registers, *broadcast;  // GFLOP/s of each repeat
} Work;

static void *run(void *argument) {
    Work *work = argument;
    float *x = aligned_alloc(64, rows * columns * 4), *w = aligned_alloc(64, columns * 16 * 4), *y = aligned_alloc(64, rows * 16 * 4);
    for (int i = 0; i < rows * columns; i++) x[i] = (i % 7) * 0.01f;
    for (int i = 0; i < columns * 16; i++) w[i] = (i % 5) * 0.01f;
    for (int k = 0; k < work->repeats; k++) {
        double start = now(), flops = registers(200000, (float)k);
        work->registers[k] = flops / (now() - start) / 1e9;
        start = now();
        flops = broadcast(x, w, y);
        work->broadcast[k] = flops / (now() - start) / 1e9;
    }
    free(x), free(w), free(y);
    return NULL;
}

static int ascending(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 2, repeats = argc > 2 ? atoi(argv[2]) : 200;
    if (threads < 1 || threads > 64 || repeats < 1) {
        fprintf(stderr, "usage: arithmetic_floor THREADS REPEATS\n");
        return 2;
    }
    pthread_t ids[64];
    Work work[64];
    for (int t = 0; t < threads; t++) {
        work[t] = (Work){repeats, calloc(repeats, sizeof(double)), calloc(repeats, sizeof(double))};
        pthread_create(&ids[t], NULL, run, &work[t]);
    }
    for (int t = 0; t < threads; t++) pthread_join(ids[t], NULL);
    // Repeat k of every thread ran at about the same time: their sum is the machine's rate at that moment.
    const char *names[2] = {"registers", "broadcast"};
    for (int loop = 0; loop < 2; loop++) {
        double *together = calloc(repeats, sizeof(double));
        for (int k = 0; k < repeats; k++)
            for (int t = 0; t < threads; t++) together[k] += loop == 0 ? work[t].registers[k] : work[t].broadcast[k];
        qsort(together, repeats, sizeof(double), ascending);
        printf("%s median %.1f best %.1f GFLOP/s\n", names[loop], together[repeats / 2], together[repeats - 1]);
        free(together);
    }
    return 0;
}
