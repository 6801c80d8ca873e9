// Register-only throughput loops: the machine's measured FP32 and bf16 peaks.
//
// 1. FP32 FMA (always): every OpenMP thread runs NCHAINS independent
//    accumulator chains of vector FMAs (acc = acc * m + a) that never touch
//    memory, so the loop is bound only by the FMA units. One FMA lane counts
//    as 2 FLOPs (SPEC section 6). 256-bit AVX2+FMA by default; 512-bit when
//    the compiler targets AVX-512F (-march=native on such a machine), since
//    that is the machine's FP32 peak there.
// 2. bf16 dot products (AVX512-BF16): NCHAINS chains of vdpbf16ps
//    (_mm512_dpbf16_ps: acc += a[2i] * b[2i] + a[2i+1] * b[2i+1] per f32
//    lane), compiled only when the compiler defines __AVX512BF16__ and run
//    only when CPUID says the CPU has AVX512_BF16. One vdpbf16ps lane counts
//    as 4 FLOPs (two multiplies, two adds), 64 FLOPs per 512-bit instruction.
// 3. AMX bf16 tiles: 4 independent tdpbf16ps per step on full 16 x 32 bf16
//    tiles (C[16x16 f32] += A[16x32] * B[32x16]: 16384 FLOPs each), compiled
//    only when the compiler defines __AMX_TILE__ and __AMX_BF16__ and run only
//    when CPUID has AMX-TILE and AMX-BF16 and Linux grants the tile state
//    (arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)).
// A loop that is not compiled or cannot run reports "not available" with the
// reason; that is not an error.
//
// Built at benchmark time by bench/cpu_attention.py:
//   cc -O2 -march=native -fopenmp bench/fma_peak.c -o fma_peak
// Usage: fma_peak [THREADS [SECONDS_PER_TRIAL [TRIALS]]]
// Prints one JSON object. Its top-level keys are the FP32 FMA loop's (the
// best trial's GFLOP/s over all threads, vector width, ...); "bf16_dp" and
// "amx_bf16" hold the other two loops, each with a "status" of "ok" or
// "not available" (and "reason").

#include <cpuid.h>
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__AMX_TILE__) && defined(__AMX_BF16__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#if !defined(__FMA__) || !defined(__AVX2__)
#error "fma_peak.c needs AVX2 and FMA (compile with -march=native on an x86-64 CPU that has them, or -mavx2 -mfma)"
#endif

// Enough independent chains to cover latency x ports of FMA and vdpbf16ps on
// current x86 cores (e.g. 4 cycles x 2 ports on Intel, 5 x 2 on AMD Zen for
// FMA): 12 > 10.
#define NCHAINS 12 // must match CHAINS below
// Instructions per chain per inner iteration (unrolled).
#define UNROLL 8

#if defined(__AVX512F__)
typedef __m512 vec;
#define VBITS 512
#define VSET1(x) _mm512_set1_ps(x)
#define VFMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define VADD(a, b) _mm512_add_ps(a, b)
static float vsum(vec v) { return _mm512_reduce_add_ps(v); }
// "v": any of the 32 vector registers AVX-512 has.
#define VREG "+v"
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
#define VREG "+x"
#endif
#define LANES (VBITS / 32)

#define CHAINS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

// Each kernel runs iters inner iterations on the calling thread and returns a
// value that depends on every chain, so that the compiler cannot drop any of
// them. The chains are named variables (not an array) so that they live in
// vector registers for the whole loop: no loads or stores in the timed loop.
typedef float (*kernel_fn)(long iters, float seed);

// FP32 FMA. The fixed point of acc = acc * 0.999 + 0.001 is 1, so values stay
// normal (no denormal stalls).
// The timed loop of every register-chain kernel: UNROLL rounds of STEP on
// each chain, then OPAQUE on each (the optimiser may not fold the loop; the
// accumulators stay in registers).
#define CHAIN_LOOP(STEP, OPAQUE)                                               \
  for (long i = 0; i < iters; ++i) {                                           \
    _Pragma("GCC unroll 8") for (int u = 0; u < UNROLL; ++u) { CHAINS(STEP) }  \
    CHAINS(OPAQUE)                                                             \
  }
#define DECL(c) vec acc##c = VSET1(seed + 0.01f * (float)(c));
#define STEP(c) acc##c = VFMA(acc##c, m, a);
#define OPAQUE(c) __asm__ volatile("" : VREG(acc##c));
#define SUM(c) s = VADD(s, acc##c);
static float fma_kernel(long iters, float seed) {
  CHAINS(DECL)
  const vec m = VSET1(0.999f);
  const vec a = VSET1(0.001f);
  CHAIN_LOOP(STEP, OPAQUE)
  vec s = VSET1(0.0f);
  CHAINS(SUM)
  return vsum(s);
}
#define FMA_FLOPS_PER_ITER (2.0 * LANES * NCHAINS * UNROLL)

#if defined(__AVX512BF16__) && defined(__AVX512F__)
#define HAVE_BF16_DP 1
// bf16 dot products. a holds pairs (x, -x) and b pairs (y, y): every lane adds
// x*y - x*y, which is exactly 0 in f32 (a bf16 x bf16 product is exact), so
// the accumulators keep their starting values and never overflow.
#define BDECL(c) __m512 bacc##c = _mm512_set1_ps(seed + 0.01f * (float)(c));
#define BSTEP(c) bacc##c = _mm512_dpbf16_ps(bacc##c, a, b);
#define BOPAQUE(c) __asm__ volatile("" : "+v"(bacc##c));
#define BSUM(c) s = _mm512_add_ps(s, bacc##c);
static float bf16_dp_kernel(long iters, float seed) {
  CHAINS(BDECL)
  const __m512 xs = _mm512_set_ps(-0.5f, 0.5f, -0.5f, 0.5f, -0.5f, 0.5f, -0.5f, 0.5f, -0.5f,
                                  0.5f, -0.5f, 0.5f, -0.5f, 0.5f, -0.5f, 0.5f);
  const __m512 ys = _mm512_set1_ps(0.25f);
  __m512bh a = _mm512_cvtne2ps_pbh(xs, xs);
  __m512bh b = _mm512_cvtne2ps_pbh(ys, ys);
  __asm__ volatile("" : "+v"(a), "+v"(b));
  CHAIN_LOOP(BSTEP, BOPAQUE)
  __m512 s = _mm512_set1_ps(0.0f);
  CHAINS(BSUM)
  return _mm512_reduce_add_ps(s);
}
// 16 f32 lanes x 4 FLOPs per vdpbf16ps.
#define BF16_FLOPS_PER_ITER (4.0 * 16 * NCHAINS * UNROLL)
// CPUID leaf 7 subleaf 1, EAX bit 5: AVX512_BF16.
static int cpu_has_avx512_bf16(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 1, &a, &b, &c, &d))
    return 0;
  return (a >> 5) & 1;
}
#endif

