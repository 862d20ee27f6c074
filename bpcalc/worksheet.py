"""The worksheet of a run, free of any format: Given block, then per sample sections of steps, as the sheet works them.

Built once from a :class:`~bpcalc.evaluate.Run` with the view (``--sample``, ``--show``, precision)
applied here, so every printer walks the same sheet. Numbers stay numbers; ``Worksheet.numbers``
says how this run's numbers are shown, and printers format them. Formulas are
:mod:`bpcalc.formula` trees over structured :mod:`bpcalc.names`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from bpcalc import formula as F
from bpcalc import names as N
from bpcalc.evaluate import Run, SampleResult, update_rule
from bpcalc.formula import BUILD, Expr, Num, Sym
from bpcalc.names import SHEET, Name, Notation
from bpcalc.network import Network
from bpcalc.render.numbers import given
from bpcalc.render.values import Numbers

SECTIONS = ("forward", "gradients", "updates", "parameters")


@dataclass(frozen=True)
class View:
    """What to show: applied once, when the worksheet is built."""

    precision: int = 3
    show: tuple[str, ...] = SECTIONS
    sample: int | None = None
    epoch: int | None = None  # show this epoch only (--epoch K, --last)
    notation: Notation = SHEET  # how names are spelled (file and JSON keys are the sheet's whatever this says)


@dataclass(frozen=True)
class Step:
    """One line of the sheet: target = formula = the sheet's forms = numbers substituted = value."""

    target: Name
    formula: Expr | None
    value: Any
    forms: tuple[Expr, ...] = ()
    substituted: Expr | None = None


@dataclass(frozen=True)
class UpdateRow:
    name: Name
    old: Any
    gradient: Any
    step: Any
    new: Any
    frozen: bool = False
    loss_gradient: Any = None  # weight decay: the loss's part of ``gradient``
    decay: Any = None  # weight decay: λ·w (0 for a bias)
    state: tuple[Any, ...] = ()  # the rule's state, one per ``Section.rule.columns`` (frozen parameters: none)
    working: tuple[tuple[str, Expr, Any], ...] = ()  # the rule with the numbers substituted: (what, formula, value)


@dataclass(frozen=True)
class Section:
    """kind: forward, backward (factor side results and deltas), gradients, updates, parameters or epoch (totals)."""

    kind: str
    title: str
    steps: tuple[Step, ...] = ()
    updates: tuple[UpdateRow, ...] = ()
    layers: tuple[tuple[tuple[Name, Any], ...], ...] = ()  # parameters: per layer (name, value)
    rule: Any = None  # updates: the UpdateRule (its columns and step header), None for plain SGD
    count: int = 0  # updates: this update's number in the run (Adam's t)
    objective: tuple[Any, Any, Any] | None = None  # updates with weight decay: (loss, (λ/2)·Σw², their sum)
    total: Any = None  # epoch: the run's EpochTotal


@dataclass(frozen=True)
class SampleSheet:
    epoch: int
    sample: int
    heading: str  # "Sample 1" / "Epoch 2, sample 1"
    givens: tuple[tuple[Name, Any], ...]  # inputs and targets, as written
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class Given:
    """The sheet's "Substitute values": η, the initial parameters per layer and the samples, as written."""

    learning_rate: Any
    layers: tuple[tuple[tuple[Name, Any], ...], ...]
    samples: tuple[tuple[int, tuple[tuple[Name, Any], ...]], ...]


@dataclass(frozen=True)
class Worksheet:
    title: str
    network: Network
    summary: tuple[str, ...]  # "2-3-1 network", "activations tanh, sigmoid", ...
    mode_note: str  # "" in float mode
    numbers: Numbers
    given: Given
    samples: tuple[SampleSheet, ...]
    run: Run = field(repr=False)
    view: View = View()

    @property
    def notation(self) -> Notation:
        return self.view.notation


# --- formulas of the network, built once ------------------------------------------------------------

ACT_FN = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "max0"}


def unit_of(net: Network, name: Name) -> Any:
    for row in net.units:
        for u in row:
            if u.id == name:
                return u
    raise KeyError(name)


