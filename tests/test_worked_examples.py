"""The lecture notes' worked examples (../shared/spec/worked-examples.md), through the
public API."""

import numpy as np
from numpy.testing import assert_allclose

import fcnn

TOL = dict(rtol=0, atol=1e-9)


def test_e1_relu_forward_pass():
    net = fcnn.Network([2, 3], "relu")
    net.weights[0] = [[-0.2, 0.4], [0.3, 0.1], [-0.5, -0.3]]
    net.biases[0] = [-0.3, 0.1, 0]
    trace = net.trace([-1, 1])
    assert_allclose(trace.z[1], [0.3, -0.1, 0.2], **TOL)
    assert_allclose(trace.a[1], [0.3, 0, 0.2], **TOL)
    # the bias trick: [w | b] @ [x; 1] gives the same z
    w_b = np.hstack([net.weights[0], net.biases[0][:, None]])
    assert_allclose(w_b @ [-1, 1, 1], trace.z[1], **TOL)


def test_e2_one_step_2_1_1_sigmoid_quadratic():
    net = fcnn.Network([2, 1, 1], "sigmoid", "quadratic")
    net.weights = [[[0.4, -0.2]], [[0.1]]]
    net.biases = [[0], [0]]
    x, y = [0.1, 0.3], [1.0]

    trace = net.trace(x)
    assert_allclose(trace.z[1], [-0.02], **TOL)
    assert_allclose(trace.a[1], [0.4950001667], **TOL)
    assert_allclose(trace.z[2], [0.0495000167], **TOL)
    assert_allclose(trace.a[2], [0.5123724780], **TOL)

    grads = net.gradients(x, y)
    assert_allclose(grads.delta[2], [-0.1218322354], **TOL)  # BP1
    assert_allclose(grads.delta[1], [-0.0030455013], **TOL)  # BP2
    assert_allclose(grads.grad_w[1], [[-0.0603069768]], **TOL)  # BP4
    assert_allclose(grads.grad_w[0], [[-0.0003045501, -0.0009136504]], **TOL)
    assert_allclose(grads.grad_b[1], grads.delta[2], **TOL)  # BP3
    assert_allclose(grads.grad_b[0], grads.delta[1], **TOL)

    net.step(x, y, lr=0.01)
    assert_allclose(net.weights[1], [[0.1006030698]], **TOL)
    assert_allclose(net.weights[0], [[0.4000030455, -0.1999908635]], **TOL)
    assert_allclose(net.biases[1], [0.0012183224], **TOL)
    assert_allclose(net.biases[0], [0.0000304550], **TOL)


def test_e3_one_step_2_2_1_squared_error_where_the_notes_are_wrong():
    net = fcnn.Network([2, 2, 1], "sigmoid", "squared_error")
    net.weights = [[[1, 0.5], [0.1, 0]], [[0.2, 0.8]]]
    net.biases = [[0, 0], [0.75]]
    x, y = [0, 1], [1]

    trace = net.trace(x)
    assert_allclose(trace.z[1], [0.5, 0], **TOL)
    assert_allclose(trace.a[1], [0.6224593312, 0.5], **TOL)
    assert_allclose(trace.z[2], [1.2744918662], **TOL)
    assert_allclose(trace.a[2], [0.7815107116], **TOL)

    grads = net.gradients(x, y)
    assert_allclose(grads.delta[2], [-0.0746148433], **TOL)
    assert_allclose(grads.delta[1], [-0.0035069530, -0.0149229687], **TOL)
    assert_allclose(grads.grad_w[1], [[-0.0464447054, -0.0373074216]], **TOL)
    assert_allclose(grads.grad_w[0], [[0, -0.0035069530], [0, -0.0149229687]], **TOL)

    net.step(x, y, lr=0.4)
    assert_allclose(net.weights[1], [[0.2185778822, 0.8149229687]], **TOL)
    assert_allclose(net.biases[1], [0.7798459373], **TOL)
    assert_allclose(net.weights[0], [[1, 0.5014027812], [0.1, 0.0059691875]], **TOL)
    assert_allclose(net.biases[0], [0.0014027812, 0.0059691875], **TOL)
    # The notes print b2 = 0.71 and w2 = [0.18, 0.78]: the wrong direction. The output
    # 0.78 is below the target 1, so every parameter on the path must grow.
    assert net.biases[1][0] > 0.75
    assert (net.weights[1] > [[0.2, 0.8]]).all()
    assert net.predict(x)[0] > 0.7815107116


def test_e4_softmax():
    net = fcnn.Network([3, 3], "softmax", "log_likelihood")
    net.weights[0] = np.eye(3)
    net.biases[0] = 0
    assert_allclose(net.predict([2, 1, -1]), [0.7053845127, 0.2594964603, 0.0351190270], **TOL)
