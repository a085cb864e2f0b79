import math

import numpy as np
import pytest

import fcnn
from fcnn import schedules
from fcnn.schedules import (
    Constant,
    CosineAnnealing,
    CosineWarmRestarts,
    Exponential,
    InverseScaling,
    Linear,
    OneCycle,
    ReduceOnPlateau,
    Schedule,
    StepDecay,
)

# ---------------------------------------------------------------- formulas


def test_constant():
    s = Constant()
    assert [s.lr(e, 0.5) for e in (0, 1, 7, 100)] == [0.5, 0.5, 0.5, 0.5]


def test_step_decay():
    s = StepDecay(3, gamma=0.5)
    # epochs 0-2 -> 1, 3-5 -> 0.5, 6-8 -> 0.25, 9 -> 0.125
    expected = {0: 2.0, 2: 2.0, 3: 1.0, 5: 1.0, 6: 0.5, 9: 0.25}
    for epoch, lr in expected.items():
        assert s.lr(epoch, 2.0) == pytest.approx(lr)


def test_step_decay_default_gamma():
    s = StepDecay(2)
    assert s.gamma == 0.1
    assert s.lr(1, 1.0) == pytest.approx(1.0)
    assert s.lr(2, 1.0) == pytest.approx(0.1)
    assert s.lr(5, 1.0) == pytest.approx(0.01)


def test_exponential():
    s = Exponential(0.9)
    assert s.lr(0, 1.0) == pytest.approx(1.0)
    assert s.lr(1, 1.0) == pytest.approx(0.9)
    assert s.lr(2, 1.0) == pytest.approx(0.81)
    assert s.lr(3, 2.0) == pytest.approx(2 * 0.729)
    assert Exponential(1).lr(50, 0.3) == pytest.approx(0.3)


def test_inverse_scaling():
    s = InverseScaling()  # power 0.5
    assert s.lr(0, 1.0) == pytest.approx(1.0)
    assert s.lr(3, 1.0) == pytest.approx(0.5)  # 1 / sqrt(4)
    assert s.lr(8, 3.0) == pytest.approx(1.0)  # 3 / sqrt(9)
    s = InverseScaling(power=1)
    assert s.lr(1, 1.0) == pytest.approx(0.5)
    assert s.lr(4, 1.0) == pytest.approx(0.2)
    assert InverseScaling(power=0).lr(10, 0.7) == pytest.approx(0.7)
    assert InverseScaling(power=2).lr(2, 9.0) == pytest.approx(1.0)


def test_base_class_defaults():
    s = Schedule()
    with pytest.raises(NotImplementedError):
        s.lr(0, 1.0)
    assert s.observe(0, {"cost": 1.0}) is None
    assert s.reset() is None


def test_stateless_schedules_ignore_observe_and_reset():
    s = StepDecay(1, 0.5)
    s.observe(0, {})
    s.reset()
    assert s.lr(2, 1.0) == pytest.approx(0.25)


def test_repr():
    assert repr(Constant()) == "Constant()"
    assert repr(StepDecay(5, 0.5)) == "StepDecay(step_size=5, gamma=0.5)"
    assert repr(Exponential(0.9)) == "Exponential(gamma=0.9)"
    assert repr(InverseScaling(1)) == "InverseScaling(power=1.0)"
    assert repr(ReduceOnPlateau(patience=2, monitor="val_accuracy")) == (
        "ReduceOnPlateau(factor=0.1, patience=2, min_delta=0.0, min_lr=0.0, "
        "monitor='val_accuracy', mode='max')"
    )


# ---------------------------------------------------------------- ReduceOnPlateau


def feed(s, values, key="val_cost"):
    """Observe each value in turn; return the lr (base 1.0) after each observation."""
    lrs = []
    for epoch, value in enumerate(values):
        s.observe(epoch, {key: value})
        lrs.append(s.lr(epoch + 1, 1.0))
    return lrs


def test_plateau_initial_lr_is_base():
    s = ReduceOnPlateau()
    assert s.lr(0, 0.3) == pytest.approx(0.3)


