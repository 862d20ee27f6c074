"""Terminal and plain-text tables (rich renderables) for `run`: forward pass, gradients, updates, parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from bpcalc.evaluate import Run, SampleResult
from bpcalc.network import Network, pretty
from bpcalc.render.numbers import given
from bpcalc.render.values import Numbers

SECTIONS = ("forward", "gradients", "updates", "parameters")

LOSS_SHEET = {
    "bce": "-t·ln(y) - (1-t)·ln(1-y)",
    "ce": "-t·ln(y)",
    "half_sse": "½(y - t)²",
    "sse": "(y - t)²",
    "mse": "(y - t)²/m",
}


@dataclass(frozen=True)
class TextOptions:
    precision: int = 3
    plain: bool = False  # no styles, simple rules: for pipes, NO_COLOR and golden files
    show: tuple[str, ...] = SECTIONS
    sample: int | None = None  # only this sample (1-based)


def pre_formula(net: Network, layer: int, pos: int) -> str:
    u = net.units[layer][pos]
    terms = [f"{s.name}·{net.weight(s, u)}" for s in net.units[layer - 1]]
    return _with_bias(net, " + ".join(terms), pretty(u.bias) if u.bias else None)


def act_formula(net: Network, layer: int, pos: int) -> str:
    u = net.units[layer][pos]
    name = net.activations[layer - 1]
    if name == "softmax":
        return f"e^{u.pre} / Σ e^o"
    return net.activation(layer).text(pretty(u.pre or ""))


def loss_formula(net: Network) -> str:
    text = LOSS_SHEET[net.loss_name].replace("m", str(len(net.outputs)))
    if len(net.outputs) > 1:
        return "Σ " + text.replace("y", "y_k").replace("t", "t_k")
    return text


def _substituted(net: Network, layer: int, pos: int, values: dict[str, Any], params: dict[str, Any], nums: Numbers) -> str:
    u = net.units[layer][pos]
    terms = []
    for s in net.units[layer - 1]:
        terms.append(f"{_neg(_v(values[s.name], nums))}·({_v(params[net.weight(s, u)], nums)})")
    return _with_bias(net, " + ".join(terms), _neg(_v(params[u.bias], nums)) if u.bias else None)


def _with_bias(net: Network, weighted: str, bias: str | None) -> str:
    """Σ w·x + b, or Σ w·x − θ for a threshold on the fixed input −1."""
    if bias is None:
        return weighted
    return f"{weighted} {'-' if net.threshold else '+'} {bias}"


def _neg(text: str) -> str:
    """A negative number in a sum in parentheses, as on paper: (-1.000)·(0.100), not + -1.000·(0.100)."""
    return f"({text})" if text.startswith("-") else text


def _v(x: Any, nums: Numbers) -> str:
    if isinstance(x, int) or (hasattr(x, "is_finite") and not isinstance(x, float)):
        return given(x)
    return nums.value(x)


def _closed(nums: Numbers, x: Any) -> str:
    from bpcalc.render.sheet import sheet_str

    q = nums.closed(x)
    return sheet_str(q) if q is not None else ""


def _table(title: str, opts: TextOptions, *columns: tuple[str, str]) -> Table:
    t = Table(
        title=title,
        title_justify="left",
        title_style="" if opts.plain else "bold",
        box=box.SIMPLE if opts.plain else box.ROUNDED,
        header_style="" if opts.plain else "bold cyan",
        show_edge=not opts.plain,
        pad_edge=not opts.plain,
    )
    for name, justify in columns:
        # a word too long for its column folds onto the next line rather than lose digits to an ellipsis
        t.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    return t


def forward_table(run: Run, r: SampleResult, opts: TextOptions) -> Table:
    net = run.problem.network
    nums = Numbers(run.math, opts.precision)
    f = r.pass_.forward
    values: dict[str, Any] = {**r.inputs, **f}
    columns = [("quantity", "left"), ("formula", "left"), ("substituted", "left"), ("value", "right")]
    t = _table("Forward pass", opts, *columns, *([("closed form", "left")] if nums.exact else []))

    def row(*cells: str, x: Any) -> None:
        t.add_row(*cells, *([_closed(nums, x)] if nums.exact else []))

    for li in range(1, len(net.layers)):
        for pos, u in enumerate(net.units[li]):
            row(pretty(u.pre or ""), pre_formula(net, li, pos), _substituted(net, li, pos, values, r.before, nums), nums.text(f[u.pre]), x=f[u.pre])
        for pos, u in enumerate(net.units[li]):
            name = net.activations[li - 1]
            sub = net.activation(li).text(nums.text(f[u.pre])) if name != "softmax" else ""
            row(u.name, act_formula(net, li, pos), sub, nums.text(f[u.name]), x=f[u.name])
    row("L", loss_formula(net), "", nums.text(r.pass_.loss), x=r.pass_.loss)
    return t


def gradient_table(run: Run, r: SampleResult, opts: TextOptions) -> Table:
    net = run.problem.network
    nums = Numbers(run.math, opts.precision)
    columns = [("parameter", "left"), ("chain", "left"), ("factors", "left"), ("dL/dparam", "right")]
    t = _table("Gradients (chain rule)", opts, *columns, *([("closed form", "left")] if nums.exact else []))
    for param in net.params:
        keys = net.chain(param)
        chain = " · ".join(pretty(k) for k in keys)
        factors = " × ".join(f"({nums.value(r.pass_.factors[k])})" for k in keys)
        g = r.pass_.gradients[param.name]
        t.add_row(pretty(param.name), chain, factors, nums.text(g), *([_closed(nums, g)] if nums.exact else []))
    return t


def update_table(run: Run, r: SampleResult, opts: TextOptions) -> Table:
    nums = Numbers(run.math, opts.precision)
    u = r.update
    assert u is not None
    problem = run.problem
    lr = given(problem.learning_rate)
    if problem.update == "batch":
        title = f"Batch update after epoch {r.epoch}: p - η·mean(dL/dp), η = {lr}"
        gname = "mean dL/dp"
    else:
        title = f"Update: p - η·dL/dp, η = {lr}"
        gname = "dL/dp"
    t = _table(title, opts, ("parameter", "left"), ("old", "right"), (gname, "right"), ("η·grad", "right"), ("new", "right"))
    for name in u.before:
        new = nums.text(u.after[name])
        if name in problem.frozen:
            new += " (frozen)"
        t.add_row(pretty(name), nums.text(u.before[name]), nums.text(u.gradients[name]), nums.text(u.steps[name]), new)
    return t


@dataclass(frozen=True)
class ParameterRows:
    """The sheet's 'Post Sample' layout: per layer a row of names over a row of values.

    A renderable: the rows are split into tables that fit the console's width when printed (and
    hold at most ``most`` columns), so no value is ever cut to an ellipsis on a narrow terminal.
    """

    title: str
    layers: tuple[tuple[tuple[str, str], ...], ...]  # per layer: (display name, value text)
    opts: TextOptions
    most: int = 10

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        title = self.title
        for columns in self.layers:
            for chunk in _fit(columns, options.max_width, self.most):
                t = _table(title, self.opts, *[(name, "right") for name, _ in chunk])
                t.add_row(*[value for _, value in chunk])
                title = ""
                yield t


def _fit(columns: tuple[tuple[str, str], ...], width: int, most: int) -> list[list[tuple[str, str]]]:
    """Consecutive columns in as few groups as fit ``width`` characters (borders and padding included), evened out."""

    def cost(chunk: list[tuple[str, str]]) -> int:
        return 1 + sum(max(len(name), len(value)) + 3 for name, value in chunk)

    greedy: list[list[tuple[str, str]]] = [[]]
    for col in columns:
        if greedy[-1] and (cost(greedy[-1] + [col]) > width or len(greedy[-1]) >= most):
            greedy.append([])
        greedy[-1].append(col)
    k = len(greedy)
    size = -(-len(columns) // k)  # the same number of columns in each group, the last one short
    even = [list(columns[i : i + size]) for i in range(0, len(columns), size)]
    if len(even) == k and all(cost(c) <= width and len(c) <= most for c in even):
        return even
    return greedy


def parameter_tables(run: Run, params: dict[str, Any], title: str, opts: TextOptions, width: int = 10) -> ParameterRows:
    """The parameters after an update, laid out like the sheet's 'Post Sample' tables."""
    net = run.problem.network
    nums = Numbers(run.math, opts.precision)
    layers = tuple(
        tuple((pretty(q.name), nums.text(params[q.name])) for q in net.params_into(li)) for li in range(1, len(net.layers))
    )
    return ParameterRows(title, layers, opts, width)


