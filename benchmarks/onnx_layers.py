"""How onnxruntime runs a layer: one Gemm (transB=1, W as fcnn stores it, what to_onnx
writes) against MatMul by W^T and Add of b (what skl2onnx writes for MLPs).

Paired: the two models alternate within each round, one intra-op thread each; prints the
median over the rounds of one-row latency and 10,000-row throughput for run.py's
configurations A [784, 30, 10] and C [784, 512, 512, 10] (sigmoid layers, float32).

Usage: python benchmarks/onnx_layers.py [rounds]
"""

import statistics
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

import fcnn


def model(net, gemm):
    nodes, initializers, a = [], [], "input"
    for l, (w, b) in enumerate(zip(net.weights, net.biases), start=1):
        initializers.append(numpy_helper.from_array(np.asarray(b), f"b{l}"))
        if gemm:
            initializers.append(numpy_helper.from_array(np.asarray(w), f"W{l}"))
            nodes.append(helper.make_node("Gemm", [a, f"W{l}", f"b{l}"], [f"z{l}"], transB=1))
        else:
            initializers.append(numpy_helper.from_array(np.ascontiguousarray(w.T), f"W{l}"))
            nodes.append(helper.make_node("MatMul", [a, f"W{l}"], [f"m{l}"]))
            nodes.append(helper.make_node("Add", [f"m{l}", f"b{l}"], [f"z{l}"]))
        nodes.append(helper.make_node("Sigmoid", [f"z{l}"], [f"a{l}"]))
        a = f"a{l}"
    graph = helper.make_graph(
        nodes,
        "layers",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", net.sizes[0]])],
        [helper.make_tensor_value_info(a, TensorProto.FLOAT, ["N", net.sizes[-1]])],
        initializers,
    )
    opsets = [helper.make_opsetid("", 21)]
    built = helper.make_model(
        graph, opset_imports=opsets, ir_version=helper.find_min_ir_version_for(opsets)
    )
    onnx.checker.check_model(built)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(built.SerializeToString(), options, ["CPUExecutionProvider"])


def seconds(session, X, repeats):
    session.run(None, {"input": X})
    start = time.perf_counter()
    for _ in range(repeats):
        session.run(None, {"input": X})
    return (time.perf_counter() - start) / repeats


def main(rounds=9):
    print(f"onnxruntime {ort.__version__}, 1 intra-op thread, median of {rounds} rounds")
    for name, sizes in (("A", [784, 30, 10]), ("C", [784, 512, 512, 10])):
        net = fcnn.Network(sizes, "sigmoid", dtype="float32", seed=0)
        sessions = {"Gemm": model(net, True), "MatMul+Add": model(net, False)}
        rng = np.random.default_rng(0)
        one = rng.standard_normal((1, sizes[0])).astype(np.float32)
        many = rng.standard_normal((10_000, sizes[0])).astype(np.float32)
        latency = {kind: [] for kind in sessions}
        throughput = {kind: [] for kind in sessions}
        for _ in range(rounds):
            for kind, session in sessions.items():
                latency[kind].append(seconds(session, one, 2000))
                throughput[kind].append(10_000 / seconds(session, many, 2))
        for kind in sessions:
            print(
                f"{name} {kind:10s} one row {statistics.median(latency[kind]) * 1e6:7.1f} us, "
                f"10,000 rows {statistics.median(throughput[kind]):10,.0f} rows/s"
            )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
