"""Update rules beyond plain SGD (momentum, Nesterov, Adam): their settings, how a problem file names them, how a parameter moves."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Union

from bpcalc import formula as F

Num = Union[int, Decimal]

OPTIMIZERS = ("sgd", "momentum", "adam")
KEYS = {"sgd": ("name",), "momentum": ("name", "momentum", "nesterov"), "adam": ("name", "beta1", "beta2", "epsilon")}
ADAM_DEFAULTS = {"beta1": Decimal("0.9"), "beta2": Decimal("0.999"), "epsilon": Decimal("1e-8")}


@dataclass(frozen=True)
class Optimizer:
    """The file's ``optimizer``, as written (numbers exactly as the file gives them)."""

    name: str = "sgd"
    momentum: Num = 0
    nesterov: bool = False
    beta1: Num = ADAM_DEFAULTS["beta1"]
    beta2: Num = ADAM_DEFAULTS["beta2"]
    epsilon: Num = ADAM_DEFAULTS["epsilon"]

    def as_dict(self) -> dict[str, Any]:
        """The settings as a file writes them (JSON numbers as floats)."""
        out: dict[str, Any] = {"name": self.name}
        if self.name == "momentum":
            out.update(momentum=float(self.momentum), nesterov=self.nesterov)
        if self.name == "adam":
            out.update(beta1=float(self.beta1), beta2=float(self.beta2), epsilon=float(self.epsilon))
        return out


SGD_SETTINGS = Optimizer()


def parse_optimizer(raw: Any, number: Callable[[Any, str, str], Num], bad: Callable[[str, str], Exception], describe: Callable[[Any], str]) -> Optimizer:
    """The ``optimizer`` key: a name ("sgd", "adam") or an object {"name": ..., its settings}; every fault names its place."""
    names = ", ".join(OPTIMIZERS)
    if isinstance(raw, str):
        raw = {"name": raw}
        if raw["name"] == "momentum":
            raise bad("optimizer", 'momentum needs its μ: write {"name": "momentum", "momentum": 0.9}')
        where_name = "optimizer"
    else:
        where_name = "optimizer.name"
    if not isinstance(raw, dict):
        raise bad("optimizer", f'expected an optimizer name or an object like {{"name": "momentum", "momentum": 0.9}}, got {describe(raw)}')
    if "name" not in raw:
        raise bad("optimizer.name", f"missing; expected one of {names}")
    name = raw["name"]
    if not isinstance(name, str) or name not in OPTIMIZERS:
        raise bad(where_name, f"unknown optimizer {describe(name)}; expected one of {names}")
    for key in raw:
        if key not in KEYS[name]:
            takes = ", ".join(KEYS[name][1:]) or "no settings"
            hint = " (nesterov is a setting of momentum)" if key == "nesterov" else ""
            raise bad(f"optimizer.{key}", f"unknown setting of {name}{hint}; {name} takes {takes}")

    def fraction(key: str, default: Num | None, low_open: bool = False) -> Num:
        if key not in raw:
            if default is None:
                raise bad(f"optimizer.{key}", "missing; expected a number from 0 up to (not including) 1")
            return default
        what = "a number from 0 up to (not including) 1"
        v = number(raw[key], f"optimizer.{key}", what)
        if not 0 <= v < 1:
            raise bad(f"optimizer.{key}", f"expected {what}, got {v}")
        return v

    if name == "momentum":
        mu = fraction("momentum", None)
        nesterov = raw.get("nesterov", False)
        if not isinstance(nesterov, bool):
            raise bad("optimizer.nesterov", f"expected true or false, got {describe(nesterov)}")
        if nesterov and mu == 0:
            raise bad("optimizer.nesterov", "Nesterov's look-ahead needs a momentum above 0")
        return Optimizer("momentum", mu, nesterov)
    if name == "adam":
        b1 = fraction("beta1", ADAM_DEFAULTS["beta1"])
        b2 = fraction("beta2", ADAM_DEFAULTS["beta2"])
        eps = ADAM_DEFAULTS["epsilon"]
        if "epsilon" in raw:
            eps = number(raw["epsilon"], "optimizer.epsilon", "a positive number")
            if eps <= 0:
                raise bad("optimizer.epsilon", f"expected a positive number, got {eps}")
        return Optimizer("adam", beta1=b1, beta2=b2, epsilon=eps)
    return SGD_SETTINGS


# --- the rules: how one parameter moves (bpcalc.evaluate.UpdateRule) ----------------------------------

@dataclass(frozen=True)
class Column:
    """A column of the update table: the key JSON and CSV use, its header as text and as LaTeX."""

    key: str
    text: str
    latex: str