@dataclass
class Forms:
    """The sheet's symbolic forms of every chain-rule factor of a network (one build per worksheet)."""

    net: Network
    factors: dict[Name, Expr] = field(default_factory=dict)
    cache: dict[Any, Any] = field(default_factory=dict)  # formulas by (what, where): shared by every sample

    def once(self, key: Any, make: Any) -> Any:
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]

    def gradients(self) -> list[tuple[str, Name, Expr, tuple[Expr, ...], tuple[str, ...]]]:
        """Per parameter in backpropagation order: its name, dL/dq, the chain's factor names, their sheet forms, their keys."""

        def make() -> list[tuple[str, Name, Expr, tuple[Expr, ...], tuple[str, ...]]]:
            out = []
            for q in self.net.backprop_params():
                names = self.net.chain_names(q)
                out.append((q.name, N.factor(N.LOSS, q.id), F.product([Sym(f) for f in names]), tuple(self.of(f) for f in names), self.net.chain(q)))
            return out

        return self.once("gradients", make)  # type: ignore[no-any-return]

    def of(self, f: Name) -> Expr:
        if f not in self.factors:
            self.factors[f] = self._make(f)
        return self.factors[f]

    def _make(self, f: Name) -> Expr:
        top, bottom = f.parts
        net = self.net
        if top == N.LOSS:
            if bottom.kind == "output":
                return net.loss.symbolic_grad(BUILD, Sym(bottom), Sym(N.target(bottom)), len(net.outputs))
            if bottom.kind == "pre" and bottom.unit.kind == "output":  # softmax: the sum over the outputs
                return _softmax_delta_form(net, bottom.unit, Sym)
            u = unit_of(net, bottom)
            nxt = net.units[u.layer + 1]
            return F.Add(tuple(F.Mul((Sym(N.weight(u.number, k.position)), Sym(N.delta(k.id)))) for k in nxt))
        if bottom.kind == "pre":  # da/dz of the unit's activation
            u = unit_of(net, top)
            return net.activation(u.layer).sheet(BUILD, Sym(bottom))
        if bottom.kind == "weight":
            return Sym(_source(net, bottom))
        if bottom.kind in ("bias", "threshold"):  # dα/dβ = 1; dα/dθ = -1, θ sitting on the fixed input -1
            return Num(net.bias_input, "const")
        return Sym(_weight_between(net, bottom, top))  # do/dH1 = w31


def _source(net: Network, w: Name) -> Name:
    return next(u.id for row in net.units for u in row if u.number == w.index[0])


def _weight_between(net: Network, source: Name, pre_of: Name) -> Name:
    s = unit_of(net, source)
    t = unit_of(net, pre_of.unit)
    return N.weight(s.number, t.position)


def _softmax_delta_form(net: Network, unit: Name, leaf: Any) -> Expr:
    outs = net.outputs
    act = net.activation(len(net.layers) - 1)
    ys = [leaf(u.id) for u in outs]
    k = next(i for i, u in enumerate(outs) if u.id == unit)
    terms = [net.loss.symbolic_grad(BUILD, ys[j], leaf(N.target(outs[j].id)), len(outs)) * act.simple(BUILD, ys, j, k) for j in range(len(outs))]
    return BUILD.Add(*terms)


def _substitute(e: Expr, values: dict[Name, Any]) -> Expr:
    """The tree with every name that has a value replaced by that number."""
    if isinstance(e, Sym):
        return Num(values[e.name]) if e.name in values else e
    if isinstance(e, F.Add):
        return F.Add(tuple(_substitute(t, values) for t in e.terms))
    if isinstance(e, F.Mul):
        return F.Mul(tuple(_substitute(t, values) for t in e.factors), e.times)
    if isinstance(e, F.Div):
        return F.Div(_substitute(e.num, values), _substitute(e.den, values))
    if isinstance(e, F.Pow):
        return F.Pow(_substitute(e.base, values), e.exp)
    if isinstance(e, F.Neg):
        return F.Neg(_substitute(e.arg, values), e.as_written)
    if isinstance(e, F.Call):
        return F.Call(e.fn, _substitute(e.arg, values))
    if isinstance(e, F.Cases):
        return F.Cases(tuple((_substitute(v, values), None if c is None else _substitute(c, values)) for v, c in e.pairs))
    if isinstance(e, F.Cmp):
        return F.Cmp(_substitute(e.left, values), e.op, _substitute(e.right, values))
    return e


# --- sections ---------------------------------------------------------------------------------------

def _known(net: Network, r: SampleResult) -> dict[Name, Any]:
    """Every value of the sample by name: inputs, targets, parameters before, forward values, factors, deltas."""
    p = r.pass_
    out: dict[Name, Any] = {}
    for u in net.inputs:
        out[u.id] = r.inputs[u.name]
    for u in net.outputs:
        out[u.target_id] = r.targets[u.target]
    at = r.at or r.before  # Nesterov: the look-ahead point the pass was taken at
    for q in net.params:
        out[q.id] = at[q.name]
    for row in net.units[1:]:
        for u in row:
            out[u.pre_id] = p.forward[u.pre]
            out[u.id] = p.forward[u.name]
            out[u.delta_id] = p.deltas[u.pre]
    return out


