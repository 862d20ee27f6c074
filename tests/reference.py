"""Independent high-precision reference for bpcalc's numbers (the test oracle).

Written from the problem-file definitions only; it imports nothing from
``bpcalc`` and shares no code with it.  Everything is computed with mpmath:

* the forward pass (every named quantity: ``alpha_H1``, ``H1``, ..., ``o``/``y``
  or ``o1``/``y1``, ...), written directly from the definitions;
* the loss, written directly from its formula (``bce``, ``ce``, ``half_sse``,
  ``sse``, ``mse``);
* every parameter's gradient, by CENTRAL FINITE DIFFERENCES OF THE LOSS at high
  working precision (``FD_DPS`` digits, step ``10**-FD_STEP_EXP``), so no
  backpropagation formula is involved at all: the truncation error is
  ~h**2 * L''' ~ 1e-90 and the rounding error ~ 10**-FD_DPS * |L| / h ~ 1e-65,
  which leaves gradients as small as ~1e-50 correct to far better than 1e-9
  relative (the saturated cases in the tests have gradients of ~1e-14..1e-20);
* training: ``online`` (update after every sample, gradients at the
  pre-update parameters), ``batch`` (one update per epoch with the mean of
  the samples' gradients, all at the epoch-start parameters) and
  ``minibatch`` (``batch_size`` samples per update), ``reduction`` mean or
  sum, ``weight_decay`` (each update's gradient is the finite difference of
  its FULL objective, decay term included), ``optimizer`` sgd, momentum
  (classical or Nesterov) and Adam by a separate straightforward
  implementation (:class:`Optimizer`), ``epochs``, ``frozen`` parameters
  (gradient reported, value never changed).

Numbers from a JSON problem are taken at their exact value: a Python float
(what ``json.load`` gives) is converted exactly (``mpf(float)``), so the
reference and the code under test compute the same mathematical function of
the same binary inputs and differ only by the code under test's rounding.

Naming ("sheet" notation): units are numbered globally, layer by layer, from
the inputs.  ``w{i}{j}``: i = the source unit's global number, j = the target
unit's 1-based position in its own layer (``w{i}_{j}`` once i or j >= 10).
``b1, b2, ...`` number the non-input units layer by layer (``theta1, ...`` with
``"bias": "threshold"``: a threshold on a fixed input -1, net = sum(w x) - theta).  Hidden units are
``H1, H2, ...`` across all hidden layers (pre-activations ``alpha_H1, ...``);
the output is ``o``/``y`` for one output unit and ``o1, y1, ...`` for several.
Inputs are ``f1..fn``, targets ``t`` (one output) or ``t1..tm``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from mpmath import mp, mpf

mp.dps = 50

#: working precision (decimal digits) used for the finite differences
FD_DPS = 110
#: finite-difference step is 10**-FD_STEP_EXP
FD_STEP_EXP = 45

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax",
               "bipolar_sigmoid", "scaled_tanh")
LOSSES = ("bce", "ce", "half_sse", "sse", "mse")

#: parameters an activation may be given as {"name": ..., key: value}, with
#: their defaults (the forward rule only: relu's derivative at exactly 0 is
#: invisible to a finite difference, so ``derivative_at_zero`` is accepted
#: and ignored here; tests check it by hand)
ACTIVATION_DEFAULTS = {
    "relu": {"derivative_at_zero": 0},
    "leaky_relu": {"slope": "0.01"},  # bpcalc's slope before it could be given
    # Fausett's binary-to-bipolar sigmoid, Zurada's with steepness lambda
    "bipolar_sigmoid": {"slope": 1},
    # LeCun (1998) "Efficient BackProp": f(x) = 1.7159 tanh(2x/3)
    "scaled_tanh": {"a": "1.7159", "b": mpf(2) / 3},
}


def activation_spec(entry) -> tuple:
    """(name, {parameter: mpf}) of a ``network.activations`` entry: a name or an object."""
    if isinstance(entry, str):
        name, given = entry, {}
    else:
        given = dict(entry)
        name = given.pop("name")
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name}")
    defaults = ACTIVATION_DEFAULTS.get(name, {})
    unknown = set(given) - set(defaults)
    if unknown:
        raise ValueError(f"unknown parameters of {name}: {sorted(unknown)}")
    params = {k: to_mpf(given.get(k, v)) for k, v in defaults.items()}
    return name, params


# ---------------------------------------------------------------------------
# conversions / naming
# ---------------------------------------------------------------------------

def to_mpf(x) -> mpf:
    """Exact conversion of a JSON number (int, float or decimal string)."""
    if isinstance(x, bool):
        raise TypeError(f"boolean is not a number: {x!r}")
    if isinstance(x, mpf):
        return x
    if isinstance(x, (int, float, str)):
        return mpf(x)
    raise TypeError(f"not a number: {x!r}")


def weight_name(source_global: int, target_pos: int) -> str:
    if source_global >= 10 or target_pos >= 10:
        return f"w{source_global}_{target_pos}"
    return f"w{source_global}{target_pos}"


def load_problem(path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


class Network:
    """Layout of a dense network in sheet notation."""

    def __init__(self, problem: dict):
        net = problem["network"]
        self.layers = [int(n) for n in net["layers"]]
        self.specs = [activation_spec(a) for a in net["activations"]]
        self.activations = [name for name, _ in self.specs]
        self.loss = net["loss"]
        # "threshold": a threshold theta{k} on a fixed input -1, net = sum(w x) - theta
        self.threshold = net.get("bias", True) == "threshold"
        self.bias = self.threshold or bool(net.get("bias", True))
        if len(self.layers) < 2:
            raise ValueError("need at least an input and an output layer")
        if len(self.activations) != len(self.layers) - 1:
            raise ValueError("one activation per non-input layer")
        for a in self.activations:
            if a not in ACTIVATIONS:
                raise ValueError(f"unknown activation {a}")
        if "softmax" in self.activations[:-1]:
            raise ValueError("softmax only on the output layer")
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss}")

        # global number of the first unit of each layer
        self.first = []
        g = 1
        for n in self.layers:
            self.first.append(g)
            g += n
        n0 = self.layers[0]
        self.n_in = n0
        self.n_out = self.layers[-1]
        self.input_names = [f"f{k}" for k in range(1, n0 + 1)]
        if self.n_out == 1:
            self.target_names = ["t"]
        else:
            self.target_names = [f"t{k}" for k in range(1, self.n_out + 1)]

        # parameter layout: for layer l (1..L), unit position j (1..n_l):
        # [(weight name, source position s (0-based)), ...], bias name or None
        self.units = []  # list per layer of list of (weight list, bias name)
        names = []
        for l in range(1, len(self.layers)):
            layer_units = []
            for j in range(1, self.layers[l] + 1):
                ws = []
                for s in range(self.layers[l - 1]):
                    src = self.first[l - 1] + s
                    name = weight_name(src, j)
                    ws.append((name, s))
                    names.append(name)
                bname = None
                if self.bias:
                    bname = f"{'theta' if self.threshold else 'b'}{self.first[l] + j - 1 - n0}"
                    names.append(bname)
                layer_units.append((ws, bname))
            self.units.append(layer_units)
        self.param_names = names

        # forward quantity names
        self.pre_names = []   # per layer, list of pre-activation names
        self.act_names = []   # per layer, list of activation names
        h = 0
        for l in range(1, len(self.layers)):
            last = l == len(self.layers) - 1
            pres, acts = [], []
            for j in range(1, self.layers[l] + 1):
                if last:
                    if self.n_out == 1:
                        pres.append("o")
                        acts.append("y")
                    else:
                        pres.append(f"o{j}")
                        acts.append(f"y{j}")
                else:
                    h += 1
                    pres.append(f"alpha_H{h}")
                    acts.append(f"H{h}")
            self.pre_names.append(pres)
            self.act_names.append(acts)

    # -- activations, written directly from their definitions --------------
    @staticmethod
    def activate(kind: str, zs: list, params: dict | None = None) -> list:
        params = params or {k: to_mpf(v) for k, v in ACTIVATION_DEFAULTS.get(kind, {}).items()}
        if kind == "bipolar_sigmoid":
            lam = params["slope"]
            return [2 / (1 + mp.exp(-lam * z)) - 1 for z in zs]
        if kind == "scaled_tanh":
            return [params["a"] * mp.tanh(params["b"] * z) for z in zs]
        if kind == "leaky_relu":
            return [z if z > 0 else params["slope"] * z for z in zs]
        if kind == "sigmoid":
            return [1 / (1 + mp.exp(-z)) for z in zs]
        if kind == "tanh":
            return [mp.tanh(z) for z in zs]
        if kind == "relu":
            return [z if z > 0 else mpf(0) for z in zs]
        if kind == "linear":
            return [z for z in zs]
        if kind == "softmax":
            exps = [mp.exp(z) for z in zs]
            total = mp.fsum(exps)
            return [e / total for e in exps]
        raise ValueError(kind)

    # -- forward ----------------------------------------------------------
    def forward(self, params: dict, inputs: list):
        """Return (named forward quantities, pre-activations per layer, outputs)."""
        named = {}
        pres_all = []
        a = list(inputs)
        for li, layer_units in enumerate(self.units):
            zs = []
            for ws, bname in layer_units:
                z = mp.fsum(params[name] * a[s] for name, s in ws)
                if bname is not None:
                    z += -params[bname] if self.threshold else params[bname]
                zs.append(z)
            kind, act_params = self.specs[li]
            a = self.activate(kind, zs, act_params)
            for name, z in zip(self.pre_names[li], zs):
                named[name] = z
            for name, v in zip(self.act_names[li], a):
                named[name] = v
            pres_all.append(zs)
        return named, pres_all, a

    # -- loss, written directly from its formula ---------------------------
    def loss_value(self, ys: list, ts: list) -> mpf:
        kind = self.loss
        if kind == "bce":
            # -sum[t ln y + (1 - t) ln(1 - y)]; a term whose coefficient is
            # exactly 0 is 0 (so y == 1 with t == 1 does not make 0 * -inf)
            total = mpf(0)
            for y, t in zip(ys, ts):
                if t != 0:
                    total += t * mp.log(y)
                if 1 - t != 0:
                    total += (1 - t) * mp.log(1 - y)
            return -total
        if kind == "ce":
            total = mpf(0)
            for y, t in zip(ys, ts):
                if t != 0:
                    total += t * mp.log(y)
            return -total
        if kind == "half_sse":
            return mp.fsum((y - t) ** 2 for y, t in zip(ys, ts)) / 2
        if kind == "sse":
            return mp.fsum((y - t) ** 2 for y, t in zip(ys, ts))
        if kind == "mse":
            return mp.fsum((y - t) ** 2 for y, t in zip(ys, ts)) / len(ys)
        raise ValueError(kind)

    def sample_io(self, sample: dict):
        inputs = [to_mpf(sample[n]) for n in self.input_names]
        targets = [to_mpf(sample[n]) for n in self.target_names]
        return inputs, targets

    def loss_at(self, params: dict, inputs: list, targets: list) -> mpf:
        _, _, ys = self.forward(params, inputs)
        return self.loss_value(ys, targets)

    # -- gradients by central finite differences of the loss ----------------
    def fd_gradients(self, params: dict, inputs: list, targets: list,
                     dps: int = FD_DPS, step_exp: int = FD_STEP_EXP) -> dict:
        return central_differences(lambda p: self.loss_at(p, inputs, targets), params, self.param_names, dps, step_exp)


def central_differences(f, params: dict, names: list, dps: int = FD_DPS, step_exp: int = FD_STEP_EXP) -> dict:
    """(f(p + h) - f(p - h)) / 2h in each of ``names``, at ``dps`` digits, rounded back to the default precision."""
    grads = {}
    with mp.workdps(dps):
        h = mpf(10) ** (-step_exp)
        p = {k: +v for k, v in params.items()}
        for name in names:
            base = p[name]
            p[name] = base + h
            up = f(p)
            p[name] = base - h
            down = f(p)
            p[name] = base
            grads[name] = (up - down) / (2 * h)
    return {k: +v for k, v in grads.items()}


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------

def initial_parameters(problem: dict, net: Network | None = None) -> dict:
    net = net or Network(problem)
    given = problem["parameters"]
    missing = [n for n in net.param_names if n not in given]
    if missing:
        raise KeyError(f"parameters missing from problem: {missing}")
    return {n: to_mpf(given[n]) for n in net.param_names}


def evaluate(problem: dict, params: dict | None = None, sample_index: int = 0) -> dict:
    """Forward pass, loss and FD gradients of one sample (no update)."""
    net = Network(problem)
    if params is None:
        params = initial_parameters(problem, net)
    inputs, targets = net.sample_io(problem["samples"][sample_index])
    named, _, ys = net.forward(params, inputs)
    return {
        "forward": named,
        "loss": net.loss_value(ys, targets),
        "gradients": net.fd_gradients(params, inputs, targets),
    }


def weight_names(net: Network) -> list:
    """The weights (never the biases or thresholds): the names weight decay acts on."""
    return [w for layer in net.units for ws, _ in layer for w, _ in ws]


def objective(net: Network, params: dict, batch: list, decay, reduction: str) -> mpf:
    """The FULL objective of one update: the batch's losses (mean or sum) + (lambda/2) sum w^2 over the weights."""
    losses = [net.loss_at(params, *net.sample_io(s)) for s in batch]
    data = mp.fsum(losses) / (len(losses) if reduction == "mean" else 1)
    return data + decay / 2 * mp.fsum(params[w] ** 2 for w in weight_names(net))