def test_plateau_improving_never_reduces():
    s = ReduceOnPlateau(factor=0.5, patience=0)
    assert feed(s, [5, 4, 3, 2, 1]) == [1.0] * 5
    assert s.best == 1
    assert s.num_bad_epochs == 0


def test_plateau_exactly_patience_bad_epochs_does_not_reduce():
    s = ReduceOnPlateau(factor=0.5, patience=3)
    assert feed(s, [1.0, 1.0, 1.0, 1.0]) == [1.0] * 4  # best, then 3 bad epochs
    assert s.num_bad_epochs == 3


def test_plateau_patience_plus_one_reduces_and_restarts_count():
    s = ReduceOnPlateau(factor=0.5, patience=3)
    lrs = feed(s, [1.0, 1.0, 1.0, 1.0, 1.0])  # 4th bad epoch triggers
    assert lrs == [1.0, 1.0, 1.0, 1.0, 0.5]
    assert s.num_bad_epochs == 0
    # another patience + 1 bad epochs -> second reduction
    lrs = feed(s, [2.0, 2.0, 2.0, 2.0])
    assert lrs == pytest.approx([0.5, 0.5, 0.5, 0.25])


def test_plateau_improvement_resets_bad_count():
    s = ReduceOnPlateau(factor=0.5, patience=2)
    lrs = feed(s, [3.0, 3.0, 3.0, 2.0, 2.5, 2.5, 2.5])
    # bad, bad, improve (count 0), bad, bad, bad -> reduce at the last
    assert lrs == [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5]


def test_plateau_patience_zero_reduces_on_every_bad_epoch():
    s = ReduceOnPlateau(factor=0.5, patience=0)
    assert feed(s, [1.0, 1.0, 1.0]) == pytest.approx([1.0, 0.5, 0.25])


def test_plateau_min_lr_floor():
    s = ReduceOnPlateau(factor=0.1, patience=0, min_lr=0.05)
    lrs = feed(s, [1.0, 1.0, 1.0, 1.0])
    assert lrs == pytest.approx([1.0, 0.1, 0.05, 0.05])
    assert s.lr(10, 1.0) == 0.05
    assert s.lr(10, 100.0) == pytest.approx(0.1)  # floor is on the lr, not the multiplier


def test_plateau_min_delta_is_absolute_threshold():
    s = ReduceOnPlateau(factor=0.5, patience=0, min_delta=0.1)
    s.observe(0, {"val_cost": 1.0})
    assert s.best == 1.0
    s.observe(1, {"val_cost": 0.9})  # 0.9 is not < 1.0 - 0.1: not an improvement
    assert s.best == 1.0
    assert s.lr(2, 1.0) == pytest.approx(0.5)
    s.observe(2, {"val_cost": 0.85})  # 0.85 < 0.9: improvement
    assert s.best == 0.85
    assert s.num_bad_epochs == 0
    assert s.lr(3, 1.0) == pytest.approx(0.5)


def test_plateau_mode_max_for_accuracy():
    s = ReduceOnPlateau(factor=0.5, patience=1, monitor="val_accuracy")
    assert s.mode == "max"
    lrs = feed(s, [0.5, 0.6, 0.7, 0.65, 0.7, 0.69], key="val_accuracy")
    # rising is improvement; then 0.65, 0.7 (not > 0.7), 0.69 are bad -> reduce after 2nd bad
    assert lrs == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5]
    assert s.best == 0.7


def test_plateau_mode_defaults_and_explicit():
    assert ReduceOnPlateau().mode == "min"
    assert ReduceOnPlateau(monitor="cost").mode == "min"
    assert ReduceOnPlateau(monitor="accuracy").mode == "max"
    assert ReduceOnPlateau(monitor="val_cost", mode="max").mode == "max"
    s = ReduceOnPlateau(factor=0.5, patience=0, monitor="val_accuracy", mode="min")
    assert feed(s, [0.5, 0.6], key="val_accuracy") == [1.0, 0.5]