#if defined(__AMX_TILE__) && defined(__AMX_BF16__)
#define HAVE_AMX_BF16 1
#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18
// Tile configuration (palette 1): tiles 0-7 all 16 rows x 64 bytes.
struct tile_config {
  unsigned char palette_id;
  unsigned char start_row;
  unsigned char reserved[14];
  unsigned short colsb[16];
  unsigned char rows[16];
};
// C0..C3 (tmm0-3) += A0/A1 (tmm4-5) x B0/B1 (tmm6-7): four independent
// accumulators per step. A rows hold pairs (x, -x), B rows pairs (y, y), so
// every dot product is exactly 0 and C stays at 0.
static float amx_bf16_kernel(long iters, float seed) {
  struct tile_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.palette_id = 1;
  for (int t = 0; t < 8; ++t) {
    cfg.rows[t] = 16;
    cfg.colsb[t] = 64;
  }
  _tile_loadconfig(&cfg);
  // 16 rows x 32 bf16 each; bf16 bit patterns of +-0.5 and 0.25.
  static __thread unsigned short abuf[16 * 32] __attribute__((aligned(64)));
  static __thread unsigned short bbuf[16 * 32] __attribute__((aligned(64)));
  for (int i = 0; i < 16 * 32; ++i) {
    abuf[i] = (i & 1) ? 0xBF00 : 0x3F00; // -0.5, 0.5
    bbuf[i] = 0x3E80;                    // 0.25
  }
  float cbuf[16 * 16] __attribute__((aligned(64)));
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  _tile_loadd(4, abuf, 64);
  _tile_loadd(5, abuf, 64);
  _tile_loadd(6, bbuf, 64);
  _tile_loadd(7, bbuf, 64);
  for (long i = 0; i < iters; ++i) {
#pragma GCC unroll 8
    for (int u = 0; u < UNROLL; ++u) {
      _tile_dpbf16ps(0, 4, 6);
      _tile_dpbf16ps(1, 4, 7);
      _tile_dpbf16ps(2, 5, 6);
      _tile_dpbf16ps(3, 5, 7);
    }
  }
  float s = seed;
  _tile_stored(0, cbuf, 64);
  s += cbuf[0];
  _tile_stored(3, cbuf, 64);
  s += cbuf[255];
  _tile_release();
  return s;
}
// 4 tdpbf16ps x 16 x 16 x 32 multiply-adds x 2 FLOPs.
#define AMX_FLOPS_PER_ITER (2.0 * 16 * 16 * 32 * 4 * UNROLL)
// CPUID leaf 7 subleaf 0, EDX bit 22: AMX-BF16, bit 24: AMX-TILE.
static int cpu_has_amx_bf16(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
    return 0;
  return ((d >> 22) & 1) && ((d >> 24) & 1);
}
#endif