def pre_formula(net: Network, li: int, pos: int) -> Expr:
    """α_H1 = f1·w11 + f2·w21 + β1, or f1·w11 + f2·w21 - θ1 for a threshold."""
    u = net.units[li][pos]
    terms: list[Expr] = [F.Mul((Sym(s.id), Sym(N.weight(s.number, u.position)))) for s in net.units[li - 1]]
    if u.bias:
        b = Sym(net.param_index[u.bias].id)
        terms.append(F.Neg(b, as_written=True) if net.threshold else b)
    return F.Add(tuple(terms)) if len(terms) > 1 else terms[0]


def act_formula(net: Network, li: int, pos: int) -> tuple[Expr, tuple[Expr, ...]]:
    """The activation as named (σ(o), tanh(α_H1)) and, where it says more, its definition (1/(1 + e^(-o)))."""
    act = net.activation(li)
    u = net.units[li][pos]
    z = Sym(u.pre_id)
    if not act.elementwise:
        return act.symbolic(BUILD, [Sym(v.pre_id) for v in net.units[li]], pos), ()
    fn = ACT_FN.get(act.name)
    definition = act.symbolic(BUILD, z)
    return (F.Call(fn, z) if fn else definition), ((definition,) if fn == "sigmoid" else ())


def loss_formula(net: Network) -> Expr:
    ys = [(Sym(u.id), Sym(N.target(u.id))) for u in net.outputs]
    return BUILD.Add(*[net.loss.symbolic(BUILD, y, t, len(ys)) for y, t in ys])


def forward_steps(net: Network, r: SampleResult, known: dict[Name, Any], cache: Forms) -> tuple[Step, ...]:
    out: list[Step] = []
    p = r.pass_
    for li in range(1, len(net.layers)):
        for pos, u in enumerate(net.units[li]):
            formula = cache.once(("pre", li, pos), lambda: pre_formula(net, li, pos))
            out.append(Step(u.pre_id, formula, p.forward[u.pre], substituted=_substitute(formula, known)))
        for pos, u in enumerate(net.units[li]):
            formula, forms = cache.once(("act", li, pos), lambda: act_formula(net, li, pos))
            sub = _substitute(forms[-1] if forms else formula, {u.pre_id: p.forward[u.pre]}) if net.activation(li).elementwise else None
            out.append(Step(u.id, formula, p.forward[u.name], forms, sub))
    out.append(Step(N.LOSS, cache.once("loss", lambda: loss_formula(net)), p.loss))
    return tuple(out)


def backward_steps(net: Network, r: SampleResult, known: dict[Name, Any], forms: Forms) -> tuple[Step, ...]:
    """The factor side results once, then each unit's δ, output layer first: the sheet's boxed values."""
    out: list[Step] = []
    fac = r.pass_.factors
    last = len(net.layers) - 1
    act = net.activation(last)
    for u in net.outputs:
        delta = N.delta(u.id)
        if act.elementwise:
            dldy, dydo = N.factor(N.LOSS, u.id), N.factor(u.id, u.pre_id)
            for f in (dldy, dydo):
                form = forms.of(f)
                out.append(Step(f, form, fac[f.key], (), _substitute(form, known)))
            formula = forms.once(("delta", u.name), lambda: F.Mul((Sym(dldy), Sym(dydo))))
            out.append(Step(delta, formula, known[delta], (), F.times([fac[dldy.key], fac[dydo.key]])))
        else:
            f = N.factor(N.LOSS, u.pre_id)
            out.append(Step(delta, forms.of(f), known[delta], (), _substitute(forms.of(f), known)))
    for li in range(last - 1, 0, -1):
        for u in net.units[li]:
            dldh, dhda, delta = N.factor(N.LOSS, u.id), N.factor(u.id, u.pre_id), N.delta(u.id)
            for f in (dldh, dhda):
                form = forms.of(f)
                out.append(Step(f, form, fac[f.key], (), _substitute(form, known)))
            formula = forms.once(("delta", u.name), lambda: F.Mul((Sym(dldh), Sym(dhda))))
            out.append(Step(delta, formula, known[delta], (), F.times([fac[dldh.key], fac[dhda.key]])))
    return tuple(out)