def test_plateau_mode_max_min_delta():
    s = ReduceOnPlateau(factor=0.5, patience=0, min_delta=0.05, monitor="accuracy")
    s.observe(0, {"accuracy": 0.5})
    s.observe(1, {"accuracy": 0.54})  # not > 0.5 + 0.05
    assert s.best == 0.5
    s.observe(2, {"accuracy": 0.56})
    assert s.best == 0.56


def test_plateau_nan_is_not_an_improvement():
    s = ReduceOnPlateau(factor=0.5, patience=0)
    s.observe(0, {"val_cost": float("nan")})
    assert s.lr(1, 1.0) == pytest.approx(0.5)


def test_plateau_missing_key():
    s = ReduceOnPlateau()
    with pytest.raises(ValueError, match=r"'val_cost'.*\['accuracy', 'cost'\].*validation data"):
        s.observe(0, {"cost": 1.0, "accuracy": 0.5})
    s = ReduceOnPlateau(monitor="accuracy")
    with pytest.raises(ValueError, match=r"'accuracy'.*\['cost'\]"):
        s.observe(0, {"cost": 1.0})


def test_plateau_reset_clears_state():
    s = ReduceOnPlateau(factor=0.5, patience=1)
    feed(s, [1.0, 1.0, 1.0, 1.0])
    assert s.lr(0, 1.0) == pytest.approx(0.5)
    assert s.num_bad_epochs == 1
    s.reset()
    assert s.lr(0, 1.0) == 1.0
    assert s.num_bad_epochs == 0
    assert s.best == math.inf
    # behaves exactly like a fresh instance: a worse value than the old best is the new best
    s.observe(0, {"val_cost": 5.0})
    assert s.best == 5.0
    assert s.lr(1, 1.0) == 1.0


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "make, name, error",
    [
        (lambda: StepDecay(0), "step_size", ValueError),
        (lambda: StepDecay(-3), "step_size", ValueError),
        (lambda: StepDecay(2.0), "step_size", TypeError),
        (lambda: StepDecay(True), "step_size", TypeError),
        (lambda: StepDecay("10"), "step_size", TypeError),
        (lambda: StepDecay(5, gamma=0), "gamma", ValueError),
        (lambda: StepDecay(5, gamma=-0.5), "gamma", ValueError),
        (lambda: StepDecay(5, gamma=1.5), "gamma", ValueError),
        (lambda: StepDecay(5, gamma=float("nan")), "gamma", ValueError),
        (lambda: StepDecay(5, gamma=True), "gamma", TypeError),
        (lambda: StepDecay(5, gamma="0.1"), "gamma", TypeError),
        (lambda: Exponential(0), "gamma", ValueError),
        (lambda: Exponential(1.01), "gamma", ValueError),
        (lambda: Exponential(float("inf")), "gamma", ValueError),
        (lambda: Exponential(False), "gamma", TypeError),
        (lambda: Exponential(None), "gamma", TypeError),
        (lambda: InverseScaling(-0.1), "power", ValueError),
        (lambda: InverseScaling(float("inf")), "power", ValueError),
        (lambda: InverseScaling(float("nan")), "power", ValueError),
        (lambda: InverseScaling(True), "power", TypeError),
        (lambda: InverseScaling("1"), "power", TypeError),
        (lambda: ReduceOnPlateau(factor=0), "factor", ValueError),
        (lambda: ReduceOnPlateau(factor=1), "factor", ValueError),
        (lambda: ReduceOnPlateau(factor=1.5), "factor", ValueError),
        (lambda: ReduceOnPlateau(factor=True), "factor", TypeError),
        (lambda: ReduceOnPlateau(patience=-1), "patience", ValueError),
        (lambda: ReduceOnPlateau(patience=1.5), "patience", TypeError),
        (lambda: ReduceOnPlateau(patience=False), "patience", TypeError),
        (lambda: ReduceOnPlateau(min_delta=-0.1), "min_delta", ValueError),
        (lambda: ReduceOnPlateau(min_delta=float("inf")), "min_delta", ValueError),
        (lambda: ReduceOnPlateau(min_delta=True), "min_delta", TypeError),
        (lambda: ReduceOnPlateau(min_lr=-1e-3), "min_lr", ValueError),
        (lambda: ReduceOnPlateau(min_lr=float("nan")), "min_lr", ValueError),
        (lambda: ReduceOnPlateau(min_lr=True), "min_lr", TypeError),
        (lambda: ReduceOnPlateau(monitor=""), "monitor", ValueError),
        (lambda: ReduceOnPlateau(monitor=None), "monitor", TypeError),
        (lambda: ReduceOnPlateau(monitor=3), "monitor", TypeError),
        (lambda: ReduceOnPlateau(mode="maximum"), "mode", ValueError),
        (lambda: ReduceOnPlateau(mode=1), "mode", ValueError),
    ],
)
def test_validation(make, name, error):
    with pytest.raises(error, match=rf"^{name} must be"):
        make()


