"""The systems that benchmarks/run.py measures side by side with fcnn.

Every trainer has the same small interface:

    system = Trainer(spec, init)      # spec: a peers.common.Spec; init: fcnn's initial
                                      # (weights, biases), where the system can take them
    system.epoch(X, y, seed) -> dict  # one training epoch (its shuffle included);
                                      # "seconds" is the wall time of the epoch
    system.predict(X) -> ndarray      # output activations (or scores) of every row
    system.predict_one(x)             # the output of one 1-D sample (inference latency)

The roofline (peers.roofline.GemmRoofline) has epoch(X, y, seed) too: the same number of
steps, the GEMMs alone.
"""
