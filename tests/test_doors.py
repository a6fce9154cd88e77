"""Every public door answers with a finite result or a sentence (issue 14).

Property-based: hypothesis throws random and extreme values (wrong types, NaN, inf, 1e308,
empty and mismatched arrays, huge work sizes) at

* every widget's doors: the constructor, ``set_params``, ``set_state``, ``apply_preset``,
  ``lock`` and the controls' values, and
* every public function (and model class) of the solvers: gradient flow, matrix flow,
  predictive coding, matrix completion and the PLRNN modules (each argument of a legal call
  replaced by a bad value, one at a time),

and checks that each call returns within 2 s with a finite result or raises a ValueError
whose message names the argument: no other exception type, no warning (warnings are
errors here), no NaN, and a refused widget change leaves the state unchanged.
"""
import contextlib
import dataclasses
import inspect
import math
import time
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saddle_widgets.solvers import gradient_flow as gf
from saddle_widgets.solvers import matrix_flow as mf
from saddle_widgets.widgets._docs import widget_classes

WIDGETS = widget_classes()
SECONDS = 2.0
DOORS = settings(max_examples=30, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])

#: values no parameter or argument takes
WRONG = [None, "1", "x", b"1", [1.0], (1.0,), {"a": 1}, 1j, float("nan"), float("inf"),
         -float("inf"), 1e308, -1e308, True, np.bool_(False), object(), np.array([]),
         np.array([1.0, 2.0]), 10**400]
wrong = st.sampled_from(WRONG)


def _finite(value) -> bool:
    """Every number reachable in ``value`` (arrays, tuples, dicts, dataclasses) is finite
    (inf is allowed only where it is a documented answer: a time that never comes)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return all(_finite(getattr(value, f.name)) for f in dataclasses.fields(value)
                   if not callable(getattr(value, f.name)))
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(_finite(v) for v in value)
    if isinstance(value, (float, np.floating, np.ndarray)):
        arr = np.asarray(value)
        return arr.dtype.kind not in "fc" or not np.any(np.isnan(arr))
    return True


#: curves for matplotlib, whose NaNs separate the pieces of a polyline (documented)
NAN_SEPARATED = {"minima_curves", "origin_manifolds", "hyperbolas", "level_sets",
                 "conserved_curve"}


@contextlib.contextmanager
def _quick_and_quiet(label):
    """The block runs within SECONDS and any warning in it is an error."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield
    assert time.perf_counter() - start <= SECONDS, (label, time.perf_counter() - start)


def _answers(call, names, *, allow_nan=False):
    """``call()`` returns a NaN-free result or raises a ValueError naming one of ``names``,
    within SECONDS and without a warning."""
    with _quick_and_quiet(names):
        try:
            result = call()
        except ValueError as exc:
            message = str(exc)
            assert any(n in message for n in names), (names, message)
            result = None
        else:
            assert allow_nan or _finite(result), result
    return result


def _refused(call, name):
    """``call()`` raises, within SECONDS and without a warning, a ValueError naming
    ``name``; it neither accepts the value nor fails otherwise."""
    with _quick_and_quiet(name):
        try:
            result = call()
        except ValueError as exc:
            assert name in str(exc), (name, str(exc))
        else:
            if hasattr(result, "close"):
                result.close()
            pytest.fail(f"{name}: the bad value was accepted")


# ----------------------------------------------------------------------------- widgets
@pytest.fixture(scope="module", params=WIDGETS, ids=[c.__name__ for c in WIDGETS])
def built(request):
    w = request.param(canvas="agg")
    yield w
    w.close()


@pytest.mark.parametrize("cls", WIDGETS, ids=[c.__name__ for c in WIDGETS])
@DOORS
@given(data=st.data())
def test_a_constructor_given_a_wrong_value_names_the_parameter(cls, data):
    name = data.draw(st.sampled_from(list(cls.PARAMS)))
    bad = data.draw(wrong)
    p = cls.PARAMS[name]
    if p.kind == "bool" and isinstance(bad, (bool, np.bool_)):
        return                                     # a (numpy) bool is a fine check box value
    _refused(lambda: cls(canvas="agg", **{name: bad}), name)


@DOORS
@given(data=st.data())
def test_every_door_of_a_built_widget_refuses_wrong_values_and_keeps_its_state(built, data):
    cls = type(built)
    name = data.draw(st.sampled_from(list(cls.PARAMS)))
    bad = data.draw(wrong)
    if cls.PARAMS[name].kind == "bool" and isinstance(bad, (bool, np.bool_)):
        return
    state, text = built.state, built.status_text
    door = data.draw(st.sampled_from(["set_params", "set_state", "set_state dict", "control"]))
    if door == "set_params":
        call = lambda: built.set_params(**{name: bad})          # noqa: E731
    elif door == "set_state":
        call = lambda: built.set_state(**{name: bad})           # noqa: E731
    elif door == "set_state dict":
        call = lambda: built.set_state({name: bad})             # noqa: E731
    else:
        call = lambda: setattr(built.controls[name], "value", bad)   # noqa: E731
    _refused(call, name)
    assert built.state == state
    if door == "control":
        assert built.error is not None and name in built.status_text
        built.controls[name].value = state[name]    # a good value ends the refusal
        assert built.status_text == text