def test_validation_messages_give_expected_and_actual():
    with pytest.raises(ValueError, match=r"step_size must be an integer >= 1, got 0"):
        StepDecay(0)
    with pytest.raises(TypeError, match=r"step_size must be an integer >= 1, got float 2.0"):
        StepDecay(2.0)
    with pytest.raises(ValueError, match=r"gamma must be a finite number in \(0, 1\], got 1.5"):
        Exponential(1.5)
    with pytest.raises(
        TypeError, match=r"gamma must be a finite number in \(0, 1\], got bool True"
    ):
        StepDecay(1, gamma=True)
    with pytest.raises(ValueError, match=r"factor must be a finite number in \(0, 1\), got 1.0"):
        ReduceOnPlateau(factor=1)
    with pytest.raises(ValueError, match=r"power must be a finite number >= 0, got -1.0"):
        InverseScaling(-1)
    with pytest.raises(ValueError, match=r"mode must be None, 'min' or 'max', got 'maximum'"):
        ReduceOnPlateau(mode="maximum")


def test_numpy_scalars_accepted():
    np = pytest.importorskip("numpy")
    s = StepDecay(np.int64(2), gamma=np.float32(0.5))
    assert (type(s.step_size), type(s.gamma)) == (int, float)
    p = ReduceOnPlateau(factor=np.float64(0.5), patience=np.int32(0))
    p.observe(0, {"val_cost": np.float64(1.0)})
    p.observe(1, {"val_cost": np.float32(1.0)})
    assert p.lr(2, 1.0) == pytest.approx(0.5)
    with pytest.raises(TypeError, match="patience"):
        ReduceOnPlateau(patience=np.bool_(True))


def test_validation_accepts_boundaries():
    assert StepDecay(1, gamma=1).gamma == 1.0
    assert Exponential(1).gamma == 1.0
    assert InverseScaling(0).power == 0.0
    s = ReduceOnPlateau(factor=0.5, patience=0, min_delta=0, min_lr=0, monitor="cost", mode="min")
    assert (s.patience, s.min_delta, s.min_lr) == (0, 0.0, 0.0)


# ---------------------------------------------------------------- get


def test_get_none_and_instances():
    assert isinstance(schedules.get(None), Constant)
    s = StepDecay(3)
    assert schedules.get(s) is s
    p = ReduceOnPlateau()
    assert schedules.get(p) is p


def test_get_by_name():
    assert isinstance(schedules.get("constant"), Constant)
    step = schedules.get("step")
    assert isinstance(step, StepDecay) and (step.step_size, step.gamma) == (10, 0.1)
    exp = schedules.get("exponential")
    assert isinstance(exp, Exponential) and exp.gamma == 0.95
    inv = schedules.get("inverse_scaling")
    assert isinstance(inv, InverseScaling) and inv.power == 0.5
    plateau = schedules.get("plateau")
    assert isinstance(plateau, ReduceOnPlateau)
    assert (
        plateau.factor,
        plateau.patience,
        plateau.min_delta,
        plateau.min_lr,
        plateau.monitor,
        plateau.mode,
    ) == (0.1, 10, 0.0, 0.0, "val_cost", "min")
    # each call gives a fresh instance: state is never shared between fits
    assert schedules.get("plateau") is not plateau


