# A small, fast, seedable generator for the core: shuffling and dropout masks.

from libc.stdint cimport uint64_t


cdef inline uint64_t splitmix64(uint64_t* state) noexcept nogil:
    """The next 64 random bits (Steele, Lea and Flood's SplitMix64)."""
    cdef uint64_t r
    state[0] += 0x9E3779B97F4A7C15ULL
    r = state[0]
    r = (r ^ (r >> 30)) * 0xBF58476D1CE4E5B9ULL
    r = (r ^ (r >> 27)) * 0x94D049BB133111EBULL
    return r ^ (r >> 31)


cdef inline double uniform(uint64_t* state) noexcept nogil:
    """A double uniform in [0, 1)."""
    return (splitmix64(state) >> 11) * (1.0 / 9007199254740992.0)


cdef inline void shuffle_in_place(Py_ssize_t* order, Py_ssize_t n, uint64_t* state) noexcept nogil:
    """Fisher-Yates; the modulo bias of a 64-bit draw is below n / 2^64."""
    cdef Py_ssize_t i, j, tmp
    for i in range(n - 1, 0, -1):
        j = <Py_ssize_t>(splitmix64(state) % <uint64_t>(i + 1))
        tmp = order[i]
        order[i] = order[j]
        order[j] = tmp