def fd_objective(net: Network, params: dict, batch: list, decay, reduction: str) -> dict:
    """d(objective)/d(parameter) for every parameter, by central finite differences at 110 digits."""
    return central_differences(lambda p: objective(net, p, batch, decay, reduction), params, net.param_names)


class Optimizer:
    """The file's "optimizer", straight from its definition (a separate implementation for the tests).

    sgd:      p <- p - lr*g
    momentum: dp(n) = mu*dp(n-1) - lr*g(n), p <- p + dp(n), dp(0) = 0; with
              nesterov g(n) is taken at p + mu*dp(n-1)
    adam:     Kingma & Ba (2015), Algorithm 1: t += 1; m = b1*m + (1-b1)*g;
              v = b2*v + (1-b2)*g^2; mhat = m/(1-b1^t); vhat = v/(1-b2^t);
              p <- p - lr*mhat/(sqrt(vhat) + eps)
    """

    def __init__(self, spec, lr):
        spec = {"name": spec} if isinstance(spec, str) else dict(spec or {"name": "sgd"})
        self.name = spec["name"]
        self.lr = lr
        self.mu = to_mpf(spec.get("momentum", 0))
        self.nesterov = bool(spec.get("nesterov", False))
        self.b1 = to_mpf(spec.get("beta1", "0.9"))
        self.b2 = to_mpf(spec.get("beta2", "0.999"))
        self.eps = to_mpf(spec.get("epsilon", "1e-8"))
        self.velocity = {}
        self.m = {}
        self.v = {}
        self.t = {}

    def gradient_point(self, params: dict, frozen: set) -> dict:
        if self.name != "momentum" or not self.nesterov:
            return dict(params)
        return {n: p if n in frozen else p + self.mu * self.velocity.get(n, mpf(0)) for n, p in params.items()}

    def step(self, name: str, value, g):
        if self.name == "sgd":
            return value - self.lr * g
        if self.name == "momentum":
            dp = self.mu * self.velocity.get(name, mpf(0)) - self.lr * g
            self.velocity[name] = dp
            return value + dp
        t = self.t[name] = self.t.get(name, 0) + 1
        m = self.m[name] = self.b1 * self.m.get(name, mpf(0)) + (1 - self.b1) * g
        v = self.v[name] = self.b2 * self.v.get(name, mpf(0)) + (1 - self.b2) * g * g
        mhat = m / (1 - self.b1 ** t)
        vhat = v / (1 - self.b2 ** t)
        return value - self.lr * mhat / (mp.sqrt(vhat) + self.eps)