def gradient_steps(net: Network, r: SampleResult, forms: Forms) -> tuple[Step, ...]:
    """Every parameter's chain rule, in backpropagation order (output layer first), as the sheet works them."""
    out = []
    factors, gradients = r.pass_.factors, r.pass_.gradients
    for name, target, formula, sheet, keys in forms.gradients():
        q = net.param_index[name]
        if net.per_layer and q.is_bias:  # a bias shared by the layer: dL/db = the sum of its units' δ
            us = net.sharing(q)
            sum_ = F.Add(tuple(Sym(N.delta(u.id)) for u in us))  # type: ignore[arg-type]
            out.append(Step(target, sum_, gradients[name], (), F.Add(tuple(Num(r.pass_.deltas[u.pre]) for u in us))))
            continue
        out.append(Step(target, formula, gradients[name], sheet, F.times([factors[k] for k in keys])))
    return tuple(out)


def update_rows(run: Run, r: SampleResult, rule: Any = None) -> tuple[UpdateRow, ...]:
    """Each parameter's update: old, gradient (with decay: its loss part and λ·w), the rule's state and working, step, new."""
    u = r.update
    assert u is not None
    net = run.problem.network
    frozen = run.problem.frozen
    decayed = bool(u.decay) or u.objective is not None
    rows = []
    for q in net.params:
        k = q.name
        extra: dict[str, Any] = {}
        if decayed:
            extra.update(loss_gradient=u.loss_gradients[k], decay=u.decay.get(k, 0 * u.before[k]))
        if rule is not None and k not in frozen:
            state = {key: u.state[key][k] for key in u.state}
            extra["state"] = tuple(state[c.key] for c in rule.columns)
            extra["working"] = rule.working(_lr(run), u.gradients[k], state, u.steps[k], u.prior.get(k), getattr(u.kept[k], "t", 1))
        rows.append(UpdateRow(q.id, u.before[k], u.gradients[k], u.steps[k], u.after[k], k in frozen, **extra))
    return tuple(rows)


def _lr(run: Run) -> Any:
    return run.math.num(run.problem.learning_rate)


def parameter_layers(net: Network, values: dict[str, Any]) -> tuple[tuple[tuple[Name, Any], ...], ...]:
    return tuple(tuple((q.id, values[q.name]) for q in net.params_into(li)) for li in range(1, len(net.layers)))


def summary(run: Run, notation: Notation = SHEET) -> tuple[str, ...]:
    pr = run.problem
    net = pr.network
    bits = [
        f"{'-'.join(map(str, net.layers))} network",
        "activations " + ", ".join(net.activations),
        f"loss {net.loss_name}",
        f"{pr.update} updates" if pr.update != "minibatch" else f"mini-batches of {pr.batch_size}",
        f"{pr.epochs} epoch{'s' if pr.epochs != 1 else ''}",
    ]
    if pr.update != "online" and pr.reduction == "sum":
        bits.append("batch gradients summed")
    opt = pr.optimizer
    if opt.name == "momentum":
        bits.append(("Nesterov momentum" if opt.nesterov else "momentum") + f" μ = {given(opt.momentum)}")
    if opt.name == "adam":
        bits.append(f"Adam β1 = {given(opt.beta1)}, β2 = {given(opt.beta2)}, ε = {given(opt.epsilon)}")
    if pr.weight_decay:
        bits.append(f"weight decay λ = {given(pr.weight_decay)}")
    if not net.bias:
        bits.append("no biases")
    if net.threshold:
        bits.append("thresholds θ on a fixed input -1")
    if pr.frozen:
        bits.append("frozen: " + ", ".join(notation.text(q.id) for q in net.params if q.name in pr.frozen))
    return tuple(bits)


def mode_note(run: Run) -> str:
    m = run.math
    if m.name == "rounded":
        return f"Hand-rounded: every intermediate result shown is rounded to {m.decimals} decimals (half up) before it is used further."
    if m.name == "exact":
        return (
            f"Exact arithmetic: inputs and parameters as exact rationals, closed forms where they stay short, "
            f"decimals to {m.digits} significant digits."
        )
    return ""


def update_where(run: Run, r: SampleResult) -> str:
    pr = run.problem
    if pr.update == "batch":
        return f"epoch {r.epoch}"
    if pr.update == "minibatch" and r.update is not None:
        first, last = r.update.samples
        span = f"samples {first}-{last}" if first != last else f"sample {last}"
        return f"{span} of epoch {r.epoch}" if pr.epochs > 1 else span
    return f"epoch {r.epoch}, sample {r.sample}" if pr.epochs > 1 else f"sample {r.sample}"


