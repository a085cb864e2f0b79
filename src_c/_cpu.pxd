# What the core asks of the CPU beyond arithmetic: prefetching the next mini-batch's rows
# while this one trains, treating subnormal numbers as zero during training, and which
# vector instructions this build may use. None of it changes a result.

# Prefetches go to the outer caches (locality 1: prefetcht2 on x86), where the next
# batch's rows wait while this batch works in L1.
cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define FCNN_PREFETCH(address) __builtin_prefetch(address, 0, 1)
    #else
    #define FCNN_PREFETCH(address) ((void)0)
    #endif
    """
    void prefetch "FCNN_PREFETCH"(const void* address) noexcept nogil

# Training treats subnormal numbers as zero, on x86 (SSE's flush-to-zero and
# denormals-are-zero modes, set for the epoch and restored around callbacks and after).
# A confident softmax puts outputs below float32's 1.2e-38, and every arithmetic
# operation on them takes a microcode assist of a hundred-odd cycles. The mode is per
# thread, so the worker threads of a multi-threaded BLAS keep gradual underflow, as do
# other CPUs.
cdef extern from *:
    """
    #if defined(__SSE2__) || defined(_M_X64)
    #include <xmmintrin.h>
    #define FCNN_FLUSH_TO_ZERO 0x8000u
    #define FCNN_DENORMALS_ARE_ZERO 0x0040u
    static unsigned int fcnn_flush_subnormals(void) {
        unsigned int saved = _mm_getcsr();
        _mm_setcsr(saved | FCNN_FLUSH_TO_ZERO | FCNN_DENORMALS_ARE_ZERO);
        return saved;
    }
    static void fcnn_restore_float_mode(unsigned int saved) { _mm_setcsr(saved); }
    #else
    static unsigned int fcnn_flush_subnormals(void) { return 0; }
    static void fcnn_restore_float_mode(unsigned int saved) { (void)saved; }
    #endif
    """
    unsigned int flush_subnormals "fcnn_flush_subnormals"() noexcept nogil
    void restore_float_mode "fcnn_restore_float_mode"(unsigned int saved) noexcept nogil

cdef extern from *:
    """
    #if defined(__AVX2__)
    #define FCNN_INSTRUCTIONS "avx2"
    #elif defined(__x86_64__) || defined(_M_X64)
    #define FCNN_INSTRUCTIONS "sse2"
    #else
    #define FCNN_INSTRUCTIONS "baseline"
    #endif
    static int fcnn_cpu_has_avx2(void) {
    #if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") != 0;  /* also checks the OS saves ymm */
    #else
        return 0;
    #endif
    }
    """
    const char* FCNN_INSTRUCTIONS
    int fcnn_cpu_has_avx2() noexcept nogil


cdef enum:
    LONG_ROW_BYTES = 1024          # rows this long are fetched twice, see Lookahead

cdef struct Lookahead:
    # The next mini-batch's data rows, fetched to the cache a share at a time between
    # the passes of this one: prefetched in one burst, a batch's random rows overflow the
    # core's line-fill buffers, and the burst stalls about as long as demand loads would;
    # spread over the step, they arrive while it computes.
    # Long input rows are also fetched two batches ahead: the CPU may drop a prefetch to
    # the outer caches (AMD Zen 4 does, now and then), and a row asked for twice arrives.
    # For short rows the extra prefetches cost more than they save.
    const char* x                  # X's data, rows of x_row bytes
    Py_ssize_t x_row
    const char* y                  # Y's data, rows of y_row bytes; NULL with labels
    Py_ssize_t y_row
    const Py_ssize_t* labels       # NULL without labels
    const char* weights            # sample weights of weight_size bytes, or NULL
    Py_ssize_t weight_size
    const Py_ssize_t* rows         # data rows of the next batches, in epoch order
    Py_ssize_t count, done, share  # rows of the next batch, rows fetched so far, rows per call
    Py_ssize_t later_count         # rows of the batch after it, fetched with the same shares


cdef inline Lookahead* look_ahead(Lookahead* ahead, const Py_ssize_t* rows,
                                  Py_ssize_t remaining, Py_ssize_t batch_size,
                                  Py_ssize_t fetch_points) noexcept nogil:
    """Aim `ahead` (its data already set) at the next batch: the first of the `remaining`
    rows of the epoch, fetched in shares over `fetch_points` fetch_ahead calls."""
    ahead.rows = rows
    ahead.count = min(batch_size, remaining)
    ahead.done = 0
    ahead.share = (ahead.count + fetch_points - 1) // fetch_points
    ahead.later_count = 0
    if ahead.x_row >= LONG_ROW_BYTES:
        ahead.later_count = min(ahead.count, remaining - ahead.count)
    return ahead


cdef inline void fetch_ahead(Lookahead* ahead, bint rest=False) noexcept nogil:
    """Start the next `share` of the next batch's rows (inputs, targets, sample weights),
    or all the rest, on their way to the cache; NULL for no look-ahead."""
    cdef Py_ssize_t row, later, end
    if ahead == NULL:
        return
    end = ahead.count if rest else min(ahead.done + ahead.share, ahead.count)
    while ahead.done < end:
        row = ahead.rows[ahead.done]
        prefetch_bytes(ahead.x + row * ahead.x_row, ahead.x_row)
        if ahead.done < ahead.later_count:
            later = ahead.rows[ahead.count + ahead.done]
            prefetch_bytes(ahead.x + later * ahead.x_row, ahead.x_row)
        if ahead.labels != NULL:
            prefetch(ahead.labels + row)
        else:
            prefetch_bytes(ahead.y + row * ahead.y_row, ahead.y_row)
        if ahead.weights != NULL:
            prefetch(ahead.weights + row * ahead.weight_size)
        ahead.done += 1


cdef inline void prefetch_bytes(const char* start, Py_ssize_t size) noexcept nogil:
    # Every line: a shuffled batch's rows are too short and scattered for the hardware's
    # stream prefetcher.
    cdef const char* line = <const char*>(<size_t>start & ~(<size_t>63))
    cdef const char* end = start + size
    while line < end:
        prefetch(line)
        line += 64