def train(problem: dict) -> dict:
    """Mirror of ``bpcalc run --format json``, with mpmath numbers.

    Returns {"samples": [{"epoch", "sample", "inputs", "targets", "forward",
    "loss", "gradients", "parameters_before", "parameters_after"}, ...],
    "parameters_final": {...}, "updates": [{"gradients": ..., "objective": ...}],
    "epochs": [{"loss_sum", "loss_mean"}]}.  Each update takes the FD gradient of
    its full objective (the batch's losses, mean or sum, plus (lambda/2) sum w^2
    over the weights) at the point the optimizer says, and moves every free
    parameter by the optimizer.  ``online`` = batches of 1, ``batch`` = one
    batch of all the samples, ``minibatch`` = batches of ``batch_size`` (the last
    may be shorter).  ``parameters_after`` differs from ``parameters_before``
    only at a batch's last sample, which carries the batch's update.
    """
    net = Network(problem)
    lr = to_mpf(problem["learning_rate"])
    epochs = int(problem.get("epochs", 1))
    mode = problem.get("update", "online")
    if mode not in ("online", "batch", "minibatch"):
        raise ValueError(f"unknown update mode {mode}")
    frozen = set(problem.get("frozen", []))
    unknown = frozen - set(net.param_names)
    if unknown:
        raise KeyError(f"frozen names that are no parameters: {sorted(unknown)}")
    decay = to_mpf(problem.get("weight_decay", 0))
    reduction = problem.get("reduction", "mean")
    opt = Optimizer(problem.get("optimizer"), lr)
    params = initial_parameters(problem, net)
    samples = problem["samples"]
    size = {"online": 1, "batch": len(samples)}.get(mode) or int(problem["batch_size"])
    out, updates, totals = [], [], []
    for epoch in range(1, epochs + 1):
        losses = []
        for first in range(0, len(samples), size):
            batch = samples[first:first + size]
            point = opt.gradient_point(params, frozen)
            g = fd_objective(net, point, batch, decay, reduction)
            before = dict(params)
            new = {n: params[n] if n in frozen else opt.step(n, params[n], g[n]) for n in net.param_names}
            updates.append({"gradients": g, "objective": objective(net, point, batch, decay, reduction), "at": point})
            for k, sample in enumerate(batch, start=first + 1):
                inputs, targets = net.sample_io(sample)
                named, _, ys = net.forward(point, inputs)
                loss = net.loss_value(ys, targets)
                losses.append(loss)
                last = k == first + len(batch)
                out.append({
                    "epoch": epoch,
                    "sample": k,
                    "inputs": {n: sample[n] for n in net.input_names},
                    "targets": {n: sample[n] for n in net.target_names},
                    "forward": named,
                    "loss": loss,
                    "gradients": net.fd_gradients(point, inputs, targets),
                    "parameters_before": before,
                    "parameters_after": dict(new) if last else dict(before),
                })
            params = new
        totals.append({"loss_sum": mp.fsum(losses), "loss_mean": mp.fsum(losses) / len(losses)})
    return {"samples": out, "parameters_final": dict(params), "updates": updates, "epochs": totals}