def test_get_errors():
    with pytest.raises(
        ValueError, match=r"'cosine'.*constant.*exponential.*inverse_scaling.*plateau.*step"
    ):
        schedules.get("cosine")
    with pytest.raises(ValueError, match="unknown schedule"):
        schedules.get("Step")
    with pytest.raises(TypeError, match="schedule must be"):
        schedules.get(0.1)
    with pytest.raises(TypeError, match="schedule must be"):
        schedules.get(StepDecay)  # the class, not an instance


def test_all():
    assert set(schedules.__all__) == {
        "Schedule",
        "Constant",
        "StepDecay",
        "Exponential",
        "InverseScaling",
        "ReduceOnPlateau",
        "Linear",
        "CosineAnnealing",
        "CosineWarmRestarts",
        "OneCycle",
        "get",
    }
    for name in schedules.__all__:
        assert hasattr(schedules, name)


# ---------------------------------------------------------------- PyTorch's schedules

# (fcnn schedule, PyTorch scheduler class name, its arguments after the optimizer)
TORCH_PAIRS = [
    (Linear(0.1, 0.9, 30), "LinearLR", dict(start_factor=0.1, end_factor=0.9, total_iters=30)),
    (Linear(1.0, 0.05, 37), "LinearLR", dict(start_factor=1.0, end_factor=0.05, total_iters=37)),
    (Linear(), "LinearLR", {}),
    (CosineAnnealing(13, 0.001), "CosineAnnealingLR", dict(T_max=13, eta_min=0.001)),
    (CosineAnnealing(100), "CosineAnnealingLR", dict(T_max=100)),
    (CosineAnnealing(7), "CosineAnnealingLR", dict(T_max=7)),
    (
        CosineWarmRestarts(3, 2, 0.01),
        "CosineAnnealingWarmRestarts",
        dict(T_0=3, T_mult=2, eta_min=0.01),
    ),
    (CosineWarmRestarts(10), "CosineAnnealingWarmRestarts", dict(T_0=10)),
    (OneCycle(0.9, 100), "OneCycleLR", dict(max_lr=0.9, total_steps=100)),
    (
        OneCycle(
            0.9,
            epochs=11,
            steps_per_epoch=10,
            pct_start=0.25,
            anneal_strategy="linear",
            three_phase=True,
            div_factor=10.0,
            final_div_factor=100.0,
        ),
        "OneCycleLR",
        dict(
            max_lr=0.9,
            epochs=11,
            steps_per_epoch=10,
            pct_start=0.25,
            anneal_strategy="linear",
            three_phase=True,
            div_factor=10.0,
            final_div_factor=100.0,
        ),
    ),
    (
        OneCycle(0.5, 100, pct_start=0.0, three_phase=True),
        "OneCycleLR",
        dict(max_lr=0.5, total_steps=100, pct_start=0.0, three_phase=True),
    ),
    (OneCycle(total_steps=100), "OneCycleLR", dict(max_lr=0.3, total_steps=100)),
]


@pytest.mark.parametrize("ours,name,arguments", TORCH_PAIRS, ids=repr)
def test_each_schedule_is_pytorchs_for_100_steps(ours, name, arguments):
    torch = pytest.importorskip("torch")
    if name == "OneCycleLR":
        arguments = {**arguments, "cycle_momentum": False}
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.3)
    scheduler = getattr(torch.optim.lr_scheduler, name)(optimizer, **arguments)
    expected = []
    for _ in range(100):
        expected.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    np.testing.assert_allclose([ours.lr(t, 0.3) for t in range(100)], expected, rtol=1e-15, atol=0)
    np.testing.assert_allclose(ours.lrs(0, 100, 0.3), expected, rtol=1e-15, atol=0)
    np.testing.assert_allclose(ours.lrs(40, 60, 0.3), expected[40:], rtol=1e-15, atol=0)