def header(run: Run) -> Text:
    pr = run.problem
    net = pr.network
    shape = "-".join(map(str, net.layers))
    bits = [
        f"{shape} network",
        "activations " + ", ".join(net.activations),
        f"loss {net.loss_name}",
        f"η = {given(pr.learning_rate)}",
        f"{pr.update} updates",
        f"{pr.epochs} epoch{'s' if pr.epochs != 1 else ''}",
    ]
    if not net.bias:
        bits.append("no biases")
    if pr.frozen:
        bits.append("frozen: " + ", ".join(pretty(n) for n in net.param_names if n in pr.frozen))
    if run.math.name == "rounded":
        bits.append(f"every step rounded to {run.math.decimals} decimals")
    if run.math.name == "exact":
        bits.append(f"exact arithmetic, {run.math.digits} significant digits")
    lines = [pr.title] if pr.title else []
    lines.append(" · ".join(bits))
    return Text("\n".join(lines))


def sample_heading(run: Run, r: SampleResult) -> str:
    items = [f"{k} = {given(v)}" for k, v in {**r.inputs, **r.targets}.items()]
    epoch = f"Epoch {r.epoch}, s" if run.problem.epochs > 1 else "S"
    return f"{epoch}ample {r.sample}: " + ", ".join(items)


def _results(run: Run, opts: TextOptions) -> Iterable[SampleResult]:
    for r in run.results:
        if opts.sample is None or r.sample == opts.sample:
            yield r


def render_run(run: Run, opts: TextOptions) -> RenderableType:
    """Everything `bpcalc run` shows, as one rich renderable."""
    parts: list[RenderableType] = [header(run)]
    for r in _results(run, opts):
        parts.append(Text(""))
        parts.append(Text(sample_heading(run, r), style="" if opts.plain else "bold"))
        if "forward" in opts.show:
            parts.append(forward_table(run, r, opts))
        if "gradients" in opts.show:
            parts.append(gradient_table(run, r, opts))
        if r.update is not None:
            if "updates" in opts.show:
                parts.append(update_table(run, r, opts))
            if "parameters" in opts.show:
                where = f"epoch {r.epoch}" if run.problem.update == "batch" else f"sample {r.sample}"
                if run.problem.epochs > 1 and run.problem.update == "online":
                    where = f"epoch {r.epoch}, sample {r.sample}"
                width = 10 if run.math.name != "exact" else max(2, 90 // (run.math.digits + 9))
                parts.append(parameter_tables(run, r.after, f"Parameters after {where}", opts, width))
    return Group(*parts)
