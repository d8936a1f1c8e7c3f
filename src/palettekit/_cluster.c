/*
 * Optional compiled kernel of palettekit.cluster: k-means++ seeding, Lloyd
 * rounds, weighted k-medians (Weiszfeld) steps and nearest-center assignment
 * over a few thousand weighted points.
 *
 * The numpy code in cluster.py does the same arithmetic as a chain of small
 * numpy calls (a matrix product, argmin, bincount, ...), each of which costs
 * more in call overhead than its few microseconds of work; here each stage
 * is one call. The formulas are those of cluster.py, term for term:
 * squared distances as |x|^2 + |c|^2 - 2 x.c clamped at 0, sums in point
 * order (as bincount and cumsum do them), the same random draws (taken by
 * the caller from its numpy Generator and passed in), the same tie-breaking
 * (the first minimum). Only the order of a few floating-point sums may
 * differ from numpy's BLAS, by the last bit; tests/test__cluster.py checks
 * that palettes come out identical either way.
 *
 * Like _histogram.c it uses no numpy C API, only the buffer protocol, so it
 * builds against any numpy; when it cannot be compiled the package installs
 * without it and cluster.py runs on numpy alone.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Round every product and every sum as numpy does: no multiply-add is fused
   unless written as fma(). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

/* Small helpers are inlined into each compiled variant of the cores below. */
#if defined(__GNUC__)
#define INLINE static inline __attribute__((always_inline))
#else
#define INLINE static inline
#endif

/* Check that a buffer holds exactly `count` items of `size` bytes. */
static int
check_len(const Py_buffer *buffer, Py_ssize_t count, Py_ssize_t size, const char *name)
{
    if (count < 0 || buffer->len != count * size) {
        PyErr_Format(PyExc_ValueError, "%s must hold %zd items of %zd bytes, got %zd bytes",
                     name, count, size, buffer->len);
        return 0;
    }
    return 1;
}

/*
 * |x|^2 of each of the n rows of x (n, dim). For three coordinates, in the
 * order numpy's einsum("ij,ij->i") adds them (two accumulators: the first
 * and third square, then the second), so that cluster.row_norms agrees to
 * the last bit; otherwise in coordinate order.
 */
INLINE void
row_norms(const double *x, Py_ssize_t n, Py_ssize_t dim, double *out)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        const double *row = x + i * dim;
        double s;
        if (dim == 3) {
            s = (row[0] * row[0] + row[2] * row[2]) + row[1] * row[1];
        }
        else {
            s = 0.0;
            for (Py_ssize_t d = 0; d < dim; d++) {
                s += row[d] * row[d];
            }
        }
        out[i] = s;
    }
}

/*
 * -2 x.c: the cross term of a squared distance. numpy gets it from a matrix
 * product; OpenBLAS's kernels on x86-64 (Haswell and later) accumulate it as
 * a chain of fused multiply-adds in coordinate order, and so does this, so
 * that distances usually agree to the last bit (where they do not, only a
 * near-tie can tell).
 */
INLINE double
cross(const double *x, const double *c, Py_ssize_t dim)
{
    if (dim == 3) { /* the usual case, unrolled */
        return fma(x[2], c[2] * -2.0, fma(x[1], c[1] * -2.0, x[0] * (c[0] * -2.0)));
    }
    double s = x[0] * (c[0] * -2.0);
    for (Py_ssize_t d = 1; d < dim; d++) {
        s = fma(x[d], c[d] * -2.0, s);
    }
    return s;
}

/*
 * Nearest of k centers (k, dim) for each of n points: label and score, where
 * the score is |c|^2 - 2 x.c, plus |x|^2 and clamped at 0 when xsq is given
 * (the squared distance). csq holds |c|^2. Centers outermost and branch-free
 * inner loops, so that the compiler can run several points at once; ties go
 * to the first center, as numpy's argmin.
 */
INLINE double
score3(double x0, double x1, double x2, double c0, double c1, double c2, double xs, double cj,
       int with_xsq)
{
    double d = fma(x2, c2, fma(x1, c1, x0 * c0));
    if (with_xsq) {
        d += xs;
        d += cj;
        return d < 0.0 ? 0.0 : d;
    }
    return d + cj;
}

/*
 * The three-coordinate case of nearest_centers. One point at a time the
 * running minimum is a chain of compares (a few cycles per center), and a
 * pass per center over every point with the minimum in memory becomes
 * masked stores (slow on AMD), so on x86-64 CPUs with AVX2 and FMA four
 * points run at once in vector registers (nearest4_avx2), chunk by chunk;
 * elsewhere point by point. Either way each score is score3's, the same
 * operations (the fused multiply-adds, then |x|^2, then |c|^2, clamped at 0),
 * and a tie keeps the first center.
 */
INLINE void
nearest_scalar3(const double *restrict x, const double *restrict xsq, Py_ssize_t n,
                const double *restrict centers, const double *restrict csq, Py_ssize_t k,
                int64_t *restrict labels, double *restrict best, int with_xsq)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        const double x0 = x[3 * i], x1 = x[3 * i + 1], x2 = x[3 * i + 2];
        const double xs = with_xsq ? xsq[i] : 0.0;
        double b = 0.0;
        int64_t l = 0;
        for (Py_ssize_t j = 0; j < k; j++) {
            const double d = score3(x0, x1, x2, centers[3 * j] * -2.0, centers[3 * j + 1] * -2.0,
                                    centers[3 * j + 2] * -2.0, xs, csq[j], with_xsq);
            const int take = j == 0 || d < b;
            l = take ? (int64_t)j : l;
            b = take ? d : b;
        }
        labels[i] = l;
        best[i] = b;
    }
}

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>
#define HAVE_NEAREST4 1
#define NEAREST_CHUNK 64
#define NEAREST_STACK 64

__attribute__((target("avx2,fma"))) static void
nearest4_avx2(const double *restrict x, const double *restrict xsq, Py_ssize_t n,
              const double *restrict centers, const double *restrict csq, Py_ssize_t k,
              int64_t *restrict labels, double *restrict best, int with_xsq)
{
    /* -2 c and |c|^2 of every center, taken once (on the stack for up to
       NEAREST_STACK centers) */
    double stack[4 * NEAREST_STACK];
    double *cm = k <= NEAREST_STACK ? stack : (double *)malloc(sizeof(double) * 4 * (size_t)k);
    if (cm == NULL) {
        nearest_scalar3(x, xsq, n, centers, csq, k, labels, best, with_xsq);
        return;
    }
    for (Py_ssize_t j = 0; j < k; j++) {
        cm[4 * j] = centers[3 * j] * -2.0;
        cm[4 * j + 1] = centers[3 * j + 1] * -2.0;
        cm[4 * j + 2] = centers[3 * j + 2] * -2.0;
        cm[4 * j + 3] = csq[j];
    }
    double p0[NEAREST_CHUNK], p1[NEAREST_CHUNK], p2[NEAREST_CHUNK], ps[NEAREST_CHUNK];
    double out_best[NEAREST_CHUNK], out_label[NEAREST_CHUNK];
    const __m256d zero = _mm256_setzero_pd(), one = _mm256_set1_pd(1.0);
    for (Py_ssize_t start = 0; start < n; start += NEAREST_CHUNK) {
        const Py_ssize_t count = n - start < NEAREST_CHUNK ? n - start : NEAREST_CHUNK;
        const Py_ssize_t padded = (count + 3) & ~(Py_ssize_t)3;
        for (Py_ssize_t i = 0; i < padded; i++) { /* the chunk's coordinates, planar */
            const Py_ssize_t src = i < count ? start + i : start;
            p0[i] = x[3 * src];
            p1[i] = x[3 * src + 1];
            p2[i] = x[3 * src + 2];
            ps[i] = with_xsq ? xsq[src] : 0.0;
        }
        for (Py_ssize_t i = 0; i < padded; i += 4) {
            const __m256d x0 = _mm256_loadu_pd(p0 + i), x1 = _mm256_loadu_pd(p1 + i),
                          x2 = _mm256_loadu_pd(p2 + i), xs = _mm256_loadu_pd(ps + i);
            __m256d b = zero, l = zero, label = zero;
            for (Py_ssize_t j = 0; j < k; j++, label = _mm256_add_pd(label, one)) {
                const double *c = cm + 4 * j;
                __m256d d = _mm256_fmadd_pd(
                    x2, _mm256_broadcast_sd(c + 2),
                    _mm256_fmadd_pd(x1, _mm256_broadcast_sd(c + 1),
                                    _mm256_mul_pd(x0, _mm256_broadcast_sd(c))));
                if (with_xsq) {
                    d = _mm256_add_pd(d, xs);
                    d = _mm256_add_pd(d, _mm256_broadcast_sd(c + 3));
                    d = _mm256_blendv_pd(d, zero, _mm256_cmp_pd(d, zero, _CMP_LT_OQ));
                }
                else {
                    d = _mm256_add_pd(d, _mm256_broadcast_sd(c + 3));
                }
                if (j == 0) {
                    b = d;
                    continue;
                }
                const __m256d take = _mm256_cmp_pd(d, b, _CMP_LT_OQ);
                b = _mm256_blendv_pd(b, d, take);
                l = _mm256_blendv_pd(l, label, take);
            }
            _mm256_storeu_pd(out_best + i, b);
            _mm256_storeu_pd(out_label + i, l);
        }
        for (Py_ssize_t i = 0; i < count; i++) {
            best[start + i] = out_best[i];
            labels[start + i] = (int64_t)out_label[i];
        }
    }
    if (cm != stack) {
        free(cm);
    }
}