@DOORS
@given(data=st.data())
def test_set_params_is_atomic_when_one_of_several_values_is_bad(built, data):
    cls = type(built)
    names = data.draw(st.lists(st.sampled_from(list(cls.PARAMS)), min_size=2, max_size=4,
                               unique=True))
    bad_name = names[-1]
    values = {n: built.state[n] for n in names[:-1]}
    values[bad_name] = data.draw(st.sampled_from([None, "1", float("nan"), 1e308, [1]]))
    state, text = built.state, built.status_text
    with pytest.raises(ValueError, match=bad_name):
        built.set_params(**values)
    assert built.state == state and built.status_text == text


@DOORS
@given(name=st.one_of(wrong, st.text(max_size=8)))
def test_presets_locks_and_figures_refuse_unknown_names_with_a_sentence(built, name):
    cls = type(built)
    if isinstance(name, str) and name in cls.PRESETS:
        return
    with pytest.raises(ValueError, match="preset"):
        built.apply_preset(name)
    if not (isinstance(name, str) and name in cls.PARAMS):
        with pytest.raises(ValueError, match="unknown parameter"):
            built.lock(name)
        assert not built.locked - set(cls.PARAMS)
    with pytest.raises(ValueError, match="figure"):
        built.figure(name if not isinstance(name, str) else name + "\0")


@pytest.mark.parametrize("cls", WIDGETS, ids=[c.__name__ for c in WIDGETS])
def test_a_widget_refuses_integers_off_range_and_off_grid_and_bools_for_numbers(cls):
    for name, p in cls.PARAMS.items():
        if p.kind not in ("int", "float"):
            continue
        lo, hi = p.bounds(cls.DEFAULTS)
        for bad in (True, hi + abs(hi) + 1, lo - abs(lo) - 1):
            _refused(lambda: cls(canvas="agg", **{name: bad}), name)
        if p.kind == "int":
            _refused(lambda: cls(canvas="agg", **{name: lo + 0.5}), name)
            if p.step != 1:
                _refused(lambda: cls(canvas="agg", **{name: lo + 1}), name)


# ----------------------------------------------------------------------------- solvers
_T = np.linspace(0.0, 2.0, 5)
_W = np.array([[0.6, 0.1], [0.2, 0.5]])
_Y = np.array([[1.0, 0.0], [0.0, 0.5]])
_COST = gf.make_cost("quadratic", 1.0)
_RUN = gf.integrate_flow("quadratic", 0.5, 0.2, _T)

#: a legal call of every public solver function: (function, positional, keyword)
LEGAL = {
    "make_cost": (gf.make_cost, ("quadratic", 1.0), {}),
    "imbalance": (gf.imbalance, (0.5, 0.2), {}),
    "imbalance_paper": (gf.imbalance_paper, ([0.5, 0.1], [0.2, 0.3]), {}),
    "signed_imbalance": (gf.signed_imbalance, (0.5, 0.2), {}),
    "sigmoid": (gf.sigmoid, (np.linspace(-2, 2, 5),), {}),
    "neuron_invariant": (gf.neuron_invariant, (0.5, 0.2), {"activation": "sigmoid"}),
    "neuron_start": (gf.neuron_start, (0.3, 0.25), {"activation": "tanh"}),
    "level_sets": (gf.level_sets, (2.5,), {"n_levels": 4, "n": 50}),
    "bad_set_distance": (gf.bad_set_distance, ("quadratic", 0.5, 0.2), {}),
    "pd_pl_constant": (gf.pd_pl_constant, ("log-cosh", 0.5), {}),
    "quadratic_flow_solution": (gf.quadratic_flow_solution, (_T, 0.5, 1.0, 0.3), {}),
    "integrate_flow": (gf.integrate_flow, ("quadratic", 0.5, 0.2, _T), {}),
    "integrate_chain": (gf.integrate_chain, ("quadratic", [0.5, 0.4, 0.3], _T), {}),
    "gradient_descent": (gf.gradient_descent, ("quadratic", [0.5, 0.2]),
                         {"lr": 0.1, "n_steps": 20}),
    "classify_origin": (gf.classify_origin, ("quadratic",), {"depth": 3}),
    "origin_hessian": (gf.origin_hessian, ("quadratic",), {"width": 2}),
    "gd_step_limit": (gf.gd_step_limit, (_COST, 0.3), {}),
    "convergence_time": (gf.convergence_time, (_RUN.t, _RUN.x, _COST), {}),
    "convergence_time_closed_form": (gf.convergence_time_closed_form, (0.1, 1.0, 0.5), {}),
    "convergence_time_numeric": (gf.convergence_time_numeric, ("quadratic", 0.1, [0.5, 1.0]),
                                 {"t_max": 20.0, "max_iter": 2000}),
    "convergence_time_large_c": (gf.convergence_time_large_c, ("quadratic", 0.1, [2.0, 4.0]),
                                 {}),
    "barrier_of_flow": (gf.barrier_of_flow, ("double well", 0.5, 0.2),
                        {"depth": 2, "target": 1.5}),
    "initial_weights": (gf.initial_weights, (0.5, 0.3), {"width": 2}),
    "reduced_flow_rate": (gf.reduced_flow_rate, ("quadratic", [0.1, 0.5], 0.3), {}),
    "start_from_point": (gf.start_from_point, (0.5, 0.2), {"depth": 3}),
    "scalar_pair": (gf.scalar_pair, ([0.1, 0.5], 0.3), {}),
    "plane_product": (gf.plane_product, (0.5, 0.2), {"depth": 3}),
    "plane_loss_gap": (gf.plane_loss_gap, ("quadratic", 0.5, 0.2), {}),
    "hyperbolas": (gf.hyperbolas, ([0.5, 1.0], 2.5), {"n": 50}),
    "conserved_curve": (gf.conserved_curve, ([0.5], [0.2]), {"n": 50}),
    "minima_curves": (gf.minima_curves, ("double well",), {"n": 100}),
    "origin_manifolds": (gf.origin_manifolds, ("quadratic",), {}),
    "loss_bound_rate": (gf.loss_bound_rate, ("log-cosh", 0.5), {}),
    "loss_bound": (gf.loss_bound, ("quadratic", 0.5, 0.3, _T), {}),
    "phase_plane_coordinates": (gf.phase_plane_coordinates, (_RUN,), {}),
    "loss": (mf.loss, (_W, _W, _Y), {}),
    "gradient": (mf.gradient, (_W, _W, _Y), {}),
    "grad_norm": (mf.grad_norm, (_W, _W, _Y), {}),
    "conserved": (mf.conserved, (_W, _W), {}),
    "hessian": (mf.hessian, (_W, _W, _Y), {}),
    "integrate_matrix_flow": (mf.integrate_matrix_flow, (_W, _W, _Y, _T), {}),
    "matrix_start": (mf.matrix_start, (1, 0.1, 0.5), {}),
    "imbalance_direction": (mf.imbalance_direction, (1,), {}),
    "aligned_start": (mf.aligned_start, (_Y, 0.1, 0.5), {}),
    "saddle_start": (mf.saddle_start, (_Y,), {}),
    "critical_values": (mf.critical_values, (_Y,), {}),
    "classify_end_point": (mf.classify_end_point, (_W, _W, _Y), {}),
}