def train_file(path) -> dict:
    return train(load_problem(path))


def with_changes(problem: dict, **top_level) -> dict:
    """Deep copy of a problem with some top-level keys replaced."""
    p = copy.deepcopy(problem)
    p.update(top_level)
    return p


SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"


# ---------------------------------------------------------------------------
# comparison helpers for the tests (test-side code; still nothing from bpcalc)
# ---------------------------------------------------------------------------

REL_TOL = 1e-9
#: below this magnitude a float64 number cannot carry 1e-9 relative accuracy
#: anyway (subnormal range); only used as the absolute floor of the check
ABS_FLOOR = 1e-300


def is_close(got, expected, rel: float = REL_TOL, abs_tol: float = ABS_FLOOR) -> bool:
    """math.isclose semantics, evaluated exactly in mpmath.

    ``got`` is a float/int from bpcalc's JSON (converted exactly), ``expected``
    an mpf from this reference.  |got - expected| <= max(rel * max(|got|,
    |expected|), abs_tol).  With abs_tol = 1e-300 a tiny (e.g. 1e-16) but
    non-zero exact value must still be matched to 1e-9 relative.
    """
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return False
    g = mpf(got)
    e = to_mpf(expected)
    return abs(g - e) <= max(rel * max(abs(g), abs(e)), mpf(abs_tol))