/* Whether nearest4_avx2 runs: the CPU has AVX2 and FMA, and the environment
   variable PALETTEKIT_NO_AVX2 is not set (tests compare both paths). */
static int
has_avx2_fma(void)
{
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = getenv("PALETTEKIT_NO_AVX2") == NULL && __builtin_cpu_supports("avx2") &&
                __builtin_cpu_supports("fma");
    }
    return known;
}
#endif

INLINE void
nearest_centers3(const double *restrict x, const double *restrict xsq, Py_ssize_t n,
                 const double *restrict centers, const double *restrict csq, Py_ssize_t k,
                 int64_t *restrict labels, double *restrict best, int with_xsq)
{
#ifdef HAVE_NEAREST4
    if (has_avx2_fma()) {
        nearest4_avx2(x, xsq, n, centers, csq, k, labels, best, with_xsq);
        return;
    }
#endif
    nearest_scalar3(x, xsq, n, centers, csq, k, labels, best, with_xsq);
}

INLINE void
nearest_centers(const double *x, const double *xsq, Py_ssize_t n, Py_ssize_t dim,
                const double *centers, const double *csq, Py_ssize_t k, int64_t *labels,
                double *best)
{
    if (dim == 3) {
        if (xsq != NULL) {
            nearest_centers3(x, xsq, n, centers, csq, k, labels, best, 1);
        }
        else {
            nearest_centers3(x, NULL, n, centers, csq, k, labels, best, 0);
        }
        return;
    }
    for (Py_ssize_t j = 0; j < k; j++) {
        const double *c = centers + j * dim;
        const double cj = csq[j];
        const int64_t label = (int64_t)j;
        for (Py_ssize_t i = 0; i < n; i++) {
            double d = cross(x + i * dim, c, dim);
            if (xsq != NULL) {
                d += xsq[i];
                d += cj;
                d = d < 0.0 ? 0.0 : d;
            }
            else {
                d += cj;
            }
            const int take = j == 0 || d < best[i];
            best[i] = take ? d : best[i];
            labels[i] = take ? label : labels[i];
        }
    }
}

/* Nearest center and squared distance to it (see nearest_centers). */
INLINE void
assign_points(const double *x, const double *xsq, Py_ssize_t n, Py_ssize_t dim,
              const double *centers, const double *csq, Py_ssize_t k, int64_t *labels,
              double *closest)
{
    nearest_centers(x, xsq, n, dim, centers, csq, k, labels, closest);
}

/*
 * sums[labels[i]] (4 values: a weight and its three weighted coordinates)
 * += (f[i], f[i] * x[i]) for every point in point order, as bincount adds
 * them. The sums of the current run of equal labels are carried in
 * registers and written back when the label changes: the additions are the
 * same, in the same order, without a store and reload between neighbours
 * of one cluster (a histogram's bins in key order mostly share their
 * neighbour's label).
 */
INLINE void
accumulate3(const double *restrict x, const double *restrict f, const int64_t *restrict labels,
            Py_ssize_t m, double *restrict weight, double *restrict sums)
{
    if (m < 1) {
        return;
    }
    Py_ssize_t cur = (Py_ssize_t)labels[0];
    double a = weight[cur], s0 = sums[3 * cur], s1 = sums[3 * cur + 1], s2 = sums[3 * cur + 2];
    for (Py_ssize_t i = 0; i < m; i++) {
        const Py_ssize_t j = (Py_ssize_t)labels[i];
        if (j != cur) {
            weight[cur] = a;
            sums[3 * cur] = s0;
            sums[3 * cur + 1] = s1;
            sums[3 * cur + 2] = s2;
            cur = j;
            a = weight[cur];
            s0 = sums[3 * cur];
            s1 = sums[3 * cur + 1];
            s2 = sums[3 * cur + 2];
        }
        const double fi = f[i];
        a += fi;
        s0 += fi * x[3 * i];
        s1 += fi * x[3 * i + 1];
        s2 += fi * x[3 * i + 2];
    }
    weight[cur] = a;
    sums[3 * cur] = s0;
    sums[3 * cur + 1] = s1;
    sums[3 * cur + 2] = s2;
}

/* Squared distances of every point of x (m, dim) from its point `row`, into out (m,). */
INLINE void
distances_from(const double *x, const double *xsq, Py_ssize_t m, Py_ssize_t dim, Py_ssize_t row,
               double *out)
{
    const double *p = x + row * dim;
    const double prow = xsq[row];
    if (dim == 3) {
        const double c0 = p[0] * -2.0, c1 = p[1] * -2.0, c2 = p[2] * -2.0;
        for (Py_ssize_t i = 0; i < m; i++) {
            const double *q = x + i * 3;
            double d = fma(q[2], c2, fma(q[1], c1, q[0] * c0));
            d += prow;
            d += xsq[i];
            out[i] = d < 0.0 ? 0.0 : d;
        }
        return;
    }
    for (Py_ssize_t i = 0; i < m; i++) {
        double d = cross(p, x + i * dim, dim);
        d += prow;
        d += xsq[i];
        out[i] = d < 0.0 ? 0.0 : d;
    }
}

