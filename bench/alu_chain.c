/*
 * The integer proof's lane chain (docs/alu-proof.md §1) as a native cheater would write it for a
 * CPU: bit-exact with src/proofs/alu-round.ts, every thread running groups of NV × VW lanes, VW
 * lanes a SIMD vector (GCC/Clang vector extensions, so -march=native picks AVX-512, AVX2, NEON or
 * plain registers) and NV independent vectors interleaved so one lane's dependent multiplies do
 * not leave the vector units idle. bench/alu.ts times it against the WGSL kernels on the same CPU.
 *
 * Usage: alu_chain LANES ROUNDS THREADS S STARTS_FILE [OUT_FILE]
 *   STARTS_FILE: LANES × 4 little-endian u32 (a, b, c, d), lane by lane (the TS side computes them
 *   from the alu.lane ChaCha stream); OUT_FILE gets the final states in the same layout.
 * Prints one JSON line: seconds (the chain alone: no file I/O, no process start), sizes, an xor
 * checksum of every final word, and the interleaving.
 * -DALU_MUTANT rotates b by 12 instead of 13: the test's proof that the comparison can fail.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef VW
#define VW 16 /* lanes a vector: 16 × u32 is one AVX-512 register, two AVX2 ones */
#endif
#ifndef NV
#define NV 8 /* independent vectors a thread interleaves (hides the multiply latency) */
#endif
#ifdef ALU_MUTANT
#define ROT_B 12
#else
#define ROT_B 13
#endif
#define GROUP (VW * NV)

typedef uint32_t vec __attribute__((vector_size(VW * 4)));

/* rotl as the spec writes it; compilers turn the pair of shifts into a rotate where one exists */
#define ROTL(x, r) (((x) << (r)) | ((x) >> (32 - (r))))

struct job {
  const uint32_t *in;
  uint32_t *out;
  size_t first, count; /* groups */
  size_t lanes;
  uint32_t rounds, s;
};

static void run_group(const struct job *j, size_t g) {
  vec a[NV], b[NV], c[NV], d[NV];
  size_t base = g * GROUP;
  /* Transpose to one vector a word; lanes past the end run on zeros and are not stored. */
  for (int v = 0; v < NV; v++)
    for (int i = 0; i < VW; i++) {
      size_t lane = base + (size_t)v * VW + i;
      const uint32_t *x = lane < j->lanes ? j->in + 4 * lane : NULL;
      a[v][i] = x ? x[0] : 0;
      b[v][i] = x ? x[1] : 0;
      c[v][i] = x ? x[2] : 0;
      d[v][i] = x ? x[3] : 0;
    }
  for (uint32_t t = 0; t < j->rounds; t++) {
    uint32_t k = j->s + t; /* wraps mod 2^32 as the spec's k does */
    for (int v = 0; v < NV; v++) {
      a[v] = (a[v] + k) * ((d[v] + d[v]) ^ 1);
      b[v] = ROTL(b[v] ^ a[v], ROT_B);
      c[v] = (c[v] ^ d[v]) * ((b[v] + b[v]) ^ 1);
      d[v] = ROTL(d[v] + c[v], 7) ^ a[v];
    }
  }
  for (int v = 0; v < NV; v++)
    for (int i = 0; i < VW; i++) {
      size_t lane = base + (size_t)v * VW + i;
      if (lane >= j->lanes) continue;
      uint32_t *y = j->out + 4 * lane;
      y[0] = a[v][i];
      y[1] = b[v][i];
      y[2] = c[v][i];
      y[3] = d[v][i];
    }
}

static void *worker(void *p) {
  const struct job *j = p;
  for (size_t g = j->first; g < j->first + j->count; g++) run_group(j, g);
  return NULL;
}

static uint32_t le32(const unsigned char *p) { return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

static unsigned long long arg(const char *s, const char *name, unsigned long long max) {
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v > max) {
    fprintf(stderr, "alu_chain: %s must be an integer in 0..%llu, got %s\n", name, max, s);
    exit(2);
  }
  return v;
}

int main(int argc, char **argv) {
  if (argc != 6 && argc != 7) {
    fprintf(stderr, "usage: alu_chain LANES ROUNDS THREADS S STARTS_FILE [OUT_FILE]\n");
    return 2;
  }
  size_t lanes = arg(argv[1], "LANES", 1ull << 28);
  uint32_t rounds = arg(argv[2], "ROUNDS", 0xffffffffull);
  int threads = arg(argv[3], "THREADS", 256);
  uint32_t s = arg(argv[4], "S", 0xffffffffull);
  if (lanes == 0 || threads == 0) {
    fprintf(stderr, "alu_chain: LANES and THREADS must be positive\n");
    return 2;
  }
  uint32_t *in = malloc(lanes * 16), *out = malloc(lanes * 16);
  unsigned char *raw = malloc(lanes * 16);
  FILE *f = fopen(argv[5], "rb");
  if (!in || !out || !raw || !f || fread(raw, 16, lanes, f) != lanes) {
    fprintf(stderr, "alu_chain: cannot read %zu lane starts from %s\n", lanes, argv[5]);
    return 1;
  }
  fclose(f);
  for (size_t i = 0; i < 4 * lanes; i++) in[i] = le32(raw + 4 * i);

  size_t groups = (lanes + GROUP - 1) / GROUP;
  if ((size_t)threads > groups) threads = (int)groups;
  struct job jobs[256];
  pthread_t tid[256];
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  size_t first = 0;
  for (int i = 0; i < threads; i++) {
    size_t count = groups / threads + ((size_t)i < groups % threads);
    jobs[i] = (struct job){in, out, first, count, lanes, rounds, s};
    first += count;
    if (pthread_create(&tid[i], NULL, worker, &jobs[i]) != 0) {
      fprintf(stderr, "alu_chain: cannot start thread %d\n", i);
      return 1;
    }
  }
  for (int i = 0; i < threads; i++) pthread_join(tid[i], NULL);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;

  uint32_t sum = 0;
  for (size_t i = 0; i < 4 * lanes; i++) {
    sum ^= out[i];
    for (int b = 0; b < 4; b++) raw[4 * i + b] = (unsigned char)(out[i] >> (8 * b));
  }
  if (argc == 7) {
    FILE *o = fopen(argv[6], "wb");
    if (!o || fwrite(raw, 16, lanes, o) != lanes || fclose(o) != 0) {
      fprintf(stderr, "alu_chain: cannot write %s\n", argv[6]);
      return 1;
    }
  }
  printf("{\"seconds\":%.9f,\"lanes\":%zu,\"rounds\":%u,\"threads\":%d,\"checksum\":%u,\"lanes_a_vector\":%d,\"vectors_interleaved\":%d,\"mutant\":%s}\n",
         seconds, lanes, rounds, threads, sum, VW, NV,
#ifdef ALU_MUTANT
         "true"
#else
         "false"
#endif
  );
  free(in);
  free(out);
  free(raw);
  return 0;
}