#: bad values for an argument, by what it is: extreme numbers, wrong types, bad shapes
EXTREME = WRONG + [0.0, -1.0, 1e-320, 2.5, 10**9, np.zeros((0, 2)), np.ones((3, 3, 3)),
                   np.full(4, np.nan), np.array([1e308, -1e308]), [[1.0, 2.0], [3.0]],
                   "quadratic", np.linspace(0, 1e9, 3)]


def _with_one_bad_argument(fn, args, kwargs, data):
    """((args, kwargs) of the legal call with one argument, drawn by ``data``, replaced by a
    value of EXTREME; that argument's name)."""
    params = list(inspect.signature(fn).parameters)
    slots = [("arg", i) for i in range(len(args))] + [("kw", k) for k in kwargs]
    kind, slot = data.draw(st.sampled_from(slots))
    bad = data.draw(st.sampled_from(EXTREME))
    new_args, new_kwargs = list(args), dict(kwargs)
    if kind == "arg":
        new_args[slot] = bad
        return (new_args, new_kwargs), params[slot]
    new_kwargs[slot] = bad
    return (new_args, new_kwargs), slot


def test_every_public_solver_function_has_a_legal_call():
    public = {n for m in (gf, mf) for n in m.__all__
              if callable(getattr(m, n)) and not isinstance(getattr(m, n), type)}
    assert public == set(LEGAL), public ^ set(LEGAL)


@pytest.mark.parametrize("name", sorted(LEGAL))
def test_the_legal_call_answers_finitely(name):
    fn, args, kwargs = LEGAL[name]
    _answers(lambda: fn(*args, **kwargs), [], allow_nan=name in NAN_SEPARATED)


@pytest.mark.parametrize("name", sorted(LEGAL))
@settings(max_examples=12, deadline=None, database=None)
@given(data=st.data())
def test_one_bad_argument_is_a_value_error_naming_it_or_a_finite_answer(name, data):
    """Each argument of a legal call, replaced by an extreme or wrong value: a finite
    answer (the value was legal) or a ValueError naming the argument."""
    fn, args, kwargs = LEGAL[name]
    (new_args, new_kwargs), arg = _with_one_bad_argument(fn, args, kwargs, data)
    # the sentence names the argument, or the quantity it stands for
    names = {arg, arg.rstrip("s"), "cost", "shape", "weights", "W1", "W2", "Y", "w1", "w2",
             "imbalance", "t", "times"} if arg in ("cost", "t", "result") else {arg}
    names |= {"the number of weights"} if arg == "weights" else set()
    names |= {"cost"} if arg == "name" else set()
    names |= {"w1 and w2"} if arg in ("w1", "w2") else set()
    names |= {"W1 and W2", "W2 W1"} if arg in ("W1", "W2", "Y") else set()
    names |= {"imbalance"} if arg in ("imbalance", "imbalances", "c") else set()
    _answers(lambda: fn(*new_args, **new_kwargs), sorted(names),
             allow_nan=name in NAN_SEPARATED)