def test_the_closed_forms():
    t = np.arange(100)
    linear = 0.3 * (0.1 + 0.8 * np.minimum(t, 30) / 30)
    np.testing.assert_allclose(Linear(0.1, 0.9, 30).lrs(0, 100, 0.3), linear, rtol=1e-13)
    cosine = 0.001 + (0.3 - 0.001) * (1 + np.cos(np.pi * t / 13)) / 2
    np.testing.assert_allclose(CosineAnnealing(13, 0.001).lrs(0, 100, 0.3), cosine, rtol=1e-12)
    restarts = CosineWarmRestarts(3, T_mult=2).lrs(0, 21, 1.0)
    since = np.array([*range(3), *range(6), *range(12)])
    length = np.array([3] * 3 + [6] * 6 + [12] * 12)
    np.testing.assert_allclose(restarts, (1 + np.cos(np.pi * since / length)) / 2, atol=1e-15)


def test_one_cycle_phases():
    s = OneCycle(max_lr=2.0, total_steps=10, pct_start=0.5, div_factor=4.0, final_div_factor=5.0)
    rates = s.lrs(0, 11, 123.0)  # max_lr given: the optimizer's rate is not used
    assert rates[0] == 0.5 and rates[4] == 2.0 and rates[9] == pytest.approx(0.1)
    assert np.all(np.diff(rates[:5]) > 0) and np.all(np.diff(rates[4:10]) < 0)
    assert OneCycle(total_steps=10, pct_start=0.5).lr(4, 3.0) == 3.0  # max_lr=None
    three = OneCycle(1.0, 20, pct_start=0.25, three_phase=True, div_factor=10.0)
    assert three.lr(4, 0) == 1.0 and three.lr(8, 0) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="OneCycle has 10 steps, asked for step 11"):
        s.lr(11, 1.0)


def test_linear_holds_its_end_factor_and_cosine_rises_again():
    assert Linear(0.5, 1.0, 2).lrs(0, 6, 2.0).tolist() == [1.0, 1.5, 2.0, 2.0, 2.0, 2.0]
    assert Linear(0.5, 1.0, 0).lrs(0, 3, 2.0).tolist() == [1.0, 1.0, 1.0]
    rates = CosineAnnealing(4).lrs(0, 9, 1.0)
    assert rates[4] == 0.0 and rates[8] == pytest.approx(1.0)
    np.testing.assert_allclose(rates[5:8], rates[3:0:-1], rtol=1e-14)


def test_a_new_base_lr_recomputes_the_recurrence():
    s = CosineAnnealing(10)
    first = s.lrs(0, 20, 1.0)
    assert s.lrs(0, 20, 0.5).tolist() == (first * 0.5).tolist()
    assert s.lrs(0, 20, 1.0).tolist() == first.tolist()


def test_per_step_defaults_and_repr():
    assert not Schedule.per_step and not Linear().per_step
    assert OneCycle(total_steps=5).per_step and CosineAnnealing(5, per_step=True).per_step
    assert repr(CosineWarmRestarts(2, 3, 0.5, True)) == (
        "CosineWarmRestarts(T_0=2, T_mult=3, eta_min=0.5, per_step=True)"
    )
    assert repr(Linear()) == (
        "Linear(start_factor=0.3333333333333333, end_factor=1.0, total_iters=5, per_step=False)"
    )