@dataclass(frozen=True)
class Momentum:
    """Classical momentum, as textbooks write it: Δp(n) = μ·Δp(n−1) − η·g(n), p ← p + Δp(n), Δp(0) = 0.

    With ``nesterov`` the gradient is taken at the look-ahead point p + μ·Δp(n−1).
    """

    mu: Any  # in the number system of the run
    nesterov: bool = False
    name: str = "momentum"
    columns: tuple[Column, ...] = (Column("previous_step", "Δp(n-1)", "\\Delta p(n-1)"),)
    step_column: Column = Column("step", "Δp(n)", "\\Delta p(n)")

    def move(self, m: Any, value: Any, gradient: Any, lr: Any, kept: Any) -> tuple[Any, Any, Any]:
        prev = 0 * value if kept is None else kept
        step = m.step(self.mu * prev - lr * gradient)
        return step, m.step(value + step), step

    def lookahead(self, m: Any, value: Any, kept: Any) -> Any:
        return value if kept is None or not self.nesterov else m.step(value + self.mu * kept)

    def state(self, value: Any, before: Any, after: Any) -> dict[str, Any]:
        return {"previous_step": 0 * value if before is None else before}

    def working(self, lr: Any, gradient: Any, state: dict[str, Any], step: Any, before: Any = None, t: int = 1) -> tuple[tuple[str, F.Expr, Any], ...]:
        """(what, the rule with the numbers substituted, its value)."""
        e = F.Add((F.Mul((F.Num(self.mu, "given"), F.Num(state["previous_step"]))), F.Neg(F.Mul((F.Num(lr, "given"), F.Num(gradient))), True)))
        return (("Δ", e, step),)


@dataclass(frozen=True)
class AdamState:
    t: int
    m: Any
    v: Any
    m_hat: Any
    v_hat: Any


@dataclass(frozen=True)
class Adam:
    """Adam (Kingma & Ba 2015, Algorithm 1): m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², m̂ = m/(1−β1^t),
    v̂ = v/(1−β2^t), p ← p − η·m̂/(√v̂ + ε); m and v start at 0, t counts this parameter's updates."""

    beta1: Any
    beta2: Any
    epsilon: Any
    name: str = "adam"
    columns: tuple[Column, ...] = (
        Column("m", "m", "m"),
        Column("v", "v", "v"),
        Column("m_hat", "m_hat", "\\hat m"),
        Column("v_hat", "v_hat", "\\hat v"),
    )
    step_column: Column = Column("step", "step", "\\eta \\hat m/(\\sqrt{\\hat v} + \\epsilon)")

    def move(self, m: Any, value: Any, gradient: Any, lr: Any, kept: Any) -> tuple[Any, Any, Any]:
        zero = 0 * value
        t, m0, v0 = (1, zero, zero) if kept is None else (kept.t + 1, kept.m, kept.v)
        b1, b2 = self.beta1, self.beta2
        m1 = m.step(b1 * m0 + (1 - b1) * gradient)
        v1 = m.step(b2 * v0 + (1 - b2) * (gradient * gradient))
        mh = m.step(m1 / (1 - b1**t))
        vh = m.step(v1 / (1 - b2**t))
        step = m.step(lr * mh / (m.sqrt(vh) + self.epsilon))
        return step, m.step(value - step), AdamState(t, m1, v1, mh, vh)

    def lookahead(self, m: Any, value: Any, kept: Any) -> Any:
        return value

    def state(self, value: Any, before: Any, after: Any) -> dict[str, Any]:
        return {"m": after.m, "v": after.v, "m_hat": after.m_hat, "v_hat": after.v_hat}

    def working(self, lr: Any, gradient: Any, state: dict[str, Any], step: Any, before: Any = None, t: int = 1) -> tuple[tuple[str, F.Expr, Any], ...]:
        g = F.Num(gradient)
        b1, b2 = F.Num(self.beta1, "given"), F.Num(self.beta2, "given")
        m0, v0 = (0, 0) if before is None else (before.m, before.v)
        one = F.Num(1, "const")
        return (
            ("m", F.Add((F.Mul((b1, F.Num(m0))), F.Mul((F.Add((one, F.Neg(b1))), g)))), state["m"]),
            ("v", F.Add((F.Mul((b2, F.Num(v0))), F.Mul((F.Add((one, F.Neg(b2))), F.Pow(g, 2))))), state["v"]),
            ("m̂", F.Div(F.Num(state["m"]), F.Add((one, F.Neg(F.Pow(b1, t))))), state["m_hat"]),
            ("v̂", F.Div(F.Num(state["v"]), F.Add((one, F.Neg(F.Pow(b2, t))))), state["v_hat"]),
            ("Δ", F.Div(F.Mul((F.Num(lr, "given"), F.Num(state["m_hat"]))), F.Add((F.Call("sqrt", F.Num(state["v_hat"])), F.Num(self.epsilon, "given")))), step),
        )