@pytest.mark.parametrize("call, arg", [
    (lambda: gf.integrate_flow("quadratic", 0.5, 0.2, [0, 1e6]), "t[-1]"),
    (lambda: gf.integrate_chain("quadratic", np.full(10**5, 0.9), [0, 1]), "depth"),
    (lambda: gf.gradient_descent("quadratic", [0.5, 0.2], lr=0.1, n_steps=10**9), "n_steps"),
    (lambda: gf.convergence_time_numeric("quadratic", 0.1, np.ones(10**4), max_iter=10**5),
     "max_iter"),
    (lambda: gf.level_sets(2.5, n=10**6), "n"),
    (lambda: gf.hyperbolas([1.0], 2.5, n=10**8), "n"),
    (lambda: gf.conserved_curve(0.5, 0.2, n=10**8), "n"),
    (lambda: gf.minima_curves("quadratic", n=10**8), "n"),
    (lambda: gf.pd_pl_constant("quadratic", 0.5, n=10**9), "n"),
    (lambda: mf.integrate_matrix_flow(_W, _W, _Y, [0, 1e6]), "t[-1]"),
    (lambda: mf.matrix_start(1, 0.1, 0.5, size=10**4), "size"),
])
def test_huge_work_sizes_are_refused_up_front(call, arg):
    _refused(call, arg)


# ----------------------------------------------------------------------------- PLRNN, PC
from saddle_widgets.solvers import matrix_completion as mc          # noqa: E402
from saddle_widgets.solvers import plrnn as pl                      # noqa: E402
from saddle_widgets.solvers import plrnn_3d as p3                   # noqa: E402
from saddle_widgets.solvers import plrnn_training as pt             # noqa: E402
from saddle_widgets.solvers import pc_nonlinear as nl              # noqa: E402
from saddle_widgets.solvers import predictive_coding as pc          # noqa: E402
from saddle_widgets.widgets.plrnn3d import _bistable_model          # noqa: E402

try:                                    # the package's data files, or (older) the tutorials'
    from saddle_widgets.data import path as _data_path               # noqa: E402
    _DUFFING = _data_path("duffing_shplrnn.npz")
except ImportError:
    _DUFFING = (__import__("pathlib").Path(__file__).resolve().parents[1] / "tutorials" / "data"
                / "duffing_shplrnn.npz")
_WIDTHS = [1, 1, 1]
_PW = pc.init_weights(_WIDTHS, 0.3, 0)
_X, _YS = pc.toy_scalar_data(0, 8)
_ACT = pc.infer_activities(_PW, _X, _YS, n_steps=3).activities
_H = pc.numerical_hessian(_PW, _X, _YS)
_CP = pc.classify_critical_point(_H)
_PCRUN = pc.train(_PW, _X, _YS, method="bp", lr=0.2, n_steps=10, record_weights=True)
_DIRS = (np.array([1.0, 0.0]), np.array([0.0, 1.0]))
_TASK = mc.make_task(10, 0, size=4, rank=1)
_MW = mc.start_weights(_TASK, 1, 3, init_scale=0.1)
_MCRUN = mc.train(_MW, _TASK, lr=0.2, max_iters=20, stride=5)
_M = pl.preset("multistability")
_CYC = pl.find_cycles(_M, 2)
_SADDLE = next(c for c in _CYC if c.kind == "saddle")
_STABLE = next(c for c in _CYC if c.kind == "stable")
_WS = pl.invariant_manifold(_M, _SADDLE, "stable", max_iter=4, max_points=400)
_WU = pl.invariant_manifold(_M, _SADDLE, "unstable", max_iter=4, max_points=400)
_SM = pl.saddle_manifolds(_M, _CYC, max_saddles=1, max_iter=4, max_points=400)
_M3 = _bistable_model()
_S3 = next(c for c in pl.find_cycles(_M3, 1) if c.kind == "saddle")
_MESH = p3.manifold_mesh(_M3, _S3, "stable", n_rings=6, n_angles=8, max_pushes=4)
_SH = pl.ShallowPLRNN([0.5, 0.5], np.ones((2, 3)) * 0.1, np.ones((3, 2)), [0.1, 0.0],
                      [0.0, 0.1, -0.1])
_TRAJ = [np.cumsum(np.random.default_rng(0).normal(size=(30, 2)), axis=0) * 0.1]
_SX0, _SY = pt.segments(_TRAJ, 3, 5)
_THETA = pt.pack(_SH.A_diag, _SH.W1, _SH.W2, _SH.h1, _SH.h2)
_PW3 = pc.init_weights([1, 1, 1, 1], 0.3, 1)
_NWIDTHS = [2, 3, 1]
_NX, _NY = nl.teacher_data(0, batch=8, d_in=2, d_out=1, teacher_width=3)
_NW = nl.init_weights(_NWIDTHS, 0.3, 0)
_NACT = nl.infer_activities(_NW, _NX, _NY, n_steps=3).activities
_NRUN = nl.train(_NW, _NX, _NY, method="pc", lr=0.2, n_iters=10, inference_steps=3)