/*
 * The cores below are compiled twice where GCC can dispatch at load time
 * (x86-64 Linux): for CPUs with AVX2 and FMA (Haswell and later), where fma()
 * is one instruction and four points are handled at once, and for the
 * others, where fma() is a library call (same results, slower).
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define HOT __attribute__((target_clones("fma", "default")))
#else
#define HOT
#endif

/*
 * sRGB -> Oklab for n colors (colorspace.srgb_to_oklab), term for term as
 * colorspace.py computes it, so that both give the same bits:
 *
 * - the transfer function: below the knee c / 12.92; a whole 8-bit level
 *   k / 255 from a table of libm's values (the same function, so the same
 *   bits); any other value in (knee, 1] as t * t * (t * t) ** (1 / 5) with
 *   t = (c + 0.055) / 1.055 (t ** 2.4), the fifth root by Newton steps
 *   (root5 below); anything else (outside [0, 1]) as colorspace.srgb_to_linear
 *   with libm's pow;
 * - each matrix row as OpenBLAS's product accumulates it (a chain of fused
 *   multiply-adds in coordinate order);
 * - the cube root by Newton steps (root3 below) for values in (1e-150,
 *   1e150), libm's cbrt (as np.cbrt) for any other.
 *
 * The Newton roots are within 4 units in the last place of libm's pow and
 * cbrt, and about ten times faster than them on a histogram's bins: they use
 * plain products (no division but one) and run four values at once.
 */
INLINE double
srgb_to_linear1(double v, double knee)
{
    const double magnitude = fabs(v);
    if (magnitude <= knee) {
        return v / 12.92;
    }
    const double p = pow((magnitude + 0.055) / 1.055, 2.4);
    return (v > 0.0 ? 1.0 : (v < 0.0 ? -1.0 : v)) * p;
}

/* The linear value of each 8-bit level k / 255 (the same function, so the
   same bits): a third of a histogram's channel means are whole levels, and
   for them the table saves the power. Filled for the knee last asked for. */
static double level_linear[256];
static double level_value[256]; /* k / 255, looked up rather than divided */
static double level_knee = -1.0;

static void
fill_levels(double knee)
{
    if (level_knee == knee) {
        return;
    }
    for (int k = 0; k < 256; k++) {
        level_value[k] = k / 255.0;
        level_linear[k] = srgb_to_linear1(level_value[k], knee);
    }
    level_knee = knee;
}

/*
 * Roots of positive normal doubles as colorspace._root computes them: a
 * first guess of a ** (-1 / n) from the bits of a (its exponent divided by
 * -n), ROOT_STEPS Newton steps on it that need no division, r * ((n + 1) -
 * a * r ** n) / n, then a * r ** (n - 1) polished by one Newton step on the
 * root itself, y + (a / y ** (n - 1) - y) / n. Every operation rounds once
 * (no fused multiply-add), in the order written, as numpy's.
 */
#define ROOT_STEPS 4
#define INV_CBRT_GUESS UINT64_C(0x5540000000000000)  /* (1023 << 52) * 4 / 3 */
#define INV_ROOT5_GUESS UINT64_C(0x4cb9999999999999) /* (1023 << 52) * 6 / 5 */

INLINE void
root3(double *restrict a, double *restrict out, Py_ssize_t count)
{
    for (Py_ssize_t i = 0; i < count; i++) {
        uint64_t bits;
        memcpy(&bits, a + i, sizeof bits);
        bits = INV_CBRT_GUESS - bits / 3;
        memcpy(out + i, &bits, sizeof bits);
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        const double x = a[i];
        double r = out[i];
        for (int s = 0; s < ROOT_STEPS; s++) {
            const double p = (r * r) * r;
            r = (r * (4.0 - x * p)) * (1.0 / 3.0);
        }
        const double y = x * (r * r);
        out[i] = y + (x / (y * y) - y) / 3.0;
    }
}

INLINE void
root5(double *restrict a, double *restrict out, Py_ssize_t count)
{
    for (Py_ssize_t i = 0; i < count; i++) {
        uint64_t bits;
        memcpy(&bits, a + i, sizeof bits);
        bits = INV_ROOT5_GUESS - bits / 5;
        memcpy(out + i, &bits, sizeof bits);
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        const double x = a[i];
        double r = out[i];
        for (int s = 0; s < ROOT_STEPS; s++) {
            const double p = ((r * r) * (r * r)) * r;
            r = (r * (6.0 - x * p)) * (1.0 / 5.0);
        }
        const double y = x * ((r * r) * (r * r));
        out[i] = y + (x / ((y * y) * (y * y)) - y) / 5.0;
    }
}

/* Colors converted per block: the roots of a block run as one loop. */
#define OKLAB_BLOCK 128

static HOT void
oklab_core(const double *srgb, double *out, Py_ssize_t n, const double *to_lms,
           const double *to_lab, double knee)
{
    double value[3 * OKLAB_BLOCK], root[3 * OKLAB_BLOCK], lin[3 * OKLAB_BLOCK],
        lms[3 * OKLAB_BLOCK];
    unsigned char fast[3 * OKLAB_BLOCK];
    for (Py_ssize_t start = 0; start < n; start += OKLAB_BLOCK) {
        const Py_ssize_t b = n - start < OKLAB_BLOCK ? n - start : OKLAB_BLOCK;
        const double *c = srgb + 3 * start;
        /* the transfer function: table, linear segment and libm, or the
           power by root5 (its argument t * t, 1.0 as a stand-in elsewhere) */
        for (Py_ssize_t q = 0; q < 3 * b; q++) {
            const double v = c[q];
            fast[q] = 0;
            value[q] = 1.0;
            if (v > 0.0 && v <= 1.0) {
                const int k = (int)(v * 255.0 + 0.5);
                if (v == level_value[k]) { /* exactly a level: the table's value */
                    lin[q] = level_linear[k];
                    continue;
                }
                if (v > knee) {
                    const double t = (v + 0.055) / 1.055;
                    value[q] = t * t;
                    fast[q] = 1;
                    continue;
                }
            }
            lin[q] = srgb_to_linear1(v, knee);
        }
        root5(value, root, 3 * b);
        for (Py_ssize_t q = 0; q < 3 * b; q++) {
            lin[q] = fast[q] ? value[q] * root[q] : lin[q];
        }
        /* to LMS, then the cube root (root3 inside (1e-150, 1e150), libm's
           cbrt outside, 1.0 the stand-in there) */
        for (Py_ssize_t i = 0; i < b; i++) {
            const double *l = lin + 3 * i;
            for (int j = 0; j < 3; j++) {
                const double *row = to_lms + 3 * j;
                const double x = fma(l[2], row[2], fma(l[1], row[1], l[0] * row[0]));
                const int inside = x > 1e-150 && x < 1e150;
                fast[3 * i + j] = (unsigned char)inside;
                value[3 * i + j] = inside ? x : 1.0;
                lms[3 * i + j] = x;
            }
        }
        root3(value, root, 3 * b);
        for (Py_ssize_t q = 0; q < 3 * b; q++) {
            root[q] = fast[q] ? root[q] : cbrt(lms[q]);
        }
        for (Py_ssize_t i = 0; i < b; i++) {
            const double *r = root + 3 * i;
            for (int j = 0; j < 3; j++) {
                const double *row = to_lab + 3 * j;
                out[3 * (start + i) + j] = fma(r[2], row[2], fma(r[1], row[1], r[0] * row[0]));
            }
        }
    }
}