@pytest.mark.parametrize(
    "make,error,match",
    [
        (lambda: Linear(start_factor=0), ValueError, "start_factor must be a finite number in"),
        (lambda: Linear(end_factor=1.5), ValueError, "end_factor must be a finite number in"),
        (lambda: Linear(total_iters=-1), ValueError, "total_iters must be an integer >= 0"),
        (lambda: Linear(per_step=1), TypeError, "per_step must be True or False"),
        (lambda: CosineAnnealing(0), ValueError, "T_max must be an integer >= 1"),
        (lambda: CosineAnnealing(2.0), TypeError, "T_max must be an integer"),
        (lambda: CosineAnnealing(2, eta_min=-1), ValueError, "eta_min must be a finite number"),
        (lambda: CosineWarmRestarts(0), ValueError, "T_0 must be an integer >= 1"),
        (lambda: CosineWarmRestarts(2, T_mult=0), ValueError, "T_mult must be an integer >= 1"),
        (lambda: OneCycle(1.0), ValueError, "total_steps, or epochs and steps_per_epoch"),
        (lambda: OneCycle(1.0, 10, epochs=2, steps_per_epoch=5), ValueError, "total_steps, or"),
        (lambda: OneCycle(1.0, epochs=2), ValueError, "total_steps, or epochs and"),
        (lambda: OneCycle(1.0, epochs=0, steps_per_epoch=5), ValueError, "epochs must be an"),
        (lambda: OneCycle(0.0, 10), ValueError, "max_lr must be a finite number > 0"),
        (lambda: OneCycle(1.0, 0), ValueError, "total_steps must be an integer >= 1"),
        (lambda: OneCycle(1.0, 10, pct_start=1.5), ValueError, "pct_start must be a finite"),
        (lambda: OneCycle(1.0, 10, pct_start=0.1), ValueError, "gives a phase of the 10 steps no"),
        (lambda: OneCycle(1.0, 10, anneal_strategy="cosine"), ValueError, "'cos' or 'linear'"),
        (lambda: OneCycle(1.0, 10, div_factor=0), ValueError, "div_factor must be a finite"),
        (lambda: OneCycle(1.0, 10, three_phase=None), TypeError, "three_phase must be True or"),
    ],
)
def test_the_new_schedules_check_their_parameters(make, error, match):
    with pytest.raises(error, match=match):
        make()


# ---------------------------------------------------------------- per-step schedules in fit


def data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)), rng.integers(0, 2, n)


@pytest.mark.parametrize(
    "make",
    [lambda: fcnn.optimizers.Adam(lr=0.01), lambda: fcnn.optimizers.SGD(lr=0.5, momentum=0.9)],
)
def test_a_per_step_schedule_sets_each_mini_batchs_lr(make):
    """One epoch of 10 mini-batches under a per-step schedule trains as 10 one-batch
    partial_fits under the same schedule counting epochs, bit for bit."""
    X, y = data()
    a = fcnn.Network([3, 5, 2], seed=1)
    per_step = CosineAnnealing(4, eta_min=0.001, per_step=True)
    history = a.fit(
        X, y, epochs=1, batch_size=4, shuffle=False, optimizer=make(), lr_schedule=per_step
    )
    b = fcnn.Network([3, 5, 2], seed=1)
    per_epoch = CosineAnnealing(4, eta_min=0.001)
    for i in range(10):
        rows = slice(4 * i, 4 * i + 4)
        first = {"optimizer": make()} if i == 0 else {}
        b.partial_fit(X[rows], y[rows], batch_size=4, shuffle=False, lr_schedule=per_epoch, **first)
    np.testing.assert_array_equal(a.theta, b.theta)
    assert per_step.steps == 10
    assert history.lr == [make().lr]  # the rate of the epoch's first mini-batch


def test_a_per_step_schedule_with_one_batch_an_epoch_is_the_per_epoch_one():
    X, y = data()
    nets = [fcnn.Network([3, 4, 2], seed=2) for _ in range(2)]
    histories = [
        net.fit(
            X,
            y,
            epochs=6,
            batch_size=None,
            lr=0.5,
            seed=3,
            lr_schedule=OneCycle(total_steps=6, per_step=per_step),
        )
        for net, per_step in zip(nets, (True, False))
    ]
    np.testing.assert_array_equal(nets[0].theta, nets[1].theta)
    assert histories[0].lr == histories[1].lr == OneCycle(total_steps=6).lrs(0, 6, 0.5).tolist()


def test_partial_fit_goes_on_with_the_schedules_steps():
    X, y = data(30)
    a, b = fcnn.Network([3, 4, 2], seed=0), fcnn.Network([3, 4, 2], seed=0)
    options = dict(batch_size=7, lr=0.3)
    history = a.fit(X, y, epochs=3, lr_schedule=OneCycle(total_steps=15), **options)
    schedule = OneCycle(total_steps=15)
    lrs = [b.partial_fit(X, y, lr_schedule=schedule, **options).lr[0]]
    del options["lr"]
    for _ in range(2):
        lrs.append(b.partial_fit(X, y, lr_schedule=schedule, **options).lr[0])
    np.testing.assert_array_equal(a.theta, b.theta)
    assert schedule.steps == 15 and lrs == history.lr
    assert lrs == schedule.lrs(0, 15, 0.3)[::5].tolist()