LEGAL_PLRNN_PC = {
    # predictive coding
    "pc.mse_loss": (pc.mse_loss, (_PW, _X, _YS), {}),
    "pc.rescaling_matrix": (pc.rescaling_matrix, (_PW,), {}),
    "pc.equilibrated_energy": (pc.equilibrated_energy, (_PW, _X, _YS), {}),
    "pc.pc_energy": (pc.pc_energy, (_PW, _ACT, _X, _YS), {}),
    "pc.infer_activities": (pc.infer_activities, (_PW, _X, _YS), {"n_steps": 5, "dt": 0.1}),
    "pc.equilibrium_activities": (pc.equilibrium_activities, (_PW, _X, _YS), {}),
    "pc.mse_gradient": (pc.mse_gradient, (_PW, _X, _YS), {}),
    "pc.pc_weight_gradient": (pc.pc_weight_gradient, (_PW, _ACT, _X, _YS), {}),
    "pc.energy_gradient": (pc.energy_gradient, (_PW, _X, _YS), {}),
    "pc.flatten_weights": (pc.flatten_weights, (_PW,), {}),
    "pc.unflatten_weights": (pc.unflatten_weights, (np.ones(2), [(1, 1), (1, 1)]), {}),
    "pc.numerical_hessian": (pc.numerical_hessian, (_PW, _X, _YS), {"objective": "energy"}),
    "pc.origin_hessian_theory": (pc.origin_hessian_theory, (_WIDTHS, _X, _YS), {}),
    "pc.zero_rank_saddle_hessian_theory": (pc.zero_rank_saddle_hessian_theory,
                                           (pc.zero_rank_saddle_weights([1, 1, 1, 1]), _X, _YS),
                                           {}),
    "pc.classify_critical_point": (pc.classify_critical_point, (_H,), {"tol": 1e-6}),
    "pc.scalar_chain_landscape": (pc.scalar_chain_landscape,
                                  (np.linspace(-1, 1, 5), np.linspace(-1, 1, 4)),
                                  {"depth": 2, "X": _X, "Y": _YS}),
    "pc.train": (pc.train, (_PW, _X, _YS), {"lr": 0.2, "n_steps": 10, "inference": 5}),
    "pc.steps_to_escape": (pc.steps_to_escape, (_PCRUN, 0.5), {}),
    "pc.toy_scalar_data": (pc.toy_scalar_data, (0, 8), {}),
    "pc.gaussian_toy_data": (pc.gaussian_toy_data, (0, 2, 8), {}),
    "pc.init_weights": (pc.init_weights, (_WIDTHS, 0.1, 0), {}),
    "pc.zero_rank_saddle_weights": (pc.zero_rank_saddle_weights, ([1, 1, 1, 1], 1.0, 0), {}),
    "pc.origin_loss": (pc.origin_loss, (_YS,), {}),
    "pc.escape_threshold": (pc.escape_threshold, (_YS, 0.02), {}),
    "pc.truncate_run": (pc.truncate_run, (_PCRUN, 5), {}),
    "pc.escape_step": (pc.escape_step, (_PW, _X, _YS),
                       {"method": "bp", "lr": 0.2, "n_steps": 10, "threshold": 0.5}),
    "pc.train_bp_and_pc": (pc.train_bp_and_pc, (_PW, _X, _YS), {"lr": 0.2, "n_steps": 10}),
    "pc.training_horizon": (pc.training_horizon, (120, 50), {}),
    "pc.train_minibatch": (pc.train_minibatch, (_PW, np.stack([_X] * 4), np.stack([_YS] * 4)),
                           {"lr": 0.2}),
    "pc.toy_protocol": (pc.toy_protocol, (_WIDTHS, 0, 5), {"batch": 8}),
    "pc.toy_escape_threshold": (pc.toy_escape_threshold, (1, 0.02), {}),
    "pc.protocol_escapes": (pc.protocol_escapes, (1, [0]), {"n_steps": 10, "inference": 3}),
    "pc.escape_statistics": (pc.escape_statistics, ([3, None, 5],), {}),
    "pc.seed_escape_steps": (pc.seed_escape_steps, ([_PW, _PW], (_X, _YS)),
                             {"method": "bp", "lr": 0.2, "n_steps": 10, "threshold": 0.5}),
    "pc.origin_eigendirections": (pc.origin_eigendirections, (_WIDTHS, _X, _YS), {}),
    "pc.eigenplane_landscape": (pc.eigenplane_landscape, (_WIDTHS, _X, _YS, _DIRS), {"n": 5}),
    "pc.project_trajectory": (pc.project_trajectory, (_PCRUN, _DIRS), {}),
    "pc.Trainings": (pc.Trainings, (_PW, (_X, _YS), 0.2), {}),
    "pc.Race": (pc.Race, ((_X, _YS), 0.5, 1, 1, 0.05, 0.2, 0), {"max_steps": 20}),
    "pc.slice_pair": (pc.slice_pair, (3, "first two"), {}),
    "pc.random_scalar_chain": (pc.random_scalar_chain, (3, 0.1, 0), {}),
    "pc.network_widths": (pc.network_widths, (2, 1, 1), {}),
    "pc.saddle_weights": (pc.saddle_weights, (_WIDTHS,), {"point": "origin"}),
    "pc.saddle_hessian_theory": (pc.saddle_hessian_theory, (pc.saddle_weights(_WIDTHS), _X, _YS),
                                 {}),
    "pc.classify_origin": (pc.classify_origin, (_WIDTHS, _X, _YS), {}),
    "pc.describe_saddles": (pc.describe_saddles, (_CP, _CP), {}),
    "pc.describe_escape": (pc.describe_escape, ("BP", _PCRUN, 0.5), {}),
    "pc.chain_minimum_product": (pc.chain_minimum_product, (_X, _YS), {}),
    "pc.chain_minimum_curves": (pc.chain_minimum_curves, (-1.0, 2.0), {"n": 3, "points": 21}),
    "pc.train_runs": (pc.train_runs, ([_PW, _PW], (_X, _YS)),
                      {"methods": ["bp", "pc"], "lr": 0.2, "n_steps": 10, "inference": "exact",
                       "dt": 0.1, "stop_below": 0.01}),
    "pc.DepthSweep": (pc.DepthSweep, ([_PW, _PW3], (_X, _YS)),
                      {"lr": 0.2, "threshold": 0.5, "inference": 3, "dt": 0.1}),
    "pc.depth_sweep_escapes": (pc.depth_sweep_escapes, ([_PW, _PW3], (_X, _YS)),
                               {"lr": 0.2, "n_steps": 10, "threshold": 0.5, "inference": "exact",
                                "dt": 0.1}),
    # predictive coding, non-linear
    "nl.teacher_data": (nl.teacher_data, (0,), {"batch": 8, "d_in": 2, "d_out": 1,
                                                "teacher_width": 3}),
    "nl.network_widths": (nl.network_widths, (1, 3, 2, 1), {}),
    "nl.init_weights": (nl.init_weights, (_NWIDTHS, 0.3, 0), {}),
    "nl.forward": (nl.forward, (_NW, _NX), {"activation": "tanh"}),
    "nl.mse_loss": (nl.mse_loss, (_NW, _NX, _NY), {"activation": "relu"}),
    "nl.mse_gradient": (nl.mse_gradient, (_NW, _NX, _NY), {"activation": "tanh"}),
    "nl.pc_energy": (nl.pc_energy, (_NW, _NACT, _NX, _NY), {"activation": "tanh"}),
    "nl.activity_gradient": (nl.activity_gradient, (_NW, _NACT, _NX, _NY),
                             {"activation": "tanh"}),
    "nl.pc_weight_gradient": (nl.pc_weight_gradient, (_NW, _NACT, _NX, _NY),
                              {"activation": "relu"}),
    "nl.infer_activities": (nl.infer_activities, (_NW, _NX, _NY),
                            {"activation": "tanh", "n_steps": 5, "dt": 0.1}),
    "nl.train": (nl.train, (_NW, _NX, _NY),
                 {"activation": "tanh", "method": "pc", "lr": 0.2, "n_iters": 10,
                  "inference_steps": 3, "dt": 0.1, "stop_below": 0.01}),
    "nl.train_bp_and_pc": (nl.train_bp_and_pc, (_NW, _NX, _NY),
                           {"activation": "relu", "lr": 0.2, "n_iters": 10,
                            "inference_steps": 3, "dt": 0.1}),
    "nl.check_work": (nl.check_work, (_NWIDTHS, 10, "pc"), {"inference_steps": 3, "batch": 8}),
    "nl.origin_loss": (nl.origin_loss, (_NY,), {}),
    "nl.escape_iteration": (nl.escape_iteration, (_NRUN, 0.5), {}),
    "nl.stays_on_plateau": (nl.stays_on_plateau, (_NRUN, 0.95), {}),
    # matrix completion
    "mc.make_task": (mc.make_task, (10, 0), {"size": 4, "rank": 1}),
    "mc.network_widths": (mc.network_widths, (_TASK, 1, 3), {}),
    "mc.masked_loss": (mc.masked_loss, (_MW, _TASK), {}),
    "mc.masked_energy": (mc.masked_energy, (_MW, _TASK), {}),
    "mc.masked_loss_gradient": (mc.masked_loss_gradient, (_MW, _TASK), {}),
    "mc.masked_energy_gradient": (mc.masked_energy_gradient, (_MW, _TASK), {}),
    "mc.equilibrium_energy_by_solve": (mc.equilibrium_energy_by_solve, (_MW, _TASK), {}),
    "mc.best_rank_fit": (mc.best_rank_fit, (_TASK, 1), {"iters": 50}),
    "mc.balanced_weights": (mc.balanced_weights, (np.eye(4), [4, 4, 4]), {}),
    "mc.start_weights": (mc.start_weights, (_TASK, 1, 3), {"init_scale": 0.1}),
    "mc.train": (mc.train, (_MW, _TASK), {"lr": 0.2, "max_iters": 20, "stride": 5}),
    "mc.train_bp_and_pc": (mc.train_bp_and_pc, (_TASK, 1, 3),
                           {"bp_iters": 20, "pc_iters": 20, "stride": 5}),
    "mc.iterations_to": (mc.iterations_to, (_MCRUN, 0.01), {}),
    "mc.plateau_losses": (mc.plateau_losses, (_MCRUN,), {"window": 2}),
    "mc.check_work": (mc.check_work, ([4, 3, 4], 100), {}),
    "mc.numerical_hessian": (mc.numerical_hessian, (_MW, _TASK), {}),
    "mc.saddle_weights": (mc.saddle_weights, (_TASK, 1, 3, 1), {}),
    "mc.loss_rises": (mc.loss_rises, (_MCRUN,), {}),
    "mc.train_methods": (mc.train_methods, (_MW, _TASK, {"bp": 20, "pc": 20}),
                         {"lr": 0.2, "stop_below": 1e-3, "stride": 5}),
    # PLRNN
    "pl.PLRNN": (pl.PLRNN, (_M.A, _M.W, _M.h), {}),
    "pl.ShallowPLRNN": (pl.ShallowPLRNN, (_SH.A_diag, _SH.W1, _SH.W2, _SH.h1, _SH.h2), {}),
    "pl.ALRNN": (pl.ALRNN, (_M.A, _M.W, _M.h, 1), {}),
    "pl.invertibility_penalty": (pl.invertibility_penalty, (_M,), {"lam": 1.0}),
    "pl.preset": (pl.preset, ("multistability",), {}),
    "pl.find_cycles": (pl.find_cycles, (_M, 2), {"seed": 0}),
    "pl.cycle_from_points": (pl.cycle_from_points, (_M, _STABLE.points), {}),
    "pl.fixed_point_sets": (pl.fixed_point_sets, (_M,), {}),
    "pl.invariant_manifold": (pl.invariant_manifold, (_M, _SADDLE, "stable"),
                              {"max_iter": 4, "max_points": 400}),
    "pl.manifold_quality": (pl.manifold_quality, (_M, _WS.branches[0][:5], _SADDLE),
                            {"n_steps": 10}),
    "pl.manifold_score": (pl.manifold_score, (np.array([1e-3, 0.5]),), {}),
    "pl.saddle_manifold_quality": (pl.saddle_manifold_quality, (_M, _SM),
                                   {"max_points": 20, "n_steps": 10}),
    "pl.manifold_intersections": (pl.manifold_intersections, (_WS, _WU), {}),
    "pl.homoclinic_points": (pl.homoclinic_points, (_M, _SADDLE), {"max_iter": 4,
                                                                    "max_points": 400}),
    "pl.basin_map": (pl.basin_map, (_M, (-3, 3, -3, 3), 8), {"n_steps": 50}),
    "pl.lyapunov_exponents": (pl.lyapunov_exponents, (_M, [0.1, 0.2], 200),
                              {"n_transient": 10}),
    "pl.long_orbit": (pl.long_orbit, (_M, [0.1, 0.2], 50), {"n_transient": 10}),
    "pl.bifurcation_diagram": (pl.bifurcation_diagram, (_M, np.linspace(0.5, 0.7, 3)),
                               {"parameter": "A[0,0]", "n_transient": 20, "n_keep": 4}),
    "pl.stable_cycles_by_iteration": (pl.stable_cycles_by_iteration, (_M, [[0.1, 0.1]]),
                                      {"n_steps": 100, "max_period": 4, "known": ()}),
    "pl.refine_stable_cycle": (pl.refine_stable_cycle, (_M, _STABLE.points), {}),
    "pl.same_orbit": (pl.same_orbit, (_STABLE.points, _STABLE.points), {}),
    "pl.index_of_cycle": (pl.index_of_cycle, (_STABLE, _CYC), {}),
    "pl.merge_cycles": (pl.merge_cycles, (_CYC, [_STABLE]), {}),
    "pl.manifold_saddles": (pl.manifold_saddles, (_CYC, 2), {}),
    "pl.saddle_manifolds": (pl.saddle_manifolds, (_M, _CYC), {"max_saddles": 1, "max_iter": 4,
                                                               "max_points": 400}),
    "pl.from_entries": (pl.from_entries, (pl.entries(_M),), {}),
    "pl.entries": (pl.entries, (_M,), {}),
    "pl.entry_parameter": (pl.entry_parameter, ("a12",), {}),
    # PLRNN in 3-D
    "p3.manifold_mesh": (p3.manifold_mesh, (_M3, _S3, "stable"),
                         {"n_rings": 6, "n_angles": 8, "max_pushes": 4}),
    "p3.inverse_by_region_iteration": (p3.inverse_by_region_iteration, (_M3, np.ones((4, 3))),
                                       {}),
    "p3.mesh_pieces": (p3.mesh_pieces, (_M3, _MESH.samples), {}),
    "p3.piece_cuts": (p3.piece_cuts, (_MESH.pieces, 0, 0.1), {}),
    "p3.clip_polygon": (p3.clip_polygon, (np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0.0]]),
                                          np.array([[-0.5, 0.5]] * 3)), {}),
    "p3.mesh_arrays": (p3.mesh_arrays, (_MESH, "ws"), {}),
    "p3.mesh_from_arrays": (p3.mesh_from_arrays, (_M3, _S3, "stable", p3.mesh_arrays(_MESH, "ws"),
                                                  "ws"), {}),
    # PLRNN training
    "pt.lorenz63_rhs": (pt.lorenz63_rhs, (np.ones(3),), {}),
    "pt.lorenz63_trajectory": (pt.lorenz63_trajectory, (20,), {"transient": 1.0}),
    "pt.duffing_rhs": (pt.duffing_rhs, (np.ones(2),), {}),
    "pt.duffing_trajectories": (pt.duffing_trajectories, ([[1.0, 0.0]], 20), {}),
    "pt.rk4": (pt.rk4, (pt.duffing_rhs, np.ones(2), 0.1, 10), {}),
    "pt.standardise": (pt.standardise, (_TRAJ[0],), {}),
    "pt.pack": (pt.pack, (_SH.A_diag, _SH.W1, _SH.W2, _SH.h1, _SH.h2), {}),
    "pt.unpack": (pt.unpack, (_THETA, 2, 3), {}),
    "pt.shooting_loss": (pt.shooting_loss, (_THETA, _SX0, _SY, 2, 3), {}),
    "pt.segments": (pt.segments, (_TRAJ, 3, 5), {}),
    "pt.least_squares_init": (pt.least_squares_init, (_TRAJ, 3, np.random.default_rng(0)), {}),
    "pt.state_space_divergence": (pt.state_space_divergence, (_TRAJ[0], _TRAJ[0][::-1], 5), {}),
    "pt.train_shallow_plrnn": (pt.train_shallow_plrnn, (_TRAJ, 3),
                               {"n_init": 1, "schedule": ((1, 5),), "score_steps": 50}),
    "pt.load_shallow_plrnn": (pt.load_shallow_plrnn, (_DUFFING,), {}),
}