static HOT void
seed_core(const double *x, const double *w, const double *draws, int64_t *chosen, Py_ssize_t m,
          Py_ssize_t dim, Py_ssize_t n_starts, Py_ssize_t n_clusters, Py_ssize_t n_trials,
          double *scratch)
{
    double *closest = scratch;
    double *cumulative = closest + n_starts * m;
    double *trial = cumulative + n_starts * m;
    double *xsq = trial + n_starts * n_trials * m;
    const Py_ssize_t total = n_starts * m;
    row_norms(x, m, dim, xsq);
    /* first centers: searchsorted(cumsum(w), u * total, "right") */
    {
        double run = 0.0;
        for (Py_ssize_t i = 0; i < m; i++) {
            run += w[i];
            cumulative[i] = run;
        }
        for (Py_ssize_t r = 0; r < n_starts; r++) {
            const double target = draws[r] * cumulative[m - 1];
            Py_ssize_t lo = 0, hi = m;
            while (lo < hi) {
                const Py_ssize_t mid = lo + (hi - lo) / 2;
                if (cumulative[mid] <= target) {
                    lo = mid + 1;
                }
                else {
                    hi = mid;
                }
            }
            if (lo > m - 1) {
                lo = m - 1;
            }
            chosen[r * n_clusters] = (int64_t)lo;
            distances_from(x, xsq, m, dim, lo, closest + r * m);
        }
    }
    const double *u = draws + n_starts;
    /* per trial: -2 x its candidate's coordinates (three arrays), their
       |x|^2, the potential and the start's nearest distance at the current
       point (doubles), then the candidate and its start's row (indices) */
    const Py_ssize_t n_rt = n_starts * n_trials;
    double *cand0 = xsq + m;
    double *cand1 = cand0 + n_rt;
    double *cand2 = cand1 + n_rt;
    double *cand_sq = cand2 + n_rt;
    double *potential = cand_sq + n_rt;
    double *near_now = potential + n_rt;
    Py_ssize_t *candidates = (Py_ssize_t *)(near_now + n_rt);
    Py_ssize_t *near_offset = candidates + n_rt; /* where each trial's start's row begins */
    for (Py_ssize_t q = 0; q < n_rt; q++) {
        near_offset[q] = (q / n_trials) * m;
    }
    for (Py_ssize_t c = 1; c < n_clusters; c++) {
        /* one running sum over every start, flattened (R, M) */
        double run = 0.0;
        for (Py_ssize_t r = 0; r < n_starts; r++) {
            const double *near = closest + r * m;
            double *cum = cumulative + r * m;
            for (Py_ssize_t i = 0; i < m; i++) {
                run += near[i] * w[i];
                cum[i] = run;
            }
        }
        for (Py_ssize_t r = 0; r < n_starts; r++) {
            const double base = r == 0 ? 0.0 : cumulative[r * m - 1];
            const double span = cumulative[r * m + m - 1] - base;
            for (Py_ssize_t t = 0; t < n_trials; t++) {
                const double target = base + u[r * n_trials + t] * span;
                Py_ssize_t lo = 0, hi = total;
                while (lo < hi) {
                    const Py_ssize_t mid = lo + (hi - lo) / 2;
                    if (cumulative[mid] <= target) {
                        lo = mid + 1;
                    }
                    else {
                        hi = mid;
                    }
                }
                Py_ssize_t candidate = lo - r * m;
                if (candidate > m - 1) {
                    candidate = m - 1;
                }
                if (candidate < 0) {
                    candidate = 0;
                }
                candidates[r * n_trials + t] = candidate;
            }
        }
        if (dim == 3) {
            /* Only the potentials first: every trial of every start in one
               pass over the points, the trials of a point side by side (the
               compiler runs four at once), per trial the same operations as
               distances_from, the minimum with its start's nearest center,
               and the potential summed in point order, each trial's sum a
               chain of its own. The chosen trial's distances are computed
               again below instead of storing every trial's. */
            for (Py_ssize_t q = 0; q < n_rt; q++) {
                const double *p = x + candidates[q] * 3;
                cand0[q] = p[0] * -2.0;
                cand1[q] = p[1] * -2.0;
                cand2[q] = p[2] * -2.0;
                cand_sq[q] = xsq[candidates[q]];
                potential[q] = 0.0;
            }
            const double *restrict k0 = cand0, *restrict k1 = cand1, *restrict k2 = cand2;
            const double *restrict ksq = cand_sq;
            double *restrict pot = potential, *restrict now = near_now;
            for (Py_ssize_t i = 0; i < m; i++) {
                const double x0 = x[3 * i], x1 = x[3 * i + 1], x2 = x[3 * i + 2];
                const double xs = xsq[i], wi = w[i];
                for (Py_ssize_t q = 0; q < n_rt; q++) {
                    now[q] = closest[near_offset[q] + i];
                }
                for (Py_ssize_t q = 0; q < n_rt; q++) {
                    double d = fma(x2, k2[q], fma(x1, k1[q], x0 * k0[q]));
                    d += ksq[q];
                    d += xs;
                    d = d < 0.0 ? 0.0 : d;
                    d = now[q] < d ? now[q] : d;
                    pot[q] += d * wi;
                }
            }
        }
        else {
            for (Py_ssize_t q = 0; q < n_rt; q++) {
                double *d2 = trial + q * m;
                distances_from(x, xsq, m, dim, candidates[q], d2);
                const double *near = closest + near_offset[q];
                double sum = 0.0; /* in point order, as the pure path's sum */
                for (Py_ssize_t i = 0; i < m; i++) {
                    d2[i] = near[i] < d2[i] ? near[i] : d2[i];
                    sum += d2[i] * w[i];
                }
                potential[q] = sum;
            }
        }
        for (Py_ssize_t r = 0; r < n_starts; r++) {
            Py_ssize_t best_t = 0;
            for (Py_ssize_t t = 1; t < n_trials; t++) {
                if (potential[r * n_trials + t] < potential[r * n_trials + best_t]) {
                    best_t = t;
                }
            }
            const Py_ssize_t q = r * n_trials + best_t;
            chosen[r * n_clusters + c] = (int64_t)candidates[q];
            if (dim == 3) { /* the chosen trial's distances again, the same operations */
                const double c0 = cand0[q], c1 = cand1[q], c2 = cand2[q], cs = cand_sq[q];
                double *near = closest + r * m;
                for (Py_ssize_t i = 0; i < m; i++) {
                    double d = fma(x[3 * i + 2], c2, fma(x[3 * i + 1], c1, x[3 * i] * c0));
                    d += cs;
                    d += xsq[i];
                    d = d < 0.0 ? 0.0 : d;
                    near[i] = near[i] < d ? near[i] : d;
                }
            }
            else {
                memcpy(closest + r * m, trial + q * m, sizeof(double) * (size_t)m);
            }
        }
        u += n_starts * n_trials;
    }
}

