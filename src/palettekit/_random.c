/*
 * Optional compiled kernel of palettekit.seeded: numpy's
 * ``numpy.random.default_rng(seed).random(size)`` stream, bit for bit,
 * without importing numpy.random (9-13 ms of a command line's start).
 *
 * The stream is numpy's default: SeedSequence(seed) -> PCG64 -> doubles.
 *
 * 1. SeedSequence (numpy/random/bit_generator.pyx): the seed's 32-bit words
 *    (little end first; 0 is one word) are hashed into a pool of four 32-bit
 *    words (mix_entropy), and generate_state(4, uint64) draws eight 32-bit
 *    words from the pool, paired little end first into four 64-bit words.
 * 2. PCG64 (numpy/random/src/pcg64): state = words[0] * 2**64 + words[1],
 *    sequence = words[2] * 2**64 + words[3], seeded as pcg_setseq_128_srandom_r
 *    (state 0, inc = 2 * sequence + 1, step, add the state, step); each 64-bit
 *    output steps the 128-bit LCG, then applies XSL-RR to the new state.
 * 3. random() (numpy/random/src/distributions): (u64 >> 11) * 2**-53.
 *
 * tests/test_seeded.py compares the stream with numpy's for many seeds,
 * shapes and successive calls. It uses no numpy C API, only the buffer
 * protocol, and does its 128-bit arithmetic on pairs of 64-bit words, so
 * that every C compiler (MSVC included) builds it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* An unsigned 128-bit integer as two 64-bit words; arithmetic modulo 2**128. */
typedef struct {
    uint64_t hi, lo;
} u128;

/* The high 64 bits of the 128-bit product a * b, from 32-bit halves. */
static uint64_t mul_high(uint64_t a, uint64_t b) {
    const uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32;
    const uint64_t b_lo = b & 0xffffffffu, b_hi = b >> 32;
    const uint64_t lo_lo = a_lo * b_lo;
    const uint64_t hi_lo = a_hi * b_lo;
    const uint64_t lo_hi = a_lo * b_hi;
    const uint64_t hi_hi = a_hi * b_hi;
    const uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xffffffffu) + lo_hi;
    return hi_hi + (hi_lo >> 32) + (cross >> 32);
}

/* One step of the LCG: state * mult + inc (mod 2**128). */
static u128 lcg_step(u128 state, u128 mult, u128 inc) {
    u128 product;
    product.lo = state.lo * mult.lo;
    product.hi = mul_high(state.lo, mult.lo) + state.lo * mult.hi + state.hi * mult.lo;
    u128 sum;
    sum.lo = product.lo + inc.lo;
    sum.hi = product.hi + inc.hi + (sum.lo < product.lo);
    return sum;
}

static u128 add128(u128 a, u128 b) {
    u128 sum;
    sum.lo = a.lo + b.lo;
    sum.hi = a.hi + b.hi + (sum.lo < a.lo);
    return sum;
}

/* SeedSequence's constants (numpy/random/bit_generator.pyx). */
#define POOL_SIZE 4
#define INIT_A 0x43b0d7e5u
#define MULT_A 0x931e8875u
#define INIT_B 0x8b51f9ddu
#define MULT_B 0x58f38dedu
#define MIX_MULT_L 0xca01f9ddu
#define MIX_MULT_R 0x4973f715u
#define XSHIFT 16

/* PCG64's multiplier (numpy/random/src/pcg64/pcg64.h, PCG_DEFAULT_MULTIPLIER_128). */
#define PCG_MULT_HIGH 2549297995355413924ULL
#define PCG_MULT_LOW 4865540595714422341ULL

static uint32_t hashmix(uint32_t value, uint32_t *hash_const) {
    value ^= *hash_const;
    *hash_const *= MULT_A;
    value *= *hash_const;
    value ^= value >> XSHIFT;
    return value;
}

static uint32_t mix(uint32_t x, uint32_t y) {
    uint32_t result = MIX_MULT_L * x - MIX_MULT_R * y;
    result ^= result >> XSHIFT;
    return result;
}

/* SeedSequence(entropy).generate_state(4, np.uint64) -> words. */
static void seed_sequence_state(const uint32_t *entropy, Py_ssize_t n, uint64_t words[4]) {
    uint32_t pool[POOL_SIZE];
    uint32_t hash_const = INIT_A;
    for (int i = 0; i < POOL_SIZE; i++) {
        pool[i] = hashmix(i < n ? entropy[i] : 0u, &hash_const);
    }
    for (int src = 0; src < POOL_SIZE; src++) {
        for (int dst = 0; dst < POOL_SIZE; dst++) {
            if (src != dst) {
                pool[dst] = mix(pool[dst], hashmix(pool[src], &hash_const));
            }
        }
    }
    for (Py_ssize_t src = POOL_SIZE; src < n; src++) {
        for (int dst = 0; dst < POOL_SIZE; dst++) {
            pool[dst] = mix(pool[dst], hashmix(entropy[src], &hash_const));
        }
    }
    uint32_t state[8];
    hash_const = INIT_B;
    for (int i = 0; i < 8; i++) {
        uint32_t value = pool[i % POOL_SIZE];
        value ^= hash_const;
        hash_const *= MULT_B;
        value *= hash_const;
        value ^= value >> XSHIFT;
        state[i] = value;
    }
    for (int i = 0; i < 4; i++) {
        words[i] = (uint64_t)state[2 * i] | ((uint64_t)state[2 * i + 1] << 32);
    }
}

static u128 make128(uint64_t hi, uint64_t lo) {
    u128 value;
    value.hi = hi;
    value.lo = lo;
    return value;
}

