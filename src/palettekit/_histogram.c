/*
 * Optional compiled kernel of palettekit.histogram: one pass over the pixels
 * that counts each bin and sums its pixels' channels.
 *
 * The numpy code in histogram.py computes exactly the same integers (counts
 * and sums are exact in both); this file only makes that pass about five
 * times faster. It uses no numpy C API, only the buffer protocol, so it
 * builds against any numpy. When it cannot be compiled (no C compiler), the
 * package installs without it and histogram.py uses numpy alone.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Round every product and sum as numpy does (coarsen): no fused multiply-add. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

/*
 * A zeroed table of (count, red, green, blue) uint32 per bin, kept between
 * calls of histogram(): handed back all zero (the means pass clears every bin
 * it reads), so a call neither allocates nor clears the table. 16 bytes a
 * bin instead of a uint64 table's 32 keeps more of it in cache; its sums are exact
 * while N * 255 < 2 ** 32. Taken and given back while the GIL is held; a call
 * that finds it taken (another thread is counting), has more bins or more
 * pixels uses a uint64 table of its own.
 */
#define SHARED_BINS (1 << 15) /* 5 bits per channel */
#define SHARED_MAX_PIXELS ((Py_ssize_t)(UINT32_MAX / 255))
static uint32_t *shared_table = NULL;
static int shared_busy = 0;

/* coarsen's (count, red, green, blue) float64 sums per bin, kept the same way
   (cleared after each call): 1 MB allocated once rather than up to 1 MB of
   fresh, page-faulted memory per call. */
static double *coarse_table = NULL;
static int coarse_busy = 0;

/* The channel values are read once, before the table is written: the table
   might alias the pixels as far as the compiler knows, and reading them again
   after each store made every pixel wait for the previous stores (a third
   of the pass). */
#define COUNT_PIXELS(TABLE, STEP)                                                                 \
    for (Py_ssize_t i = 0; i < n; i++, p += (STEP)) {                                               \
        const uint32_t r = p[0], g = p[1], b = p[2];                                           \
        const uint32_t key = red[r] | green[g] | blue[b];                                      \
        if (key >= limit) {                                                                    \
            bad = 1;                                                                           \
            break;                                                                             \
        }                                                                                      \
        TABLE[4 * (size_t)key] += 1;                                                           \
        TABLE[4 * (size_t)key + 1] += r;                                                       \
        TABLE[4 * (size_t)key + 2] += g;                                                       \
        TABLE[4 * (size_t)key + 3] += b;                                                       \
    }

/* Either pass, 3 or 4 bytes a pixel (a literal step: the loops stay as tight as before). */
#define BY_STEP(PASS, TABLE)                                                                      \
    if (step == 4) {                                                                           \
        PASS(TABLE, 4)                                                                         \
    }                                                                                          \
    else {                                                                                     \
        PASS(TABLE, 3)                                                                         \
    }

/* COUNT_PIXELS that also counts the bins it finds empty (occupied bins). */
#define COUNT_PIXELS_OCCUPIED(TABLE, STEP)                                                        \
    for (Py_ssize_t i = 0; i < n; i++, p += (STEP)) {                                               \
        const uint32_t r = p[0], g = p[1], b = p[2];                                           \
        const uint32_t key = red[r] | green[g] | blue[b];                                      \
        if (key >= limit) {                                                                    \
            bad = 1;                                                                           \
            break;                                                                             \
        }                                                                                      \
        const size_t at = 4 * (size_t)key;                                                     \
        occupied += TABLE[at] == 0;                                                            \
        TABLE[at] += 1;                                                                        \
        TABLE[at + 1] += r;                                                                    \
        TABLE[at + 2] += g;                                                                    \
        TABLE[at + 3] += b;                                                                    \
    }