static HOT Py_ssize_t
lloyd_core(const double *x, const double *w, double *all_centers, double *all_closest,
           Py_ssize_t m, Py_ssize_t dim, Py_ssize_t k, Py_ssize_t n_starts, Py_ssize_t max_iter,
           double tol, double *scratch, int64_t *labels)
{
    Py_ssize_t n_iter = 0;
    double *xsq = scratch;
    double *closest = xsq + m;
    double *cost = closest + m;
    double *csq = cost + m;
    double *cw = csq + k;
    double *sums = cw + k;
    double *fresh = sums + k * dim;
    row_norms(x, m, dim, xsq);
    for (Py_ssize_t r = 0; r < n_starts; r++) {
        double *centers = all_centers + r * k * dim;
        Py_ssize_t it = 0;
        for (it = 1; it <= max_iter; it++) {
            row_norms(centers, k, dim, csq);
            memset(cw, 0, sizeof(double) * (size_t)k);
            memset(sums, 0, sizeof(double) * (size_t)(k * dim));
            /* argmin of |c|^2 - 2 x.c (|x|^2 is common), as cluster._lloyd */
            nearest_centers(x, NULL, m, dim, centers, csq, k, labels, closest);
            if (dim == 3) {
                accumulate3(x, w, labels, m, cw, sums);
            }
            else {
                for (Py_ssize_t i = 0; i < m; i++) {
                    const double *row = x + i * dim;
                    const Py_ssize_t best = (Py_ssize_t)labels[i];
                    cw[best] += w[i];
                    for (Py_ssize_t d = 0; d < dim; d++) {
                        sums[best * dim + d] += w[i] * row[d];
                    }
                }
            }
            Py_ssize_t n_empty = 0;
            for (Py_ssize_t j = 0; j < k; j++) {
                if (cw[j] > 0) {
                    for (Py_ssize_t d = 0; d < dim; d++) {
                        fresh[j * dim + d] = sums[j * dim + d] / cw[j];
                    }
                }
                else {
                    memcpy(fresh + j * dim, centers + j * dim, sizeof(double) * (size_t)dim);
                    n_empty++;
                }
            }
            if (n_empty > 0) {
                /* cluster._relocate_empty: the points of largest weighted
                   squared distance to their own (old) center, one per
                   empty cluster, ties to the lowest index. */
                for (Py_ssize_t i = 0; i < m; i++) {
                    const Py_ssize_t j = (Py_ssize_t)labels[i];
                    double d = cross(x + i * dim, centers + j * dim, dim);
                    d += xsq[i];
                    d += csq[j];
                    cost[i] = (d < 0.0 ? 0.0 : d) * w[i];
                }
                for (Py_ssize_t j = 0; j < k; j++) {
                    if (cw[j] > 0) {
                        continue;
                    }
                    Py_ssize_t far = -1;
                    for (Py_ssize_t i = 0; i < m; i++) {
                        if (cost[i] == -INFINITY) {
                            continue;
                        }
                        if (far < 0 || cost[i] > cost[far]) {
                            far = i;
                        }
                    }
                    if (far < 0) {
                        break;
                    }
                    cost[far] = -INFINITY;
                    memcpy(fresh + j * dim, x + far * dim, sizeof(double) * (size_t)dim);
                }
            }
            double shift = 0.0;
            for (Py_ssize_t q = 0; q < k * dim; q++) {
                const double moved = fresh[q] - centers[q];
                shift += moved * moved;
            }
            memcpy(centers, fresh, sizeof(double) * (size_t)(k * dim));
            if (!(shift > tol)) {
                break;
            }
        }
        if (it > max_iter) {
            it = max_iter;
        }
        if (it > n_iter) {
            n_iter = it;
        }
        row_norms(centers, k, dim, csq);
        assign_points(x, xsq, m, dim, centers, csq, k, labels, closest);
        for (Py_ssize_t i = 0; i < m; i++) {
            all_closest[i * n_starts + r] = closest[i];
        }
    }
    return n_iter;
}

static HOT Py_ssize_t
kmedians_core(const double *x, const double *w, double *centers, Py_ssize_t m, Py_ssize_t dim,
              Py_ssize_t k, Py_ssize_t max_iter, double tol, double floor_, double far_distance,
              double far_factor, double *scratch, int64_t *labels)
{
    Py_ssize_t n_iter = 0;
    double *xsq = scratch;
    double *closest = xsq + m;
    double *csq = closest + m;
    double *den = csq + k;
    double *num = den + k;
    double *fresh = num + k * dim;
    row_norms(x, m, dim, xsq);
    for (Py_ssize_t it = 1; it <= max_iter; it++) {
        n_iter = it;
        row_norms(centers, k, dim, csq);
        assign_points(x, xsq, m, dim, centers, csq, k, labels, closest);
        memset(den, 0, sizeof(double) * (size_t)k);
        memset(num, 0, sizeof(double) * (size_t)(k * dim));
        if (dim == 3) { /* the weights first (closest is free again), then their sums */
            for (Py_ssize_t i = 0; i < m; i++) {
                const double distance = sqrt(closest[i]);
                double inverse = w[i] / (distance > floor_ ? distance : floor_);
                inverse *= distance > far_distance ? far_factor : 1.0;
                closest[i] = inverse;
            }
            accumulate3(x, closest, labels, m, den, num);
        }
        else {
            for (Py_ssize_t i = 0; i < m; i++) {
                const double distance = sqrt(closest[i]);
                double inverse = w[i] / (distance > floor_ ? distance : floor_);
                inverse *= distance > far_distance ? far_factor : 1.0;
                const Py_ssize_t j = (Py_ssize_t)labels[i];
                den[j] += inverse;
                for (Py_ssize_t d = 0; d < dim; d++) {
                    num[j * dim + d] += inverse * x[i * dim + d];
                }
            }
        }
        double shift = 0.0;
        for (Py_ssize_t j = 0; j < k; j++) {
            for (Py_ssize_t d = 0; d < dim; d++) {
                const double value =
                    den[j] > 0 ? num[j * dim + d] / den[j] : centers[j * dim + d];
                const double moved = value - centers[j * dim + d];
                shift += moved * moved;
                fresh[j * dim + d] = value;
            }
        }
        memcpy(centers, fresh, sizeof(double) * (size_t)(k * dim));
        if (shift <= tol) {
            break;
        }
    }
    return n_iter;
}

static HOT void
assign_core(const double *x, const double *w, const double *centers, int64_t *labels,
            double *closest, double *cw, Py_ssize_t m, Py_ssize_t dim, Py_ssize_t k,
            double *scratch)
{
    double *xsq = scratch;
    double *csq = xsq + m;
    row_norms(x, m, dim, xsq);
    row_norms(centers, k, dim, csq);
    assign_points(x, xsq, m, dim, centers, csq, k, labels, closest);
    memset(cw, 0, sizeof(double) * (size_t)k);
    /* in point order, the sum of a run of one label carried in a register */
    Py_ssize_t cur = m > 0 ? (Py_ssize_t)labels[0] : 0;
    double run = 0.0;
    for (Py_ssize_t i = 0; i < m; i++) {
        const Py_ssize_t j = (Py_ssize_t)labels[i];
        if (j != cur) {
            cw[cur] = run;
            cur = j;
            run = cw[cur];
        }
        run += w[i];
    }
    if (m > 0) {
        cw[cur] = run;
    }
}

/*
 * numpy's sum of a contiguous float64 array (add.reduce): pairwise, blocks
 * of at most 128 added eight ways and halves of larger runs added together,
 * so that the result is the same to the last bit.
 */
static double
pairwise_sum(const double *a, Py_ssize_t n)
{
    if (n < 8) {
        double res = 0.0;
        for (Py_ssize_t i = 0; i < n; i++) {
            res += a[i];
        }
        return res;
    }
    if (n <= 128) {
        double r[8];
        for (int j = 0; j < 8; j++) {
            r[j] = a[j];
        }
        Py_ssize_t i;
        for (i = 8; i < n - (n % 8); i += 8) {
            for (int j = 0; j < 8; j++) {
                r[j] += a[i + j];
            }
        }
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) {
            res += a[i];
        }
        return res;
    }
    Py_ssize_t n2 = n / 2;
    n2 -= n2 % 8;
    return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

/*
 * mean_variance(points, weights) -> float
 *
 * cluster._mean_variance of points (M, 3) and weights (M,) float64: the
 * weighted variance averaged over the coordinates, in numpy's order of
 * operations (column sums row by row, the weight total pairwise, the three
 * column totals in order).
 */
