import math

import pytest

from fcnn import schedules
from fcnn.schedules import (
    Constant,
    Exponential,
    InverseScaling,
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
        "get",
    }
    for name in schedules.__all__:
        assert hasattr(schedules, name)