#: words a sentence may use for an argument besides its name (the layer, the quantity it is)
ALIASES = {
    "weights": {"W_", "layers"}, "weights0": {"weights", "W_", "layers"},
    "starts": {"weights", "W_", "layers"}, "start": {"weights", "W_", "layers"},
    "seeds": {"seed"}, "methods": {"method"}, "widths": {"width", "layers"},
    "activities": {"activit"},
    "w_grid_a": {"weight grid", "landscape"}, "w_grid_b": {"weight grid", "landscape"},
    "depth": {"layers"}, "hidden": {"layers"}, "X": {"W_1"}, "Y": {"W_L"},
    "data": {"X", "Y"}, "seed": {"Seed"}, "shapes": {"shape"}, "name": {"preset"},
    "key": {"entry"}, "values": {"entries"}, "A_diag": {"W1"}, "z0": {"orbit"},
    "pieces": {"Piece3D"}, "mesh": {"ManifoldMesh"}, "trajectories": {"trajectory"},
    "x0": {"x"}, "n_iters": {"iterations"}, "model": {"PLRNN"},
}


def _plrnn_pc_public():
    """Every public function and class (not a result record) of the PLRNN and PC solvers."""
    out = set()
    for prefix, m in (("pc", pc), ("nl", nl), ("mc", mc), ("pl", pl), ("p3", p3), ("pt", pt)):
        for n in m.__all__:
            obj = getattr(m, n)
            if callable(obj) and not dataclasses.is_dataclass(obj):
                out.add(f"{prefix}.{n}")
    return out


