"""The problem's network trained on arrays (numpy): the step-by-step engine's arithmetic, one matrix per layer.

Each epoch does what ``bpcalc.evaluate.train`` does sample by sample, with the same saturation-safe
forms (σ from e^(−|z|), 1 − y from the complement, y − t from 1 − y near 1, ln y from softplus and
log-softmax, the stable δ of σ+bce, softmax+ce and σ+ce), so the parameters after every epoch agree
with the engine's to rounding. L2 weight decay adds (λ/2)·Σw² over the weights (never the biases) to
the objective of every update, so each weight's gradient gains λ·w.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

import numpy as np

from bpcalc.errors import BpcalcError
from bpcalc.functions import parse_spec
from bpcalc.network import Network
from bpcalc.optim import SGD_SETTINGS, Optimizer
STABLE = {("bce", "sigmoid"), ("ce", "sigmoid"), ("ce", "softmax")}  # dL/do in a form of its own, without y − t


@dataclass(frozen=True)
class Settings:
    """How to train: the problem's learning rate and update rule, the epochs, L2 decay and frozen parameters."""

    learning_rate: float
    epochs: int
    update: str = "online"  # online: an update after every sample; batch: one per epoch with the mean gradient
    weight_decay: float = 0.0
    frozen: frozenset[str] = frozenset()
    optimizer: Optimizer = SGD_SETTINGS  # bpcalc.optim: sgd, momentum (classical or Nesterov), adam
    batch_size: int | None = None  # samples per update with "minibatch" updates
    reduction: str = "mean"  # a batch's gradients averaged or summed


@dataclass
class Curve:
    """Loss (and accuracy, for 0/1 targets) of one data set at the parameters after each epoch, epoch 0 first."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] | None = None


@dataclass
class History:
    training: Curve
    validation: Curve | None
    parameters: dict[str, float]  # after the last epoch
    snapshots: list[dict[str, float]] | None = None  # after every epoch, when asked for


Progress = Callable[[int], None]


# --- activations and losses on arrays (the forms of bpcalc.functions and bpcalc.arith) ----------

def _sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _sigmoid_parts(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(σ(z), σ(−z) = 1 − σ(z), e^(−|z|)) from one exponential, each as the engine computes it."""
    e = np.exp(-np.abs(z))
    a = 1.0 / (1.0 + e)
    b = e / (1.0 + e)
    return np.where(z >= 0, a, b), np.where(z <= 0, a, b), e


def _others(x: np.ndarray) -> np.ndarray:
    """Per column k, the row sum of every other column (no subtraction, so nothing cancels)."""
    m = x.shape[1]
    return np.stack([np.delete(x, k, axis=1).sum(axis=1) for k in range(m)], axis=1)