static PyObject *
mean_variance(PyObject *self, PyObject *args)
{
    Py_buffer pb, wb;
    if (!PyArg_ParseTuple(args, "y*y*", &pb, &wb)) {
        return NULL;
    }
    PyObject *result = NULL;
    const Py_ssize_t m = wb.len / (Py_ssize_t)sizeof(double);
    if (m < 1 || !check_len(&pb, m * 3, sizeof(double), "points")) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "need points");
        }
        goto done;
    }
    {
        const double *x = (const double *)pb.buf;
        const double *w = (const double *)wb.buf;
        double variance;
        Py_BEGIN_ALLOW_THREADS
        const double total = pairwise_sum(w, m);
        double s0 = x[0] * w[0], s1 = x[1] * w[0], s2 = x[2] * w[0];
        for (Py_ssize_t i = 1; i < m; i++) {
            s0 += x[3 * i] * w[i];
            s1 += x[3 * i + 1] * w[i];
            s2 += x[3 * i + 2] * w[i];
        }
        const double m0 = s0 / total, m1 = s1 / total, m2 = s2 / total;
        double t0 = 0.0, t1 = 0.0, t2 = 0.0;
        for (Py_ssize_t i = 0; i < m; i++) {
            const double d0 = x[3 * i] - m0, d1 = x[3 * i + 1] - m1, d2 = x[3 * i + 2] - m2;
            const double e0 = (d0 * d0) * w[i], e1 = (d1 * d1) * w[i], e2 = (d2 * d2) * w[i];
            if (i == 0) {
                t0 = e0;
                t1 = e1;
                t2 = e2;
            }
            else {
                t0 += e0;
                t1 += e1;
                t2 += e2;
            }
        }
        variance = (((t0 + t1) + t2) / 3.0) / total;
        Py_END_ALLOW_THREADS
        result = PyFloat_FromDouble(variance);
    }
done:
    PyBuffer_Release(&pb);
    PyBuffer_Release(&wb);
    return result;
}

/*
 * seed(points, weights, draws, chosen, n_starts, n_clusters, n_trials)
 *
 * Greedy weighted k-means++ for n_starts starts (cluster._kmeans_plus_plus):
 * points (M, D) float64, weights (M,) float64, draws the uniform [0, 1)
 * numbers (R + (k - 1) * R * T,) float64 in the order numpy would draw them,
 * chosen (R, k) int64 filled with the index of each start's centers.
 */
static PyObject *
seed(PyObject *self, PyObject *args)
{
    Py_buffer pb, wb, db, cb;
    Py_ssize_t n_starts, n_clusters, n_trials;
    if (!PyArg_ParseTuple(args, "y*y*y*w*nnn", &pb, &wb, &db, &cb, &n_starts, &n_clusters,
                          &n_trials)) {
        return NULL;
    }
    PyObject *result = NULL;
    double *scratch = NULL;
    const Py_ssize_t m = wb.len / (Py_ssize_t)sizeof(double);
    if (m < 1 || n_starts < 1 || n_clusters < 1 || n_trials < 1) {
        PyErr_SetString(PyExc_ValueError, "need points, starts, clusters and trials");
        goto done;
    }
    const Py_ssize_t dim = pb.len / (Py_ssize_t)sizeof(double) / m;
    if (!check_len(&wb, m, sizeof(double), "weights") ||
        !check_len(&pb, m * dim, sizeof(double), "points") ||
        !check_len(&db, n_starts + (n_clusters - 1) * n_starts * n_trials, sizeof(double),
                   "draws") ||
        !check_len(&cb, n_starts * n_clusters, sizeof(int64_t), "chosen")) {
        goto done;
    }
    /* closest (R*M), cumulative (R*M), trial distances (R*T*M), |x|^2 (M) */
    /* + per trial: 3 coordinates, |x|^2, potential, nearest now, candidate, row */
    scratch = (double *)malloc(sizeof(double) * (size_t)(m * (2 * n_starts + n_starts * n_trials + 1) +
                                                         8 * n_starts * n_trials));
    if (scratch == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    seed_core((const double *)pb.buf, (const double *)wb.buf, (const double *)db.buf,
              (int64_t *)cb.buf, m, dim, n_starts, n_clusters, n_trials, scratch);
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    free(scratch);
    PyBuffer_Release(&pb);
    PyBuffer_Release(&wb);
    PyBuffer_Release(&db);
    PyBuffer_Release(&cb);
    return result;
}

/*
 * lloyd(points, weights, centers, closest, max_iter, tol) -> n_iter
 *
 * Lloyd iterations of every start (cluster._lloyd): points (M, D), weights
 * (M,), centers (R, k, D) float64 updated in place; closest (M, R) float64
 * is filled with each point's squared distance to its nearest final center
 * in each start (the caller takes the inertia, weights @ closest, with the
 * same numpy call as the pure path so that ties between starts break the
 * same way). A start stops once its centers move by tol (summed squares)
 * or less; returns the largest number of iterations any start ran.
 */
static PyObject *
lloyd(PyObject *self, PyObject *args)
{
    Py_buffer pb, wb, cb, ib;
    Py_ssize_t max_iter;
    double tol;
    if (!PyArg_ParseTuple(args, "y*y*w*w*nd", &pb, &wb, &cb, &ib, &max_iter, &tol)) {
        return NULL;
    }
    PyObject *result = NULL;
    double *scratch = NULL;
    int64_t *labels = NULL;
    const Py_ssize_t m = wb.len / (Py_ssize_t)sizeof(double);
    const Py_ssize_t n_starts = m > 0 ? ib.len / (Py_ssize_t)sizeof(double) / m : 0;
    if (m < 1 || n_starts < 1 || !check_len(&ib, m * n_starts, sizeof(double), "closest")) {
        PyErr_SetString(PyExc_ValueError, "need points and starts");
        goto done;
    }
    const Py_ssize_t dim = pb.len / (Py_ssize_t)sizeof(double) / m;
    const Py_ssize_t k = dim > 0 ? cb.len / (Py_ssize_t)sizeof(double) / (n_starts * dim) : 0;
    if (dim < 1 || k < 1 || !check_len(&pb, m * dim, sizeof(double), "points") ||
        !check_len(&cb, n_starts * k * dim, sizeof(double), "centers")) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "bad shapes");
        }
        goto done;
    }
    /* xsq (M), closest (M), csq (k), cluster weights (k), sums (k*D), new (k*D), cost (M) */
    scratch = (double *)malloc(sizeof(double) * (size_t)(3 * m + 2 * k + 2 * k * dim));
    labels = (int64_t *)malloc(sizeof(int64_t) * (size_t)m);
    if (scratch == NULL || labels == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t n_iter = 0;
    Py_BEGIN_ALLOW_THREADS
    n_iter = lloyd_core((const double *)pb.buf, (const double *)wb.buf, (double *)cb.buf,
                        (double *)ib.buf, m, dim, k, n_starts, max_iter, tol, scratch, labels);
    Py_END_ALLOW_THREADS
    result = PyLong_FromSsize_t(n_iter);
done:
    free(scratch);
    free(labels);
    PyBuffer_Release(&pb);
    PyBuffer_Release(&wb);
    PyBuffer_Release(&cb);
    PyBuffer_Release(&ib);
    return result;
}

/*
 * kmedians(points, weights, centers, max_iter, tol, floor, far_distance,
 *          far_factor) -> n_iter
 *
 * Weiszfeld steps of cluster.weighted_kmedians: points (M, D), weights (M,),
 * centers (k, D) float64 updated in place. Each step assigns every point to
 * its nearest center and moves each center to the mean of its points
 * weighted by weight / max(distance, floor), times far_factor for points
 * farther than far_distance. Stops once the centers move by tol (summed
 * squares) or less.
 */