def test_every_public_plrnn_and_pc_solver_function_has_a_legal_call():
    public = _plrnn_pc_public()
    assert public == set(LEGAL_PLRNN_PC), public ^ set(LEGAL_PLRNN_PC)


@pytest.mark.parametrize("name", sorted(LEGAL_PLRNN_PC))
def test_the_legal_plrnn_and_pc_call_answers_finitely(name):
    fn, args, kwargs = LEGAL_PLRNN_PC[name]
    _answers(lambda: fn(*args, **kwargs), [])


@pytest.mark.parametrize("name", sorted(LEGAL_PLRNN_PC))
@settings(max_examples=12, deadline=None, database=None)
@given(data=st.data())
def test_one_bad_argument_of_a_plrnn_or_pc_solver_is_a_value_error_naming_it(name, data):
    """Each argument of a legal call, replaced by an extreme or wrong value: a finite
    answer (the value was legal) or a ValueError naming the argument (or ALIASES')."""
    fn, args, kwargs = LEGAL_PLRNN_PC[name]
    fn_args, arg = _with_one_bad_argument(fn, args, kwargs, data)
    result = _answers(lambda: fn(*fn_args[0], **fn_args[1]),
                      sorted({arg} | ALIASES.get(arg, set())), allow_nan=name in NAN_MARKED)
    if name in NAN_MARKED and result is not None:
        assert np.all(np.isfinite(result.states) | result.diverged[:, :, None, None]), result