def _fmt(x) -> str:
    if isinstance(x, mpf):
        return mp.nstr(x, 20)
    return repr(x)


def compare_mapping(got: dict, expected: dict, where: str, rel: float = REL_TOL) -> list:
    """Every key of ``expected`` must be in ``got`` and agree; returns problems."""
    problems = []
    if not isinstance(got, dict):
        return [f"{where}: expected an object, got {type(got).__name__}"]
    for key, exp in expected.items():
        if key not in got:
            problems.append(f"{where}.{key}: missing (expected {_fmt(exp)})")
            continue
        if not is_close(got[key], exp, rel):
            rel_err = ""
            try:
                if exp != 0:
                    rel_err = f", rel.err {mp.nstr(abs((mpf(got[key]) - exp) / exp), 3)}"
            except Exception:  # pragma: no cover - non-numeric got
                pass
            problems.append(
                f"{where}.{key}: got {_fmt(got[key])}, expected {_fmt(exp)}{rel_err}")
    return problems


def compare_run(got: dict, ref: dict, rel: float = REL_TOL,
                parts=("forward", "loss", "gradients", "parameters_before",
                       "parameters_after"),
                final: bool = True) -> list:
    """Compare bpcalc's JSON (``got``) with ``train(problem)`` (``ref``)."""
    problems = []
    gs = got.get("samples")
    rs = ref["samples"]
    if not isinstance(gs, list) or len(gs) != len(rs):
        n = len(gs) if isinstance(gs, list) else gs
        return [f"samples: expected a list of {len(rs)} entries, got {n}"]
    for i, (g, r) in enumerate(zip(gs, rs)):
        tag = f"samples[{i}](epoch {r['epoch']}, sample {r['sample']})"
        if g.get("epoch") != r["epoch"] or g.get("sample") != r["sample"]:
            problems.append(f"{tag}: numbered epoch={g.get('epoch')!r}, "
                            f"sample={g.get('sample')!r}")
        for part in parts:
            if part == "loss":
                if not is_close(g.get("loss"), r["loss"], rel):
                    problems.append(f"{tag}.loss: got {_fmt(g.get('loss'))}, "
                                    f"expected {_fmt(r['loss'])}")
            else:
                problems.extend(compare_mapping(g.get(part), r[part], f"{tag}.{part}", rel))
    if final:
        problems.extend(compare_mapping(got.get("parameters_final"),
                                        ref["parameters_final"], "parameters_final", rel))
    return problems


