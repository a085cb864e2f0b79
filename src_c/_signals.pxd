# Ctrl-C during long work without the GIL. Python runs signal handlers (the one that raises
# KeyboardInterrupt among them) in the main thread only, between bytecodes, so a loop that
# holds no GIL for seconds would hold Ctrl-C back as long. The core's loops count their
# work and, on the main thread, take the GIL every CHECK_EVERY units to let the handlers
# run: every few milliseconds whatever the network's size, between mini-batches (and
# prediction chunks), never inside one. Other threads never check (no handler runs there;
# taking the GIL would only stall them).

cdef extern from "Python.h":
    unsigned long PyThread_get_thread_ident() nogil
    int PyErr_CheckSignals()

cdef enum:
    # a unit is about one multiply-add; rows and mini-batches cost some besides their
    # products (copies, activations, calls), which dominate in tiny networks
    CHECK_EVERY = 1 << 24
    WORK_PER_ROW = 200
    WORK_PER_BATCH = 500


cdef struct Signals:
    bint checked               # on the main thread, where handlers run
    Py_ssize_t work            # units since the last check
    bint raised                # a handler raised: its exception is set


cdef inline Signals signal_checks(unsigned long main_thread) noexcept nogil:
    """Counters for one loop, that check for signals when it runs on `main_thread`."""
    cdef Signals signals
    signals.checked = PyThread_get_thread_ident() == main_thread
    signals.work = 0
    signals.raised = False
    return signals


cdef inline bint check_due(Signals* signals, Py_ssize_t work) noexcept nogil:
    """Count `work` units done; whether it is time to run the signal handlers."""
    signals.work += work
    if signals.work < CHECK_EVERY or not signals.checked:
        return False
    signals.work = 0
    return True


cdef inline bint run_signal_handlers(Signals* signals) noexcept nogil:
    """Run Python's pending signal handlers with the GIL taken for that moment. True if
    one raised (KeyboardInterrupt for Ctrl-C): the exception is then set, the loop stops
    and its caller re-raises it with `reraise`."""
    with gil:
        signals.raised = PyErr_CheckSignals() != 0
    return signals.raised


cdef inline int reraise() except -1:
    """Propagate the exception that is set (by a signal handler)."""
    return -1