def build(run: Run, view: View = View()) -> Worksheet:
    """The worksheet of ``run``, with ``view`` applied."""
    pr = run.problem
    net = pr.network
    forms = Forms(net)
    samples = []
    rule = None if pr.optimizer.name == "sgd" else update_rule(pr, run.math)
    last = len(pr.samples)
    for r in run.results:
        if (view.sample is not None and r.sample != view.sample) or (view.epoch is not None and r.epoch != view.epoch):
            continue
        known = _known(net, r)
        sections: list[Section] = []
        if "forward" in view.show:
            title = "Forward pass" if r.at is None else "Forward pass at the look-ahead point p + μ·Δp(n-1)"
            sections.append(Section("forward", title, forward_steps(net, r, known, forms)))
        if "gradients" in view.show:
            sections.append(Section("backward", "Backward pass: factors and deltas", backward_steps(net, r, known, forms)))
            sections.append(Section("gradients", "Gradients (chain rule), output layer first", gradient_steps(net, r, forms)))
            words = getattr(view.notation, "course_section", None)  # a textbook's own quantities (Han–Kamber–Pei's Err_j)
            if words is not None:
                sections.insert(-1, words(r))
        if r.update is not None:
            if "updates" in view.show:
                title = {"batch": f"Batch update after epoch {r.epoch}", "minibatch": f"Mini-batch update after {update_where(run, r)}"}.get(pr.update, "Update")
                sections.append(Section("updates", title, updates=update_rows(run, r, rule), rule=rule, count=r.update.count, objective=r.update.objective))
            if "parameters" in view.show:
                sections.append(Section("parameters", f"Parameters after {update_where(run, r)}", layers=parameter_layers(net, r.after)))
        if r.sample == last and view.sample is None and "forward" in view.show and run.epochs:
            sections.append(Section("epoch", f"Epoch {r.epoch} totals", total=run.epochs[r.epoch - 1]))
        heading = f"Epoch {r.epoch}, sample {r.sample}" if pr.epochs > 1 else f"Sample {r.sample}"
        samples.append(SampleSheet(r.epoch, r.sample, heading, _givens(net, r.inputs, r.targets), tuple(sections)))
    given = Given(
        pr.learning_rate,
        parameter_layers(net, pr.parameters),
        tuple((i, _givens(net, s.inputs, s.targets)) for i, s in enumerate(pr.samples, start=1)),
    )
    return Worksheet(pr.title, net, summary(run, view.notation), mode_note(run), Numbers(run.math, view.precision), given, tuple(samples), run, view)


def _givens(net: Network, inputs: dict[str, Any], targets: dict[str, Any]) -> tuple[tuple[Name, Any], ...]:
    return tuple((u.id, inputs[u.name]) for u in net.inputs) + tuple((N.target(u.id), targets[u.target]) for u in net.outputs)


# --- the flat walk of values (JSON, CSV) ----------------------------------------------------------

@dataclass(frozen=True)
class Value:
    """One value of a run: group names the JSON object it belongs to (forward, factors, deltas, gradients,
    update.gradients, update.steps, parameters_before, parameters_after; loss is group forward, key loss)."""

    epoch: int
    sample: int
    group: str
    key: str
    value: Any
    updated: bool = False  # an update was made right after this sample


GROUP_SECTION = {
    "forward": "forward",
    "loss": "forward",
    "factors": "gradients",
    "deltas": "gradients",
    "gradients": "gradients",
    "update.gradients": "updates",
    "update.steps": "updates",
    "parameters_before": "parameters",
    "parameters_after": "parameters",
}


def values(run: Run, view: View = View()) -> Iterator[Value]:
    """Every value of the run in sheet order (without formulas: cheap for big networks)."""
    for r in run.results:
        if (view.sample is not None and r.sample != view.sample) or (view.epoch is not None and r.epoch != view.epoch):
            continue
        p = r.pass_
        groups: list[tuple[str, dict[str, Any]]] = [
            ("forward", p.forward),
            ("loss", {"loss": p.loss}),
            ("gradients", p.gradients),
            ("factors", p.factors),
            ("deltas", p.deltas),
            ("parameters_before", r.before),
            ("parameters_after", r.after),
        ]
        if r.update is not None:
            u = r.update
            groups += [("update.gradients", u.gradients), ("update.steps", u.steps)]
            if u.objective is not None:
                groups += [("update.loss_gradients", u.loss_gradients), ("update.decay", u.decay)]
                groups.append(("update.objective", dict(zip(("loss", "decay", "total"), u.objective))))
            groups += [(f"update.{key}", values) for key, values in u.state.items()]
        updated = r.update is not None
        for group, items in groups:
            if GROUP_SECTION.get(group, "updates") not in view.show:
                continue
            for k, v in items.items():
                yield Value(r.epoch, r.sample, group, k, v, updated)