#define MEANS_OF(TABLE)                                                                           \
    for (Py_ssize_t i = 0; i < n_bins && !bad; i++) {                                          \
        if (TABLE[4 * i] == 0) {                                                               \
            continue;                                                                          \
        }                                                                                      \
        if (m >= capacity) {                                                                   \
            full = 1;                                                                          \
            break;                                                                             \
        }                                                                                      \
        const double count = (double)TABLE[4 * i];                                             \
        count_out[m] = (int64_t)TABLE[4 * i];                                                  \
        color_out[3 * m] = (double)TABLE[4 * i + 1] / count;                                   \
        color_out[3 * m + 1] = (double)TABLE[4 * i + 2] / count;                               \
        color_out[3 * m + 2] = (double)TABLE[4 * i + 3] / count;                               \
        TABLE[4 * i] = TABLE[4 * i + 1] = TABLE[4 * i + 2] = TABLE[4 * i + 3] = 0;             \
        m++;                                                                                   \
    }

/*
 * histogram(pixels, keys, n_bins, counts, colors) -> M
 * histogram(pixels, keys, n_bins) -> (counts, colors)
 *
 * pixels: C-contiguous buffer of N * 3 bytes (sRGB pixels, R G B); for
 *         histogram4, N * 4 bytes (R G B and a byte that is not read: the
 *         4-byte pixels Pillow stores RGB and RGBA images in).
 * keys:   C-contiguous buffer of 3 * 256 uint32: the share of the bin key of
 *         each value of each channel (histogram._KEY_TABLES, as uint32); a
 *         pixel's key is the bitwise or of its three entries, below n_bins.
 * counts: writable buffer of at least M int64: the pixel count of each
 *         occupied bin, in increasing bin order.
 * colors: writable buffer of at least M * 3 float64: each occupied bin's
 *         mean color, sum / count in double precision (what numpy's
 *         ``sums.astype(float64) / counts`` gives, bit for bit).
 * Returns M, the number of occupied bins; ValueError if a key is out of range
 * or the outputs hold fewer. Counting and the means in one call. Without
 * counts and colors, returns them as two bytearrays of exactly M int64 and
 * M * 3 float64 (the occupied bins are counted as they are found), so that
 * the caller neither allocates for every possible bin nor copies.
 *
 * histogram4(pixels, keys, n_bins) -> (counts, colors): the same of 4-byte pixels.
 */