def report(problems: list, limit: int = 40) -> str:
    if not problems:
        return ""
    more = f"\n... and {len(problems) - limit} more" if len(problems) > limit else ""
    return f"{len(problems)} mismatch(es):\n" + "\n".join(problems[:limit]) + more


def assert_printed(value, printed: str, what: str = "", mode: str = "round"):
    """``value`` agrees with a number as a source printed it, to its digits.

    ``mode="round"``: |value - printed| <= half a unit in the printed last
    place (what correct rounding to the printed digits means), plus 1e-12 of
    slack for the binary representation.  ``mode="truncate"``: the source
    chopped the digits, so the value must lie between ``printed`` and
    ``printed`` + one unit in the last place (away from zero).
    """
    from decimal import Decimal

    p = Decimal(printed)
    ulp = Decimal(1).scaleb(p.as_tuple().exponent)  # one unit in the last place
    v = Decimal(repr(float(value)))
    slack = Decimal("1e-12")
    if mode == "round":
        ok = abs(v - p) <= ulp / 2 + slack
        expect = f"{printed} (+/- {ulp / 2})"
    elif mode == "truncate":
        if p > 0 or (p == 0 and v >= 0):
            ok = p - slack <= v < p + ulp + slack
        else:
            ok = p - ulp - slack < v <= p + slack
        expect = f"{printed} (digits after the last one chopped)"
    else:  # pragma: no cover
        raise ValueError(mode)
    assert ok, f"{what}: got {float(value)!r}, source prints {expect}"


def load_sample(name):
    """A problem file from samples/, parsed at full precision."""
    return load_problem(SAMPLES_DIR / name)


def assert_matches_reference(got, problem):
    """A whole bpcalc run JSON agrees with this reference's training of ``problem``."""
    problems = compare_run(got, train(problem))
    assert not problems, report(problems)