#: NaN only where a mask says the orbit diverged: a bifurcation diagram over a parameter
#: value whose orbits leave every bound (A[0,0] = 2 in the legal call's model) keeps NaN
#: states there, flagged in ``diverged`` (checked above), and draws nothing for them
NAN_MARKED = {"pl.bifurcation_diagram"}


@pytest.mark.parametrize("call, names", [
    (lambda: pc.classify_critical_point([[1e308, 0], [0, -1e308]]), ["hessian"]),
    (lambda: pc.classify_critical_point([[-1e308, 0], [0, -1e308]]), ["hessian"]),
    (lambda: pl.basin_map(_M, (-1e308, 1e308, -1e308, 1e308), 10), ["extent"]),
    (lambda: pl.same_orbit([[0, 0]], [[0, 0]]), []),
    (lambda: pl.same_orbit([[0, 0]], [[0, 0, 0]]), ["a and b"]),
    (lambda: pl.find_cycles(_M, 3, seed="abc"), ["seed"]),
    (lambda: pl.refine_stable_cycle(_M, [[np.nan, 0]]), ["pts"]),
    (lambda: pl.stable_cycles_by_iteration(_M, [[0.1, 0.1]], known=["x"]), ["known"]),
    (lambda: pl.find_cycles(pl.preset("multistability"), 40, method="exhaustive"),
     ["max_period", "exhaustive_limit"]),
    (lambda: pc.infer_activities(_PW, _X, _YS, n_steps=10**7), ["n_steps"]),
    (lambda: pc.train(_PW, _X, _YS, method="pc", inference=5, dt=50.0), ["dt"]),
])
def test_the_issues_plrnn_and_pc_reproductions_answer_with_a_sentence(call, names):
    """Issue 14's reproductions: each answers (same_orbit of equal points: True) or raises
    a ValueError naming the argument to change."""
    _answers(call, names)