def _softmax_parts(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(y, 1 − y, ln y) of softmax rows: the top term's tail kept with log1p, 1 − y as the others' sum."""
    top_index = np.argmax(z, axis=1)
    rows = np.arange(z.shape[0])
    top = z[rows, top_index][:, None]
    e = np.exp(z - top)
    e[rows, top_index] = 0.0
    tail = np.log1p(e.sum(axis=1, keepdims=True))
    lse = top + tail
    p = np.exp(z - lse)
    return p, _others(p), (z - top) - tail


@lru_cache(maxsize=64)
def _spec(spec: str) -> tuple[str, tuple[float, ...]]:
    """An activation's canonical spelling (``leaky_relu(slope=0.1)``) as its name and its parameters as floats."""
    name, values = parse_spec(spec)
    return name, tuple(float(v) for v in values.values())


def _value(spec: str, z: np.ndarray) -> np.ndarray:
    name, p = _spec(spec)
    if name == "sigmoid":
        return _sigmoid(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.where(z > 0, z, 0.0 * z)
    if name == "leaky_relu":
        return np.where(z > 0, z, p[0] * z)
    if name == "bipolar_sigmoid":  # 2/(1 + e^(−λz)) − 1 = tanh(λz/2)
        return np.tanh((p[0] / 2) * z)
    if name == "scaled_tanh":  # a·tanh(b·z)
        return p[0] * np.tanh(p[1] * z)
    if name == "linear":
        return z
    if name == "softmax":
        return _softmax_parts(z)[0]
    raise ValueError(f"unknown activation {name}")


def _saturating(z: np.ndarray, k: float, c: float) -> np.ndarray:
    """c·e / (1 + e)² with e = e^(k·|z|), in place (σ': k = −1, c = 1; tanh': k = −2, c = 4)."""
    e = np.abs(z)
    e *= k
    np.exp(e, out=e)
    d = e + 1.0
    d *= d
    if c != 1.0:
        e *= c
    e /= d
    return e


def _complement(spec: str, z: np.ndarray) -> np.ndarray:
    """1 − a of the activations with an accurate complement besides σ (bpcalc.functions' ``complement``)."""
    name, p = _spec(spec)
    if name == "bipolar_sigmoid":  # 2σ(−λz)
        return 2 * _sigmoid(-p[0] * z)
    if name == "scaled_tanh":  # (1 − a) + a·2σ(−2bz)
        return (1 - p[0]) + p[0] * 2 * _sigmoid(-2 * p[1] * z)
    raise ValueError(f"no complement for {spec}")


def _derivative(spec: str, z: np.ndarray) -> np.ndarray:
    """da/dz of an elementwise activation, accurate where the unit saturates."""
    name, p = _spec(spec)
    if name == "sigmoid":
        return _saturating(z, -1.0, 1.0)
    if name == "tanh":
        return _saturating(z, -2.0, 4.0)
    if name == "relu":  # p[0]: the derivative taken at exactly 0
        return np.where(z > 0, 1.0, np.where(z == 0, p[0], 0.0)) if p[0] else np.where(z > 0, 1.0, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, 1.0, p[0])
    if name == "bipolar_sigmoid":  # (λ/2)·(1 − tanh²(λz/2))
        half = p[0] / 2
        return half * _saturating(half * z, -2.0, 4.0)
    if name == "scaled_tanh":  # a·b·(1 − tanh²(b·z))
        return (p[0] * p[1]) * _saturating(p[1] * z, -2.0, 4.0)
    if name == "linear":
        return np.ones_like(z)
    raise ValueError(f"no elementwise derivative for {name}")


def _nz(c: np.ndarray, v: np.ndarray) -> np.ndarray:
    """c·v, where a zero coefficient wins over an infinite value (0 · ln 0 = 0); callers silence numpy's warnings."""
    return np.where(c != 0, c * v, 0.0)


def _recip(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.where(x != 0, 1.0 / np.where(x != 0, x, 1.0), np.inf)


def constant_loss(loss: str, p: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Per-sample loss of predicting ``p`` for every sample (the baseline of always predicting the mean)."""
    y = np.broadcast_to(p, t.shape)
    n = t.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        if loss == "bce":
            terms = -(_nz(t, np.log(y)) + _nz(1 - t, np.log1p(-y)))
        elif loss == "ce":
            terms = -_nz(t, np.log(y))
        else:
            d = y - t
            terms = {"half_sse": d**2 / 2, "sse": d**2, "mse": d**2 / n}[loss]
    return terms.sum(axis=1)


# --- the model --------------------------------------------------------------------------------

class Model:
    """Weights W[l] (inputs × units) and biases b[l] of each layer, mapped to and from the sheet's names.

    A threshold θ is kept as the bias b = −θ it amounts to (net = Σ w·x − θ): the same sums, and
    gradient steps on b are the steps on θ negated. A bias shared by a layer (``"bias": "per_layer"``) is
    every entry of b[l]; its gradient, the sum over the layer's units, is put in every entry, so they stay equal.
    """

    def __init__(self, net: Network, params: dict[str, float], frozen: frozenset[str] = frozenset()) -> None:
        self.net = net
        pairs = list(zip(net.layers, net.layers[1:]))
        self.W = [np.zeros((a, b)) for a, b in pairs]
        self.b = [np.zeros(b) for _, b in pairs] if net.bias else None
        self.free_W = [np.ones((a, b), dtype=bool) for a, b in pairs]
        self.free_b = [np.ones(b, dtype=bool) for _, b in pairs]
        self.any_frozen = bool(frozen)
        self.state: dict[tuple[str, int], Any] = {}  # the optimizer's state per array
        self.at: tuple[list[np.ndarray], list[np.ndarray] | None] | None = None  # Nesterov's look-ahead point
        self.places: list[tuple[str, int, int | None, int]] = []
        for p in net.params:
            layer, col = p.target.layer - 1, p.target.position - 1
            row = None if p.is_bias else p.source.position - 1  # type: ignore[union-attr]
            self.places.append((p.name, layer, row, col))
            if row is None:  # a bias shared by a layer (per_layer) is every unit's entry, kept equal by equal gradients
                cols = slice(None) if net.per_layer else col
                self.b[layer][cols] = net.bias_input * float(params[p.name])  # type: ignore[index]
                self.free_b[layer][cols] = p.name not in frozen
            else:
                self.W[layer][row, col] = float(params[p.name])
                self.free_W[layer][row, col] = p.name not in frozen

    def parameters(self) -> dict[str, float]:
        out = {}
        sign = self.net.bias_input
        for name, layer, row, col in self.places:
            out[name] = float(sign * self.b[layer][col] if row is None else self.W[layer][row, col])  # type: ignore[index]
        return out

    def forward(self, x: np.ndarray) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """(pre-activations, outputs) of every layer after the inputs; σ and softmax outputs are left to ``head``."""
        out: list[tuple[np.ndarray, np.ndarray | None]] = []
        a = x
        last = len(self.W) - 1
        for layer, w in enumerate(self.W):
            z = a @ w
            if self.b is not None:
                z += self.b[layer]
            name = self.net.activations[layer]
            a = None if layer == last and name in ("sigmoid", "softmax") else _value(name, z)  # type: ignore[assignment]
            out.append((z, a))
        return out

    def head(
        self, z: np.ndarray, y: np.ndarray | None, t: np.ndarray, delta: bool = True, losses: bool = True
    ) -> tuple[np.ndarray | None, np.ndarray, np.ndarray | None]:
        """Per-sample losses (if asked), the outputs and, if asked, dL/do for every output, as the engine computes them."""
        net = self.net
        act = net.activation(len(net.layers) - 1)
        spec = net.activations[-1]
        loss = net.loss
        n = t.shape[1]
        softmax = act.name == "softmax"
        accurate = act.complement is not None
        if softmax:
            y, ybar, log_softmax = _softmax_parts(z)
        elif act.name == "sigmoid":
            y, ybar, e = _sigmoid_parts(z)
        elif accurate:
            ybar = _complement(spec, z)
        else:
            ybar = 1 - y
        if not loss.needs_probability or (loss.name, act.name) not in STABLE:
            d = np.where(y > 0.5, (1 - t) - ybar, y - t) if accurate else y - t
        total = None
        if loss.needs_probability and (losses or not accurate):
            if act.name == "sigmoid":
                tail = np.log1p(e)  # ln y = −softplus(−z), ln(1 − y) = −softplus(z), softplus(u) = max(u, 0) + ln(1 + e^(−|u|))
                ly, l1y = -(np.maximum(-z, 0.0) + tail), -(np.maximum(z, 0.0) + tail)
            elif softmax:
                ly, l1y = log_softmax, np.log(ybar)
            else:
                bad = ~((y > 0) & (1 - y > 0))
                if bad.any():
                    i, k = np.argwhere(bad)[0]
                    name = net.outputs[k].name
                    raise BpcalcError(
                        f"sample {i + 1}: the {net.loss_name} loss needs outputs between 0 and 1, but {name} = {y[i, k]:.6g}"
                        f" (the {act.name} output can leave that range; use sigmoid or softmax)"
                    )
                ly, l1y = np.log(y), np.log1p(-y)
        if losses:
            finite = act.name == "sigmoid"  # ln y and ln(1 − y) from softplus are finite: 0·v needs no guard
            if loss.name == "bce":
                terms = -(t * ly + (1 - t) * l1y) if finite else -(_nz(t, ly) + _nz(1 - t, l1y))
            elif loss.name == "ce":
                terms = -(t * ly) if finite else -_nz(t, ly)
            else:
                terms = {"half_sse": d**2 / 2, "sse": d**2, "mse": d**2 / n}[loss.name]
            total = terms.sum(axis=1) if n > 1 else terms[:, 0]
        if not delta:
            return total, y, None
        key = (loss.name, act.name)
        if key == ("bce", "sigmoid"):
            return total, y, (1 - t) * y - t * ybar
        if key == ("ce", "sigmoid"):
            return total, y, -t * ybar
        if key == ("ce", "softmax"):
            tot = t.sum(axis=1, keepdims=True)
            return total, y, np.where(y > 0.5, -tot * ybar + _others(t), y * tot - t)
        if loss.name == "bce":
            dldy = _nz(-t, _recip(y)) + _nz(1 - t, _recip(ybar))
        elif loss.name == "ce":
            dldy = _nz(-t, _recip(y))
        else:
            dldy = {"half_sse": d, "sse": 2 * d, "mse": 2 * d / n}[loss.name]
        if not softmax:
            return total, y, dldy * _derivative(spec, z)
        # dL/do_k = Σ_j dL/dy_j · dy_j/do_k, with dy_k/do_k = y_k(1 − y_k) and dy_j/do_k = −y_j·y_k
        jac = -y[:, :, None] * y[:, None, :]
        idx = np.arange(n)
        jac[:, idx, idx] = y * ybar
        return total, y, np.einsum("nj,njk->nk", dldy, jac)

    def gradients(
        self, x: np.ndarray, t: np.ndarray, losses: bool = True
    ) -> tuple[np.ndarray | None, np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """Per-sample losses (if asked), the outputs, and the gradients summed over the rows of ``x``."""
        layers = self.forward(x)
        z, y = layers[-1]
        total, y, delta = self.head(z, y, t, losses=losses)
        gw: list[np.ndarray] = [np.empty(0)] * len(self.W)
        gb: list[np.ndarray] = [np.empty(0)] * len(self.W)
        for layer in range(len(self.W) - 1, -1, -1):
            below = x if layer == 0 else layers[layer - 1][1]
            gw[layer] = below.T @ delta  # type: ignore[union-attr]
            gb[layer] = delta.sum(axis=0)
            if self.net.per_layer:  # one bias shared by the layer: its gradient is the sum over the layer's units, in every entry
                gb[layer] = np.full_like(gb[layer], gb[layer].sum())
            if layer:
                zb = layers[layer - 1][0]
                delta = (delta @ self.W[layer].T) * _derivative(self.net.activations[layer - 1], zb)
        return total, y, gw, gb

    def step(self, gw: list[np.ndarray], gb: list[np.ndarray], count: int, s: Settings) -> None:
        """Every free parameter moved by the optimizer on g/count (+ λ·w for a weight); frozen parameters kept.

        The rule's state (momentum's Δp, Adam's m, v and t) is kept per array, from 0, as the engine keeps it
        per parameter; with Nesterov ``gradients`` were taken at :meth:`lookahead`'s point, which the decay uses too.
        """
        opt = s.optimizer
        at = self.at if self.at is not None else (self.W, self.b)
        for kind, arrays, grads, free in (("W", self.W, gw, self.free_W), ("b", self.b, gb, self.free_b)):
            if arrays is None:
                continue
            for layer in range(len(arrays)):
                g = grads[layer] / count if count != 1 else grads[layer]  # x / 1 is x
                if kind == "W" and s.weight_decay:
                    g = g + s.weight_decay * at[0][layer]
                old = arrays[layer]
                key = (kind, layer)
                if opt.name == "momentum":
                    v = float(opt.momentum) * self.state.get(key, 0.0) - s.learning_rate * g
                    new = old + v
                    self.state[key] = np.where(free[layer], v, 0.0) if self.any_frozen else v
                elif opt.name == "adam":
                    b1, b2, eps = float(opt.beta1), float(opt.beta2), float(opt.epsilon)
                    t, m0, v0 = self.state.get(key, (0, 0.0, 0.0))
                    t += 1
                    m1 = b1 * m0 + (1 - b1) * g
                    v1 = b2 * v0 + (1 - b2) * (g * g)
                    new = old - s.learning_rate * (m1 / (1 - b1**t)) / (np.sqrt(v1 / (1 - b2**t)) + eps)
                    self.state[key] = (t, m1, v1)
                else:
                    new = old - s.learning_rate * g
                arrays[layer] = np.where(free[layer], new, old) if self.any_frozen else new
        self.at = None

    def at_lookahead(self, x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray | None, np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """The summed gradients over the rows, taken at the look-ahead point where there is one."""
        if self.at is None:
            return self.gradients(x, t, losses=False)
        saved = (self.W, self.b)
        self.W, self.b = self.at
        try:
            return self.gradients(x, t, losses=False)
        finally:
            self.W, self.b = saved

    def lookahead(self, s: Settings) -> None:
        """Nesterov: the weights and biases moved to p + μ·Δp(n−1) for the next gradients (``step`` moves from p)."""
        if s.optimizer.name != "momentum" or not s.optimizer.nesterov or not self.state:
            self.at = None
            return
        mu = float(s.optimizer.momentum)
        self.at = ([w + mu * self.state.get(("W", i), 0.0) for i, w in enumerate(self.W)],
                   None if self.b is None else [b + mu * self.state.get(("b", i), 0.0) for i, b in enumerate(self.b)])

    def evaluate(self, x: np.ndarray, t: np.ndarray, classify: bool) -> tuple[float, float | None]:
        """Mean loss over the rows, and accuracy when the targets are classes."""
        z, y = self.forward(x)[-1]
        total, y, _ = self.head(z, y, t, delta=False)
        return measure(total, y, t, classify)

    def finite(self) -> bool:
        arrays = self.W + (self.b or [])
        return all(bool(np.isfinite(a).all()) for a in arrays)


def measure(total: np.ndarray, y: np.ndarray, t: np.ndarray, classify: bool) -> tuple[float, float | None]:
    """Mean of the per-sample losses, and the share of samples classed right when the targets are classes."""
    loss = float(total.sum() / len(total))
    if not classify:
        return loss, None
    if t.shape[1] == 1:
        right = (y[:, 0] > 0.5) == (t[:, 0] > 0.5)
    else:
        right = np.argmax(y, axis=1) == np.argmax(t, axis=1)
    return loss, float(right.mean())


def is_classification(targets: np.ndarray) -> bool:
    """0/1 targets, one class per row where there are several outputs."""
    binary = bool(np.isin(targets, (0.0, 1.0)).all())
    return binary and (targets.shape[1] == 1 or bool((targets.sum(axis=1) == 1).all()))


def fit(
    net: Network,
    params: dict[str, float],
    settings: Settings,
    x: np.ndarray,
    t: np.ndarray,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    progress: Progress | None = None,
    keep: bool = False,
) -> History:
    """Train from ``params`` for ``settings.epochs`` epochs; losses at the start and after every epoch."""
    model = Model(net, params, settings.frozen)
    classify = is_classification(t) and (validation is None or is_classification(validation[1]))
    train_curve = Curve(accuracy=[] if classify else None)
    val_curve = Curve(accuracy=[] if classify else None) if validation is not None else None
    snapshots: list[dict[str, float]] | None = [] if keep else None
    count = len(x)

    def record(epoch: int, total: np.ndarray | None = None, y: np.ndarray | None = None) -> None:
        if total is None:
            loss, acc = model.evaluate(x, t, classify)
        else:
            loss, acc = measure(total, y, t, classify)  # type: ignore[arg-type]
        if not np.isfinite(loss) or (epoch == settings.epochs and not model.finite()):
            raise BpcalcError(
                f"epoch {epoch}: the numbers leave the range of a double; try a smaller learning rate or smaller inputs"
            )
        train_curve.loss.append(loss)
        if classify:
            train_curve.accuracy.append(acc)  # type: ignore[union-attr, arg-type]
        if validation is not None:
            vl, va = model.evaluate(validation[0], validation[1], classify)
            val_curve.loss.append(vl)  # type: ignore[union-attr]
            if classify:
                val_curve.accuracy.append(va)  # type: ignore[union-attr, arg-type]

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(1, settings.epochs + 1):
            plain = settings.optimizer.name != "momentum" or not settings.optimizer.nesterov
            if settings.update == "batch" and plain:
                total, y, gw, gb = model.gradients(x, t)
                record(epoch - 1, total, y)  # the pass that makes the update measures the parameters before it
                model.step(gw, gb, count if settings.reduction == "mean" else 1, settings)
            else:
                record(epoch - 1)
                size = {"online": 1, "batch": count}.get(settings.update) or settings.batch_size or 1
                for i in range(0, count, size):
                    rows = slice(i, min(i + size, count))
                    model.lookahead(settings)
                    _, _, gw, gb = model.at_lookahead(x[rows], t[rows])
                    n = rows.stop - rows.start
                    model.step(gw, gb, n if settings.reduction == "mean" else 1, settings)
            if keep:
                snapshots.append(model.parameters())  # type: ignore[union-attr]
            if progress is not None:
                progress(epoch)
        record(settings.epochs)
    return History(train_curve, val_curve, model.parameters(), snapshots)