// One timed trial on `threads` threads; returns seconds.
static double trial(kernel_fn kernel, int threads, long iters, float *sink) {
  double t0 = 0, t1 = 0;
  float total = 0;
#pragma omp parallel num_threads(threads) reduction(+ : total)
  {
#pragma omp barrier
#pragma omp master
    t0 = omp_get_wtime();
    total += kernel(iters, 0.5f + 0.001f * (float)omp_get_thread_num());
#pragma omp barrier
#pragma omp master
    t1 = omp_get_wtime();
  }
  *sink += total;
  return t1 - t0;
}

struct result {
  long iters;
  double best, worst;
};

// Calibrates the iteration count to ~seconds per trial, then keeps the best
// and the worst of `trials` trials, in GFLOP/s.
static struct result measure(kernel_fn kernel, double flops_per_iter, int threads,
                             double seconds, int trials, float *sink) {
  long iters = 1000;
  double t = trial(kernel, threads, iters, sink);
  while (t < seconds / 4) {
    iters *= 4;
    t = trial(kernel, threads, iters, sink);
  }
  iters = (long)((double)iters * seconds / t) + 1;
  struct result r = {iters, 0, 1e300};
  for (int k = 0; k < trials; ++k) {
    double s = trial(kernel, threads, iters, sink);
    double gf = flops_per_iter * (double)iters * threads / s * 1e-9;
    if (gf > r.best)
      r.best = gf;
    if (gf < r.worst)
      r.worst = gf;
  }
  return r;
}

static void print_na(const char *key, const char *reason) {
  printf(", \"%s\": {\"status\": \"not available\", \"reason\": \"%s\"}", key, reason);
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
  struct result f = measure(fma_kernel, FMA_FLOPS_PER_ITER, threads, seconds, trials, &sink);
  printf("{\"threads\": %d, \"vector_bits\": %d, \"chains\": %d, "
         "\"iters_per_trial\": %ld, \"trials\": %d, \"gflops\": %.3f, "
         "\"gflops_worst\": %.3f, \"per_thread_gflops\": %.3f",
         threads, VBITS, NCHAINS, f.iters, trials, f.best, f.worst, f.best / threads);

#ifdef HAVE_BF16_DP
  if (!cpu_has_avx512_bf16()) {
    print_na("bf16_dp", "the CPU has no AVX512_BF16 (CPUID leaf 7 subleaf 1)");
  } else {
    struct result b =
        measure(bf16_dp_kernel, BF16_FLOPS_PER_ITER, threads, seconds, trials, &sink);
    printf(", \"bf16_dp\": {\"status\": \"ok\", \"instruction\": \"vdpbf16ps\", "
           "\"vector_bits\": 512, \"flops_per_lane\": 4, \"chains\": %d, "
           "\"iters_per_trial\": %ld, \"gflops\": %.3f, \"gflops_worst\": %.3f, "
           "\"per_thread_gflops\": %.3f}",
           NCHAINS, b.iters, b.best, b.worst, b.best / threads);
  }
#else
  print_na("bf16_dp", "not compiled: the compiler does not target AVX512-BF16 "
                      "(__AVX512BF16__ undefined)");
#endif

#ifdef HAVE_AMX_BF16
  if (!cpu_has_amx_bf16()) {
    print_na("amx_bf16", "the CPU has no AMX-TILE/AMX-BF16 (CPUID leaf 7)");
  } else if (syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) != 0) {
    print_na("amx_bf16", "Linux refused the AMX tile state "
                         "(arch_prctl ARCH_REQ_XCOMP_PERM)");
  } else {
    struct result a =
        measure(amx_bf16_kernel, AMX_FLOPS_PER_ITER, threads, seconds, trials, &sink);
    printf(", \"amx_bf16\": {\"status\": \"ok\", \"instruction\": \"tdpbf16ps\", "
           "\"flops_per_instruction\": %d, \"iters_per_trial\": %ld, \"gflops\": %.3f, "
           "\"gflops_worst\": %.3f, \"per_thread_gflops\": %.3f}",
           2 * 16 * 16 * 32, a.iters, a.best, a.worst, a.best / threads);
  }
#else
  print_na("amx_bf16", "not compiled: the compiler does not target AMX "
                       "(__AMX_TILE__/__AMX_BF16__ undefined)");
#endif
  printf(", \"checksum\": %g}\n", (double)sink);
  return 0;
}