static PyObject *
histogram_step(PyObject *args, const Py_ssize_t step)
{
    Py_buffer pixels, keys, counts = {0}, colors = {0};
    Py_ssize_t n_bins;
    if (!PyArg_ParseTuple(args, "y*y*n|w*w*", &pixels, &keys, &n_bins, &counts, &colors)) {
        return NULL;
    }
    PyObject *result = NULL, *counts_made = NULL, *colors_made = NULL;
    const int make = counts.obj == NULL;
    uint32_t *small = NULL;
    uint64_t *wide = NULL;
    int shared = 0;
    const Py_ssize_t n = pixels.len / step;
    if (pixels.len % step != 0) {
        PyErr_SetString(PyExc_ValueError,
                        step == 4 ? "pixels must hold N * 4 bytes" : "pixels must hold N * 3 bytes");
        goto done;
    }
    if (keys.len != 3 * 256 * (Py_ssize_t)sizeof(uint32_t)) {
        PyErr_SetString(PyExc_ValueError, "keys must hold 3 * 256 uint32");
        goto done;
    }
    if (make != (colors.obj == NULL)) {
        PyErr_SetString(PyExc_TypeError, "pass both counts and colors, or neither");
        goto done;
    }
    if (n_bins < 1 || n_bins > ((Py_ssize_t)1 << 24)) {
        PyErr_SetString(PyExc_ValueError, "n_bins must be between 1 and 2 ** 24");
        goto done;
    }
    if (n_bins <= SHARED_BINS && n <= SHARED_MAX_PIXELS && !shared_busy) {
        if (shared_table == NULL) {
            shared_table = (uint32_t *)calloc((size_t)SHARED_BINS * 4, sizeof(uint32_t));
        }
        if (shared_table != NULL) {
            small = shared_table;
            shared = 1;
            shared_busy = 1;
        }
    }
    if (small == NULL) {
        wide = (uint64_t *)calloc((size_t)n_bins * 4, sizeof(uint64_t));
        if (wide == NULL) {
            PyErr_NoMemory();
            goto done;
        }
    }
    {
        const uint8_t *p = (const uint8_t *)pixels.buf;
        const uint32_t *red = (const uint32_t *)keys.buf;
        const uint32_t *green = red + 256;
        const uint32_t *blue = red + 512;
        const uint32_t limit = (uint32_t)n_bins;
        Py_ssize_t capacity = 0;
        int64_t *count_out = NULL;
        double *color_out = NULL;
        Py_ssize_t m = 0, occupied = 0;
        int bad = 0, full = 0;
        if (make) { /* count first, then outputs of exactly the occupied bins */
            Py_BEGIN_ALLOW_THREADS
            if (small != NULL) {
                BY_STEP(COUNT_PIXELS_OCCUPIED, small)
            }
            else {
                BY_STEP(COUNT_PIXELS_OCCUPIED, wide)
            }
            Py_END_ALLOW_THREADS
            if (!bad) {
                counts_made = PyByteArray_FromStringAndSize(NULL, occupied * (Py_ssize_t)sizeof(int64_t));
                colors_made = counts_made == NULL ? NULL
                                                  : PyByteArray_FromStringAndSize(
                                                        NULL, occupied * 3 * (Py_ssize_t)sizeof(double));
                if (colors_made == NULL) {
                    bad = 2; /* the error is set */
                }
                else {
                    count_out = (int64_t *)PyByteArray_AS_STRING(counts_made);
                    color_out = (double *)PyByteArray_AS_STRING(colors_made);
                    capacity = occupied;
                }
            }
            Py_BEGIN_ALLOW_THREADS
            if (small != NULL) {
                MEANS_OF(small)
                if (bad || full) { /* hand the shared table back all zero */
                    memset(small, 0, sizeof(uint32_t) * 4 * (size_t)n_bins);
                }
            }
            else {
                MEANS_OF(wide)
            }
            Py_END_ALLOW_THREADS
        }
        else {
            const Py_ssize_t capacity_counts = counts.len / (Py_ssize_t)sizeof(int64_t);
            const Py_ssize_t capacity_colors = colors.len / (3 * (Py_ssize_t)sizeof(double));
            capacity = capacity_counts < capacity_colors ? capacity_counts : capacity_colors;
            count_out = (int64_t *)counts.buf;
            color_out = (double *)colors.buf;
            Py_BEGIN_ALLOW_THREADS
            if (small != NULL) {
                BY_STEP(COUNT_PIXELS, small)
                MEANS_OF(small)
                if (bad || full) { /* hand the shared table back all zero */
                    memset(small, 0, sizeof(uint32_t) * 4 * (size_t)n_bins);
                }
            }
            else {
                BY_STEP(COUNT_PIXELS, wide)
                MEANS_OF(wide)
            }
            Py_END_ALLOW_THREADS
        }
        if (bad == 2) {
            goto done;
        }
        if (bad) {
            PyErr_SetString(PyExc_ValueError, "a key table entry is out of range");
            goto done;
        }
        if (full) {
            PyErr_SetString(PyExc_ValueError, "counts and colors hold fewer than the occupied bins");
            goto done;
        }
        if (make) {
            result = PyTuple_Pack(2, counts_made, colors_made);
            goto done;
        }
        result = PyLong_FromSsize_t(m);
    }
done:
    if (shared) {
        shared_busy = 0;
    }
    free(wide);
    Py_XDECREF(counts_made);
    Py_XDECREF(colors_made);
    PyBuffer_Release(&pixels);
    PyBuffer_Release(&keys);
    PyBuffer_Release(&counts);
    PyBuffer_Release(&colors);
    return result;
}