static PyObject *
kmedians(PyObject *self, PyObject *args)
{
    Py_buffer pb, wb, cb;
    Py_ssize_t max_iter;
    double tol, floor_, far_distance, far_factor;
    if (!PyArg_ParseTuple(args, "y*y*w*ndddd", &pb, &wb, &cb, &max_iter, &tol, &floor_,
                          &far_distance, &far_factor)) {
        return NULL;
    }
    PyObject *result = NULL;
    double *scratch = NULL;
    int64_t *labels = NULL;
    const Py_ssize_t m = wb.len / (Py_ssize_t)sizeof(double);
    if (m < 1) {
        PyErr_SetString(PyExc_ValueError, "need points");
        goto done;
    }
    const Py_ssize_t dim = pb.len / (Py_ssize_t)sizeof(double) / m;
    const Py_ssize_t k = dim > 0 ? cb.len / (Py_ssize_t)sizeof(double) / dim : 0;
    if (dim < 1 || k < 1 || !check_len(&pb, m * dim, sizeof(double), "points") ||
        !check_len(&cb, k * dim, sizeof(double), "centers")) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "bad shapes");
        }
        goto done;
    }
    /* xsq (M), closest (M), csq (k), denominator (k), numerator (k*D), new (k*D) */
    scratch = (double *)malloc(sizeof(double) * (size_t)(2 * m + 2 * k + 2 * k * dim));
    labels = (int64_t *)malloc(sizeof(int64_t) * (size_t)m);
    if (scratch == NULL || labels == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t n_iter = 0;
    Py_BEGIN_ALLOW_THREADS
    n_iter = kmedians_core((const double *)pb.buf, (const double *)wb.buf, (double *)cb.buf, m, dim,
                           k, max_iter, tol, floor_, far_distance, far_factor, scratch, labels);
    Py_END_ALLOW_THREADS
    result = PyLong_FromSsize_t(n_iter);
done:
    free(scratch);
    free(labels);
    PyBuffer_Release(&pb);
    PyBuffer_Release(&wb);
    PyBuffer_Release(&cb);
    return result;
}

/*
 * assign(points, weights, centers, labels, closest, cluster_weights)
 *
 * Nearest center of every point: points (M, D), weights (M,), centers
 * (k, D) float64; fills labels (M,) int64, closest (M,) float64 (the squared
 * distance to it) and cluster_weights (k,) float64 (summed weights).
 */
static PyObject *
assign(PyObject *self, PyObject *args)
{
    Py_buffer pb, wb, cb, lb, db, sb;
    if (!PyArg_ParseTuple(args, "y*y*y*w*w*w*", &pb, &wb, &cb, &lb, &db, &sb)) {
        return NULL;
    }
    PyObject *result = NULL;
    double *scratch = NULL;
    const Py_ssize_t m = wb.len / (Py_ssize_t)sizeof(double);
    const Py_ssize_t k = sb.len / (Py_ssize_t)sizeof(double);
    if (m < 1 || k < 1) {
        PyErr_SetString(PyExc_ValueError, "need points and centers");
        goto done;
    }
    const Py_ssize_t dim = pb.len / (Py_ssize_t)sizeof(double) / m;
    if (dim < 1 || !check_len(&pb, m * dim, sizeof(double), "points") ||
        !check_len(&cb, k * dim, sizeof(double), "centers") ||
        !check_len(&lb, m, sizeof(int64_t), "labels") ||
        !check_len(&db, m, sizeof(double), "closest")) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "bad shapes");
        }
        goto done;
    }
    scratch = (double *)malloc(sizeof(double) * (size_t)(m + k));
    if (scratch == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    assign_core((const double *)pb.buf, (const double *)wb.buf, (const double *)cb.buf,
                (int64_t *)lb.buf, (double *)db.buf, (double *)sb.buf, m, dim, k, scratch);
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    free(scratch);
    PyBuffer_Release(&pb);
    PyBuffer_Release(&wb);
    PyBuffer_Release(&cb);
    PyBuffer_Release(&lb);
    PyBuffer_Release(&db);
    PyBuffer_Release(&sb);
    return result;
}

/*
 * scores(points, centers, centers_sq, labels, best)
 *
 * Nearest center of every point by its score |c|^2 - 2 x.c (without |x|^2,
 * unclamped): points (M, D), centers (k, D), centers_sq (k,) float64 (|c|^2
 * as the caller computes it); fills labels (M,) int64 and best (M,) float64,
 * the smallest score. What ``nearest(cross_products(points, -2 c.T) +
 * centers_sq)`` gives in numpy (autok's distances to a search palette).
 */
static PyObject *
scores(PyObject *self, PyObject *args)
{
    Py_buffer pb, cb, qb, lb, db;
    if (!PyArg_ParseTuple(args, "y*y*y*w*w*", &pb, &cb, &qb, &lb, &db)) {
        return NULL;
    }
    PyObject *result = NULL;
    const Py_ssize_t m = db.len / (Py_ssize_t)sizeof(double);
    const Py_ssize_t k = qb.len / (Py_ssize_t)sizeof(double);
    if (m < 1 || k < 1) {
        PyErr_SetString(PyExc_ValueError, "need points and centers");
        goto done;
    }
    const Py_ssize_t dim = pb.len / (Py_ssize_t)sizeof(double) / m;
    if (dim < 1 || !check_len(&pb, m * dim, sizeof(double), "points") ||
        !check_len(&cb, k * dim, sizeof(double), "centers") ||
        !check_len(&lb, m, sizeof(int64_t), "labels")) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "bad shapes");
        }
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    nearest_centers((const double *)pb.buf, NULL, m, dim, (const double *)cb.buf,
                    (const double *)qb.buf, k, (int64_t *)lb.buf, (double *)db.buf);
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    PyBuffer_Release(&pb);
    PyBuffer_Release(&cb);
    PyBuffer_Release(&qb);
    PyBuffer_Release(&lb);
    PyBuffer_Release(&db);
    return result;
}

/*
 * srgb_to_oklab(srgb, to_lms, to_lab, out, knee)
 *
 * srgb (N, 3) float64 in [0, 1] (any values: converted as numpy would),
 * to_lms and to_lab (3, 3) float64 row-major, out (N, 3) float64 written;
 * knee the encoded value below which sRGB is linear (see oklab_core).
 */
static PyObject *
srgb_to_oklab(PyObject *self, PyObject *args)
{
    Py_buffer sb, lb, ab, ob;
    double knee;
    if (!PyArg_ParseTuple(args, "y*y*y*w*d", &sb, &lb, &ab, &ob, &knee)) {
        return NULL;
    }
    PyObject *result = NULL;
    const Py_ssize_t n = sb.len / (3 * (Py_ssize_t)sizeof(double));
    if (!check_len(&sb, n * 3, sizeof(double), "srgb") ||
        !check_len(&lb, 9, sizeof(double), "to_lms") ||
        !check_len(&ab, 9, sizeof(double), "to_lab") ||
        !check_len(&ob, n * 3, sizeof(double), "out")) {
        goto done;
    }
    fill_levels(knee); /* with the GIL held: the table is shared */
    Py_BEGIN_ALLOW_THREADS
    oklab_core((const double *)sb.buf, (double *)ob.buf, n, (const double *)lb.buf,
               (const double *)ab.buf, knee);
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    PyBuffer_Release(&sb);
    PyBuffer_Release(&lb);
    PyBuffer_Release(&ab);
    PyBuffer_Release(&ob);
    return result;
}

/*
 * mix_distance(srgb, oklab, pairs, to_lms, to_lab, knee, best)
 *
 * mixes.mix_distance's loop over pairs of ends: srgb and oklab (C, 3)
 * float64, the colors; pairs (P, 7) float64, each pair's start (3), step (3)
 * and squared step length (> 0); best (C,) float64, updated with the
 * smallest Oklab distance from each color to the sRGB mix of a pair nearest
 * it in sRGB. The numpy code's operations in its order: t = ((x - s) . d)
 * summed left to right, / length, clipped to [0, 1]; the mix s + t d to
 * Oklab by oklab_core (the srgb_to_oklab kernel); its distance sqrt of the
 * squares summed left to right; the minimum propagates a NaN, as np.minimum.
 */