def test_a_stream_gets_each_pieces_rates():
    """A stream read a chunk at a time is cut into the batches of the arrays (the rows past
    a piece's last full batch go on to the next piece): each piece takes the rates of its
    own batches, and the fit is the arrays' one."""
    X, y = data(40)
    chunks = [(X[i : i + 10], y[i : i + 10]) for i in range(0, 40, 10)]
    a, b = fcnn.Network([3, 4, 2], seed=0), fcnn.Network([3, 4, 2], seed=0)
    options = dict(epochs=2, batch_size=4, shuffle=False, lr=0.2)
    streamed = CosineWarmRestarts(T_0=3, T_mult=2, per_step=True)
    a.fit(chunks, shuffle_buffer=1, lr_schedule=streamed, **options)
    in_memory = CosineWarmRestarts(T_0=3, T_mult=2, per_step=True)
    b.fit(X, y, lr_schedule=in_memory, **options)
    np.testing.assert_array_equal(a.theta, b.theta)
    assert streamed.steps == in_memory.steps == 20


class NaNAt(Schedule):
    per_step = True

    def lr(self, epoch, base_lr):
        return math.nan if epoch == 13 else base_lr


def test_a_bad_per_step_rate_stops_before_its_epoch():
    X, y = data()
    net = fcnn.Network([3, 4, 2], seed=0)
    net.fit(X, y, epochs=1, batch_size=4, lr=0.1)
    before = net.theta.copy()
    with pytest.raises(
        ValueError,
        match="the lr_schedule's lr for mini-batch 14 must be a finite number >= 0, got nan",
    ):
        net.fit(X, y, epochs=3, batch_size=4, lr_schedule=NaNAt())
    assert not np.array_equal(net.theta, before)  # the first epoch was trained
    net2 = fcnn.Network([3, 4, 2], seed=0)
    net2.fit(X, y, epochs=1, batch_size=4, lr=0.1)
    net2.fit(X, y, epochs=1, batch_size=4, lr_schedule=NaNAt())
    np.testing.assert_array_equal(net.theta, net2.theta)  # and the second undone whole


def test_one_cycle_past_its_steps_keeps_the_last_epoch():
    X, y = data()
    net = fcnn.Network([3, 4, 2], seed=0)
    schedule = OneCycle(total_steps=15)
    with pytest.raises(ValueError, match="OneCycle has 15 steps, asked for step 16"):
        net.fit(X, y, epochs=3, batch_size=4, lr=0.1, lr_schedule=schedule)
    assert schedule.steps == 10
    again = fcnn.Network([3, 4, 2], seed=0)
    again.fit(X, y, epochs=1, batch_size=4, lr=0.1, lr_schedule=OneCycle(total_steps=15))
    np.testing.assert_array_equal(net.theta, again.theta)


def test_the_core_takes_one_rate_per_mini_batch():
    from fcnn import _compiled

    rng = np.random.default_rng(8)
    X, Y = rng.normal(size=(23, 4)), rng.normal(size=(23, 2))
    net = fcnn.Network([4, 5, 2], ["relu", "linear"], seed=1)
    optimizer = fcnn.SGD(0.05)
    optimizer.bind(net.theta.size, net.dtype, net.sizes)
    settings = optimizer.core_settings()
    workspace = net.internals.workspace(5, training=True)

    def epoch(lrs):
        return _compiled.core.train_epoch(
            net.internals.layout, settings, workspace, net.theta, X, Y,
            np.empty(0, dtype=np.intp), np.empty(0), np.zeros(1), np.zeros(1),
            5, False, 0, lrs=lrs,
        )  # fmt: skip

    with pytest.raises(ValueError, match="4 learning rates for 23 rows in batches of 5"):
        epoch(np.full(4, 0.1))
    assert epoch(np.array([0.1, 0.2, 0.3, 0.4, 0.5]))[2] is None
    assert settings.lr == 0.5  # the last batch's
    assert epoch(None)[2] is None and settings.lr == 0.5  # without: the settings' lr