static PyObject *
histogram(PyObject *self, PyObject *args)
{
    return histogram_step(args, 3);
}

static PyObject *
histogram4(PyObject *self, PyObject *args)
{
    if (PyTuple_GET_SIZE(args) != 3) {
        PyErr_SetString(PyExc_TypeError, "histogram4 takes (pixels, keys, n_bins)");
        return NULL;
    }
    return histogram_step(args, 4);
}

/*
 * coarsen(colors, counts, keys, n_bins, out_colors, out_counts) -> M'
 *
 * histogram.coarsen of M bins: colors (M, 3) float64 bin means in [0, 255],
 * counts (M,) int64; keys (3 * 256 uint32) the coarse depth's key tables,
 * every key below n_bins (at most 2 ** 15). Each bin's mean names the coarse
 * bin holding it (floor, clipped to [0, 255]); fills the first M' rows of
 * out_colors (float64, 3 a row) and out_counts (int64) with the occupied
 * coarse bins in increasing key order. The numpy code's operations in its
 * order: counts and count-weighted colors summed in bin order from 0.0 (as
 * bincount), means divided by the float counts, counts rounded to even.
 */
static PyObject *
coarsen(PyObject *self, PyObject *args)
{
    Py_buffer cb, nb, kb, ocb, onb;
    Py_ssize_t n_bins;
    if (!PyArg_ParseTuple(args, "y*y*y*nw*w*", &cb, &nb, &kb, &n_bins, &ocb, &onb)) {
        return NULL;
    }
    PyObject *result = NULL;
    double *table = NULL;
    const Py_ssize_t m = nb.len / (Py_ssize_t)sizeof(int64_t);
    if (nb.len != m * (Py_ssize_t)sizeof(int64_t) || cb.len != 3 * m * (Py_ssize_t)sizeof(double)) {
        PyErr_SetString(PyExc_ValueError, "colors must hold M * 3 float64 and counts M int64");
        goto done;
    }
    if (kb.len != 3 * 256 * (Py_ssize_t)sizeof(uint32_t)) {
        PyErr_SetString(PyExc_ValueError, "keys must hold 3 * 256 uint32");
        goto done;
    }
    if (n_bins < 1 || n_bins > SHARED_BINS) {
        PyErr_SetString(PyExc_ValueError, "n_bins must be between 1 and 2 ** 15");
        goto done;
    }
    if (!coarse_busy) { /* the kept table (cleared after use), else one of its own */
        if (coarse_table == NULL) {
            coarse_table = (double *)calloc((size_t)SHARED_BINS * 4, sizeof(double));
        }
        if (coarse_table != NULL) {
            table = coarse_table;
            coarse_busy = 1;
        }
    }
    if (table == NULL) {
        table = (double *)calloc((size_t)n_bins * 4, sizeof(double));
        if (table == NULL) {
            PyErr_NoMemory();
            goto done;
        }
    }
    {
        const double *colors = (const double *)cb.buf;
        const int64_t *counts = (const int64_t *)nb.buf;
        const uint32_t *tables = (const uint32_t *)kb.buf;
        const Py_ssize_t capacity_counts = onb.len / (Py_ssize_t)sizeof(int64_t);
        const Py_ssize_t capacity_colors = ocb.len / (3 * (Py_ssize_t)sizeof(double));
        const Py_ssize_t capacity =
            capacity_counts < capacity_colors ? capacity_counts : capacity_colors;
        double *color_out = (double *)ocb.buf;
        int64_t *count_out = (int64_t *)onb.buf;
        Py_ssize_t coarse = 0;
        int bad = 0, full = 0;
        Py_BEGIN_ALLOW_THREADS
        /* The sums of a run of fine bins that fall in one coarse bin (the
           usual case: fine bins come in key order) are carried in registers
           and written back when the coarse bin changes; the additions are the
           same, in the same order. */
        uint32_t current = UINT32_MAX;
        double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
        for (Py_ssize_t i = 0; i < m; i++) {
            /* read before the table is written (it may alias colors) */
            const double c0 = colors[3 * i], c1 = colors[3 * i + 1], c2 = colors[3 * i + 2];
            const double channel[3] = {c0, c1, c2};
            uint32_t key = 0;
            for (int c = 0; c < 3; c++) {
                /* floor, clipped to [0, 255]: a truncation for values >= 1
                   (floor() without SSE4.1 is a long sequence); NaN -> 0 */
                const double v = channel[c];
                const int level = v >= 255.0 ? 255 : (v >= 1.0 ? (int)v : 0);
                key |= tables[256 * c + level];
            }
            if (key >= (uint32_t)n_bins) {
                bad = 1;
                break;
            }
            if (key != current) {
                if (current != UINT32_MAX) {
                    double *bin = table + 4 * (size_t)current;
                    bin[0] = s0;
                    bin[1] = s1;
                    bin[2] = s2;
                    bin[3] = s3;
                }
                current = key;
                const double *bin = table + 4 * (size_t)key;
                s0 = bin[0];
                s1 = bin[1];
                s2 = bin[2];
                s3 = bin[3];
            }
            const double weight = (double)counts[i];
            s0 += weight;
            s1 += c0 * weight;
            s2 += c1 * weight;
            s3 += c2 * weight;
        }
        if (current != UINT32_MAX) { /* the last run (also after a bad key) */
            double *bin = table + 4 * (size_t)current;
            bin[0] = s0;
            bin[1] = s1;
            bin[2] = s2;
            bin[3] = s3;
        }
        for (Py_ssize_t j = 0; j < n_bins && !bad; j++) {
            const double *bin = table + 4 * j;
            if (bin[0] == 0.0) {
                continue;
            }
            if (coarse >= capacity) {
                full = 1;
                break;
            }
            color_out[3 * coarse] = bin[1] / bin[0];
            color_out[3 * coarse + 1] = bin[2] / bin[0];
            color_out[3 * coarse + 2] = bin[3] / bin[0];
            count_out[coarse] = (int64_t)nearbyint(bin[0]);
            coarse++;
        }
        if (table == coarse_table) { /* hand the kept table back all zero */
            memset(table, 0, sizeof(double) * 4 * (size_t)n_bins);
        }
        Py_END_ALLOW_THREADS
        if (bad) {
            PyErr_SetString(PyExc_ValueError, "a key table entry is out of range");
            goto done;
        }
        if (full) {
            PyErr_SetString(PyExc_ValueError, "the outputs hold fewer than the occupied bins");
            goto done;
        }
        result = PyLong_FromSsize_t(coarse);
    }
done:
    if (table == coarse_table) {
        coarse_busy = 0;
    }
    else {
        free(table);
    }
    PyBuffer_Release(&cb);
    PyBuffer_Release(&nb);
    PyBuffer_Release(&kb);
    PyBuffer_Release(&ocb);
    PyBuffer_Release(&onb);
    return result;
}

static PyMethodDef methods[] = {
    {"histogram", histogram, METH_VARARGS,
     "histogram(pixels, keys, n_bins, counts, colors) -> M: counts and mean colors per bin."},
    {"histogram4", histogram4, METH_VARARGS,
     "histogram4(pixels, keys, n_bins) -> (counts, colors): histogram of 4-byte pixels."},
    {"coarsen", coarsen, METH_VARARGS,
     "coarsen(colors, counts, keys, n_bins, out_colors, out_counts) -> M': coarser bins."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "palettekit._histogram", NULL, -1, methods,
};

PyMODINIT_FUNC
PyInit__histogram(void)
{
    return PyModule_Create(&module);
}