static HOT void
mix_core(const double *srgb, const double *oklab, Py_ssize_t n, const double *pairs, Py_ssize_t p,
         const double *to_lms, const double *to_lab, double knee, double *best)
{
    double mixed[3 * OKLAB_BLOCK], lab[3 * OKLAB_BLOCK];
    for (Py_ssize_t start = 0; start < n; start += OKLAB_BLOCK) {
        const Py_ssize_t b = n - start < OKLAB_BLOCK ? n - start : OKLAB_BLOCK;
        const double *x = srgb + 3 * start;
        const double *xl = oklab + 3 * start;
        double *out = best + start;
        for (Py_ssize_t q = 0; q < p; q++) {
            const double *pair = pairs + 7 * q;
            const double s0 = pair[0], s1 = pair[1], s2 = pair[2];
            const double d0 = pair[3], d1 = pair[4], d2 = pair[5], length2 = pair[6];
            for (Py_ssize_t i = 0; i < b; i++) {
                const double *c = x + 3 * i;
                double t = ((c[0] - s0) * d0 + (c[1] - s1) * d1) + (c[2] - s2) * d2;
                t = t / length2;
                t = t < 0.0 ? 0.0 : (t > 1.0 ? 1.0 : t); /* NaN stays NaN */
                mixed[3 * i] = s0 + t * d0;
                mixed[3 * i + 1] = s1 + t * d1;
                mixed[3 * i + 2] = s2 + t * d2;
            }
            oklab_core(mixed, lab, b, to_lms, to_lab, knee);
            for (Py_ssize_t i = 0; i < b; i++) {
                const double e0 = xl[3 * i] - lab[3 * i];
                const double e1 = xl[3 * i + 1] - lab[3 * i + 1];
                const double e2 = xl[3 * i + 2] - lab[3 * i + 2];
                const double d = sqrt((e0 * e0 + e1 * e1) + e2 * e2);
                if (isnan(d) || d < out[i]) {
                    out[i] = isnan(out[i]) ? out[i] : d;
                }
            }
        }
    }
}

static PyObject *
mix_distance(PyObject *self, PyObject *args)
{
    Py_buffer sb, kb, pb, lb, ab, ob;
    double knee;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*dw*", &sb, &kb, &pb, &lb, &ab, &knee, &ob)) {
        return NULL;
    }
    PyObject *result = NULL;
    const Py_ssize_t n = ob.len / (Py_ssize_t)sizeof(double);
    const Py_ssize_t p = pb.len / (7 * (Py_ssize_t)sizeof(double));
    if (!check_len(&sb, n * 3, sizeof(double), "srgb") ||
        !check_len(&kb, n * 3, sizeof(double), "oklab") ||
        !check_len(&pb, p * 7, sizeof(double), "pairs") ||
        !check_len(&lb, 9, sizeof(double), "to_lms") ||
        !check_len(&ab, 9, sizeof(double), "to_lab")) {
        goto done;
    }
    fill_levels(knee); /* with the GIL held: the table is shared */
    Py_BEGIN_ALLOW_THREADS
    mix_core((const double *)sb.buf, (const double *)kb.buf, n, (const double *)pb.buf, p,
             (const double *)lb.buf, (const double *)ab.buf, knee, (double *)ob.buf);
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    PyBuffer_Release(&sb);
    PyBuffer_Release(&kb);
    PyBuffer_Release(&pb);
    PyBuffer_Release(&lb);
    PyBuffer_Release(&ab);
    PyBuffer_Release(&ob);
    return result;
}

/*
 * radius_sums(lightness, green_red, blue_yellow, share, cands, low, high, r2, out)
 *
 * For theme._support: bins (M,) float64 each coordinate sorted by lightness
 * with their (M,) share; cands (C, 3) float64; low, high (C,) int64 the
 * slice of bins within the radius in lightness; out (C,) float64 written
 * with the sum of share over the bins of the slice at squared distance
 * <= r2, added in bin order (as bincount does), the squared distance
 * summed lightness first (as the numpy code does).
 */
static PyObject *
radius_sums(PyObject *self, PyObject *args)
{
    Py_buffer lb, gb, bb, sb, cb, lob, hib, ob;
    double r2;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*y*y*dw*", &lb, &gb, &bb, &sb, &cb, &lob, &hib, &r2,
                          &ob)) {
        return NULL;
    }
    PyObject *result = NULL;
    const Py_ssize_t m = lb.len / (Py_ssize_t)sizeof(double);
    const Py_ssize_t c = ob.len / (Py_ssize_t)sizeof(double);
    if (!check_len(&lb, m, sizeof(double), "lightness") ||
        !check_len(&gb, m, sizeof(double), "green_red") ||
        !check_len(&bb, m, sizeof(double), "blue_yellow") ||
        !check_len(&sb, m, sizeof(double), "share") ||
        !check_len(&cb, c * 3, sizeof(double), "cands") ||
        !check_len(&lob, c, sizeof(int64_t), "low") ||
        !check_len(&hib, c, sizeof(int64_t), "high")) {
        goto done;
    }
    const double *lightness = (const double *)lb.buf, *green_red = (const double *)gb.buf;
    const double *blue_yellow = (const double *)bb.buf, *share = (const double *)sb.buf;
    const double *cands = (const double *)cb.buf;
    const int64_t *low = (const int64_t *)lob.buf, *high = (const int64_t *)hib.buf;
    double *out = (double *)ob.buf;
    for (Py_ssize_t i = 0; i < c; i++) {
        if (low[i] < 0 || high[i] > m || low[i] > high[i]) {
            PyErr_SetString(PyExc_ValueError, "low and high must be slices of the bins");
            goto done;
        }
    }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < c; i++) {
        const double l0 = cands[3 * i], a0 = cands[3 * i + 1], b0 = cands[3 * i + 2];
        double sum = 0.0;
        for (int64_t j = low[i]; j < high[i]; j++) {
            const double dl = lightness[j] - l0, da = green_red[j] - a0, db = blue_yellow[j] - b0;
            double d2 = dl * dl;
            d2 += da * da;
            d2 += db * db;
            if (d2 <= r2) {
                sum += share[j];
            }
        }
        out[i] = sum;
    }
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    PyBuffer_Release(&lb);
    PyBuffer_Release(&gb);
    PyBuffer_Release(&bb);
    PyBuffer_Release(&sb);
    PyBuffer_Release(&cb);
    PyBuffer_Release(&lob);
    PyBuffer_Release(&hib);
    PyBuffer_Release(&ob);
    return result;
}

static PyMethodDef methods[] = {
    {"seed", seed, METH_VARARGS, "Greedy weighted k-means++ seeding (see _cluster.c)."},
    {"lloyd", lloyd, METH_VARARGS, "Weighted Lloyd iterations of every start (see _cluster.c)."},
    {"kmedians", kmedians, METH_VARARGS, "Weighted k-medians steps (see _cluster.c)."},
    {"assign", assign, METH_VARARGS, "Nearest center of every point (see _cluster.c)."},
    {"scores", scores, METH_VARARGS,
     "Nearest center of every point by |c|^2 - 2 x.c (see _cluster.c)."},
    {"srgb_to_oklab", srgb_to_oklab, METH_VARARGS,
     "sRGB in [0, 1] to Oklab, as colorspace.srgb_to_oklab (see _cluster.c)."},
    {"mean_variance", mean_variance, METH_VARARGS,
     "Weighted variance averaged over three coordinates (see _cluster.c)."},
    {"mix_distance", mix_distance, METH_VARARGS,
     "Distance to the nearest sRGB mix of each pair of ends, as mixes.mix_distance (see _cluster.c)."},
    {"radius_sums", radius_sums, METH_VARARGS,
     "Share of the bins within a radius of each candidate, for theme._support (see _cluster.c)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_cluster",
    "Optional compiled kernel of palettekit.cluster (see _cluster.c).", -1, methods,
};

PyMODINIT_FUNC
PyInit__cluster(void)
{
    return PyModule_Create(&module);
}