/* The generator's state as four native uint64: state low, state high, inc low, inc high. */
static void store(uint64_t out[4], u128 state, u128 inc) {
    out[0] = state.lo;
    out[1] = state.hi;
    out[2] = inc.lo;
    out[3] = inc.hi;
}

static int writable_state(PyObject *obj, Py_buffer *view) {
    if (PyObject_GetBuffer(obj, view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) < 0) {
        return -1;
    }
    if (view->len != 4 * (Py_ssize_t)sizeof(uint64_t)) {
        PyBuffer_Release(view);
        PyErr_SetString(PyExc_ValueError, "state must be a writable buffer of 32 bytes");
        return -1;
    }
    return 0;
}

/*
 * seed(entropy, state) -> None
 *
 * entropy: C-contiguous buffer of n >= 1 uint32 words in native byte order:
 *          the seed's 32-bit words, least significant first (numpy's
 *          _int_to_uint32_array; the seed 0 is the one word 0).
 * state:   writable buffer of 32 bytes, set to the seeded PCG64 state.
 */
static PyObject *seed(PyObject *self, PyObject *args) {
    PyObject *entropy_obj, *state_obj;
    if (!PyArg_ParseTuple(args, "OO:seed", &entropy_obj, &state_obj)) {
        return NULL;
    }
    Py_buffer entropy, state;
    if (PyObject_GetBuffer(entropy_obj, &entropy, PyBUF_C_CONTIGUOUS) < 0) {
        return NULL;
    }
    if (entropy.len < (Py_ssize_t)sizeof(uint32_t) || entropy.len % sizeof(uint32_t) != 0) {
        PyBuffer_Release(&entropy);
        PyErr_SetString(PyExc_ValueError, "entropy must hold one or more uint32 words");
        return NULL;
    }
    if (writable_state(state_obj, &state) < 0) {
        PyBuffer_Release(&entropy);
        return NULL;
    }
    uint32_t *words32 = PyMem_Malloc((size_t)entropy.len);
    if (words32 == NULL) {
        PyBuffer_Release(&entropy);
        PyBuffer_Release(&state);
        return PyErr_NoMemory();
    }
    memcpy(words32, entropy.buf, (size_t)entropy.len);
    uint64_t words[4];
    seed_sequence_state(words32, entropy.len / (Py_ssize_t)sizeof(uint32_t), words);
    PyMem_Free(words32);
    PyBuffer_Release(&entropy);

    const u128 mult = make128(PCG_MULT_HIGH, PCG_MULT_LOW);
    const u128 initstate = make128(words[0], words[1]);
    /* inc = 2 * sequence + 1, sequence = words[2] * 2**64 + words[3] */
    const u128 inc = make128((words[2] << 1) | (words[3] >> 63), (words[3] << 1) | 1u);
    u128 s = make128(0, 0);
    s = lcg_step(s, mult, inc);
    s = add128(s, initstate);
    s = lcg_step(s, mult, inc);
    uint64_t out[4];
    store(out, s, inc);
    memcpy(state.buf, out, sizeof(out));
    PyBuffer_Release(&state);
    Py_RETURN_NONE;
}

/*
 * fill(state, out) -> None
 *
 * state: writable buffer of 32 bytes from seed(), advanced past the draws.
 * out:   writable C-contiguous buffer of float64, filled with the next
 *        len(out) doubles in [0, 1), as numpy's Generator.random().
 */
static PyObject *fill(PyObject *self, PyObject *args) {
    PyObject *state_obj, *out_obj;
    if (!PyArg_ParseTuple(args, "OO:fill", &state_obj, &out_obj)) {
        return NULL;
    }
    Py_buffer state, out;
    if (writable_state(state_obj, &state) < 0) {
        return NULL;
    }
    if (PyObject_GetBuffer(out_obj, &out, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) < 0) {
        PyBuffer_Release(&state);
        return NULL;
    }
    if (out.len % sizeof(double) != 0) {
        PyBuffer_Release(&state);
        PyBuffer_Release(&out);
        PyErr_SetString(PyExc_ValueError, "out must be a buffer of float64");
        return NULL;
    }
    uint64_t words[4];
    memcpy(words, state.buf, sizeof(words));
    u128 s = make128(words[1], words[0]);
    const u128 inc = make128(words[3], words[2]);
    const u128 mult = make128(PCG_MULT_HIGH, PCG_MULT_LOW);
    double *values = (double *)out.buf;
    const Py_ssize_t n = out.len / (Py_ssize_t)sizeof(double);
    for (Py_ssize_t i = 0; i < n; i++) {
        s = lcg_step(s, mult, inc);
        const uint64_t xored = s.hi ^ s.lo;
        const unsigned rot = (unsigned)(s.hi >> 58); /* the state's top 6 bits */
        const uint64_t u = (xored >> rot) | (xored << ((-rot) & 63u));
        values[i] = (double)(u >> 11) * (1.0 / 9007199254740992.0);
    }
    store(words, s, inc);
    memcpy(state.buf, words, sizeof(words));
    PyBuffer_Release(&state);
    PyBuffer_Release(&out);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"seed", seed, METH_VARARGS, "seed(entropy, state): PCG64 seeded as numpy's default_rng."},
    {"fill", fill, METH_VARARGS, "fill(state, out): the next len(out) doubles of random()."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_random", "numpy's default_rng(seed).random() stream (see _random.c).",
    -1, methods,
};

PyMODINIT_FUNC PyInit__random(void) { return PyModule_Create(&module); }
