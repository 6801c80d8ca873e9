// Register-only FP32 FMA throughput loop: the machine's measured FP32 peak.
//
// Every OpenMP thread runs NCHAINS independent accumulator chains of vector
// FMAs (acc = acc * m + a) that never touch memory, so the loop is bound only
// by the FMA units. One FMA lane counts as 2 FLOPs (SPEC section 6).
//
// Built at benchmark time by bench/cpu_attention.py:
//   cc -O2 -march=native -fopenmp bench/fma_peak.c -o fma_peak
// Usage: fma_peak [THREADS [SECONDS_PER_TRIAL [TRIALS]]]
// Prints one JSON object: the best trial's GFLOP/s over all threads.
//
// Vector width: 256-bit AVX2+FMA by default; 512-bit when the compiler
// targets AVX-512F (-march=native on such a machine), since that is the
// machine's FP32 peak there. The JSON says which one ran.

#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#if !defined(__FMA__) || !defined(__AVX2__)
#error "fma_peak.c needs AVX2 and FMA (compile with -march=native on an x86-64 CPU that has them, or -mavx2 -mfma)"
#endif

// Enough independent chains to cover FMA latency x FMA ports on current x86
// cores (e.g. 4 cycles x 2 ports on Intel, 5 x 2 on AMD Zen): 12 > 10.
#define NCHAINS 12 // must match CHAINS below
// FMAs per chain per inner iteration (unrolled).
#define UNROLL 8

#if defined(__AVX512F__)
typedef __m512 vec;
#define VBITS 512
#define VSET1(x) _mm512_set1_ps(x)
#define VFMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define VADD(a, b) _mm512_add_ps(a, b)
static float vsum(vec v) { return _mm512_reduce_add_ps(v); }
#else
typedef __m256 vec;
#define VBITS 256
#define VSET1(x) _mm256_set1_ps(x)
#define VFMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define VADD(a, b) _mm256_add_ps(a, b)
static float vsum(vec v) {
  float t[8];
  _mm256_storeu_ps(t, v);
  return t[0] + t[1] + t[2] + t[3] + t[4] + t[5] + t[6] + t[7];
}
#endif
#define LANES (VBITS / 32)

// Runs iters inner iterations on this thread; returns a value that depends on
// every chain so that the compiler cannot drop any of them. The fixed point of
// acc = acc * 0.999 + 0.001 is 1, so values stay normal (no denormal stalls).
// The chains are named variables (not an array) so that they live in vector
// registers for the whole loop: no loads or stores in the timed loop.
#define CHAINS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define DECL(c) vec acc##c = VSET1(seed + 0.01f * (float)(c));
#define STEP(c) acc##c = VFMA(acc##c, m, a);
#define OPAQUE(c) __asm__ volatile("" : "+x"(acc##c));
#define SUM(c) s = VADD(s, acc##c);
static float run_chains(long iters, float seed) {
  CHAINS(DECL)
  const vec m = VSET1(0.999f);
  const vec a = VSET1(0.001f);
  for (long i = 0; i < iters; ++i) {
#pragma GCC unroll 8
    for (int u = 0; u < UNROLL; ++u) {
      CHAINS(STEP)
    }
    // Opaque to the optimiser (it may not fold the loop), still in registers.
    CHAINS(OPAQUE)
  }
  vec s = VSET1(0.0f);
  CHAINS(SUM)
  return vsum(s);
}

// One timed trial on `threads` threads; returns seconds.
static double trial(int threads, long iters, float *sink) {
  double t0 = 0, t1 = 0;
  float total = 0;
#pragma omp parallel num_threads(threads) reduction(+ : total)
  {
#pragma omp barrier
#pragma omp master
    t0 = omp_get_wtime();
    total += run_chains(iters, 0.5f + 0.001f * (float)omp_get_thread_num());
#pragma omp barrier
#pragma omp master
    t1 = omp_get_wtime();
  }
  *sink += total;
  return t1 - t0;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : omp_get_max_threads();
  double seconds = argc > 2 ? atof(argv[2]) : 0.3;
  int trials = argc > 3 ? atoi(argv[3]) : 5;
  if (threads < 1 || seconds <= 0 || trials < 1) {
    fprintf(stderr, "usage: fma_peak [THREADS [SECONDS_PER_TRIAL [TRIALS]]]\n");
    return 2;
  }
  float sink = 0;
  // Calibrate: grow the iteration count until one trial takes ~seconds.
  long iters = 1000;
  double t = trial(threads, iters, &sink);
  while (t < seconds / 4) {
    iters *= 4;
    t = trial(threads, iters, &sink);
  }
  iters = (long)((double)iters * seconds / t) + 1;

  double best = 0, worst = 1e300;
  for (int k = 0; k < trials; ++k) {
    double s = trial(threads, iters, &sink);
    double flops = 2.0 * LANES * NCHAINS * UNROLL * (double)iters * threads;
    double gf = flops / s * 1e-9;
    if (gf > best)
      best = gf;
    if (gf < worst)
      worst = gf;
  }
  printf("{\"threads\": %d, \"vector_bits\": %d, \"chains\": %d, "
         "\"iters_per_trial\": %ld, \"trials\": %d, \"gflops\": %.3f, "
         "\"gflops_worst\": %.3f, \"per_thread_gflops\": %.3f, \"checksum\": %g}\n",
         threads, VBITS, NCHAINS, iters, trials, best, worst, best / threads,
         (double)sink);
  return 0;
}
