"""Read a student's answers (run-JSON shape, CSV or hand-typed lines) into validated entries; faults name the place."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from bpcalc.check.model import Answers, Entry, Given, Key, backward_keys, step_order
from bpcalc.errors import ProblemError
from bpcalc.escape import one_line
from bpcalc.jsontext import place
from bpcalc.network import canonical, pretty
from bpcalc.problem import Problem, read_text
from bpcalc.suggest import did_you_mean

SECTIONS = {"forward": "forward", "gradients": "gradient", "parameters_after": "parameter_after"}
INFO_KEYS = {"$schema", "title", "source", "notes", "description", "student", "name"}
# Keys of `bpcalc run --format json` that are not answers to check: accepted and left alone.
# (Whatever else `run` prints is accepted too: see ``_run_keys``.)
RUN_SAMPLE_KEYS = {"inputs", "targets", "factors", "deltas", "parameters_before", "updated", "update", "exact"}
RUN_TOP_KEYS = {"network", "learning_rate", "update", "epochs", "frozen", "mode", "chains", "round_steps", "digits"}
HEADING = re.compile(r"^#+\s*(?:post\s+)?(?:epoch\s+(\d+)\s*[,;]?\s*)?(?:post\s+)?sample\s+(\d+)\s*:?\s*$", re.IGNORECASE)
APPROX = re.compile(r"\s*[≈~]\s*")
DERIVATIVE = re.compile(r"(?:d|∂)\s*([^/]+?)\s*/\s*(?:d|∂)\s*(.+)")  # dA/dB, ∂A/∂B
LOSS_NAME = re.compile(r"L\w*|loss", re.IGNORECASE)
DELTA = re.compile(r"(?:δ|delta)\s*_?\s*(\w*)", re.IGNORECASE)
SEPARATOR = re.compile(r"[,;]\s*(?=[^\s=,;]+\s*=)")


def read_answers(path: str) -> tuple[str, str]:
    """(text, display name) of an answers file, or of stdin for '-': read as any input is (bounded in size)."""
    return read_text(path, "answers as JSON, CSV or 'name = value' lines")


def parse_answers(text: str, source: str, problem: Problem, notation: str | None = None) -> Answers:
    """Answers in any of the three forms, told apart by their first line; names in ``notation`` (default: the problem's)."""
    text = text.lstrip("\ufeff")
    body = text.strip()
    if not body:
        raise ProblemError(source, "", "empty; expected answers as JSON, CSV (sample,name,value) or 'name = value' lines")
    reader = _Reader(problem, source)
    from bpcalc.notation_check import translator, written_by_run

    reader.names = translator(problem, notation or ("sheet" if written_by_run(body) else problem.notation))
    if body[0] in "{[":
        reader.read_json(text)
    elif _is_csv_header(_first_line(body)):
        reader.read_csv(text)
    else:
        reader.read_hand(text)
    return reader.answers()


def _first_line(body: str) -> str:
    return next(line for line in body.splitlines() if line.strip())


CSV_RESTATED = frozenset({"update"})  # sections of `run --format csv` whose values other rows already give


def _is_csv_header(line: str) -> bool:
    cells = {c.strip().strip('"').lower() for c in line.split(",")}
    return {"sample", "name", "value"} <= cells


class _Reader:
    """Collects entries, resolving names against the problem's network and refusing duplicates."""

    def __init__(self, problem: Problem, source: str) -> None:
        self.problem = problem
        self.net = problem.network
        self.source = source
        self.found: dict[tuple[int, int, Key], Given] = {}
        self.samples = {(r_epoch, r_sample) for r_epoch in range(1, problem.epochs + 1) for r_sample in range(1, len(problem.samples) + 1)}
        self.forward = {canonical(n): n for n in self.net.forward_names()}
        self.factors = {k for k in backward_keys(self.net) if k.kind == "factor"}
        self.parameters_final: list[tuple[Key, Given]] = []
        self.names: Any = None  # a textbook notation's name -> the sheet's spelling (bpcalc.notation_check)
        self.param_set = frozenset(self.net.param_names)

    def bad(self, place: str, message: str) -> ProblemError:
        return ProblemError(self.source, place, message)

    # --- the shared vocabulary ------------------------------------------------------------

    def where(self, epoch: int, sample: int, place: str) -> tuple[int, int]:
        count = len(self.problem.samples)
        if not 1 <= sample <= count:
            raise self.bad(place, f"sample {_count_text(sample)} does not exist; the problem has {count} sample{'s' if count != 1 else ''} (1 to {count})")
        epochs = self.problem.epochs
        if not 1 <= epoch <= epochs:
            raise self.bad(place, f"epoch {_count_text(epoch)} does not exist; the problem has {epochs} epoch{'s' if epochs != 1 else ''}")
        return epoch, sample

    def key(self, kind: str, raw: str, place: str) -> Key:
        """A name of the given kind (or, for 'any', whatever the name says it is)."""
        name = raw.strip()
        if self.names is None and kind in ("gradient", "parameter_after") and name in self.param_set:
            return Key(kind, name)  # a parameter's own name (as run prints it): nothing to resolve
        shown = _quote(name)
        if self.names is not None:  # the student's notation: read once into the sheet's spelling
            translate, self.names = self.names, None
            try:
                return self.key(kind, translate(name, lambda message: self.bad(place, f"unknown name {shown}{message}")), place)
            finally:
                self.names = translate
        if kind in ("any", "loss") and name.lower() in ("loss", "l"):
            return Key("loss", "loss")
        if kind == "any":
            backward = self.backward_key(name)
            if backward is not None:
                return backward
            m = DERIVATIVE.fullmatch(name)
            if m and LOSS_NAME.fullmatch(m.group(1)):
                return self.key("gradient", m.group(2), place)
            if canonical(name) in self.forward:
                return Key("forward", self.forward[canonical(name)])
            try:
                return Key("parameter_after", self.net.resolve_param(name).name)
            except KeyError:
                near = did_you_mean(name, self.spellings())
                raise self.bad(place, f"unknown name {shown}{near}; expected {self.vocabulary()}") from None
        if kind == "forward":
            if canonical(name) in self.forward:
                return Key("forward", self.forward[canonical(name)])
            names = ", ".join(pretty(n) for n in self.net.forward_names())
            raise self.bad(place, f"unknown forward quantity {shown}{did_you_mean(name, self.forward.values())}; this network has {names}")
        try:
            return Key(kind, self.net.resolve_param(name).name)
        except KeyError:
            near = did_you_mean(name, self.net.param_names)
            raise self.bad(place, f"unknown parameter {shown}{near}; this network has {self.param_list()}") from None

    def backward_key(self, name: str) -> Key | None:
        """A chain-rule factor (dL/dy, dy/do, dH1/dα_H1, ∂L/∂H1) or a δ (δ_H1, delta_y, δ for a single output), if ``name`` is one."""
        m = DELTA.fullmatch(name)
        if m:
            unit = canonical(m.group(1) or "").lstrip("_")
            units = [u.name for row in self.net.units[1:] for u in row]
            if not unit and len(self.net.outputs) == 1:
                unit = self.net.outputs[0].name
            pres = {u.pre: u.name for row in self.net.units[1:] for u in row}
            unit = pres.get(unit, unit)  # δ_o, δ_alpha_H1: by the pre-activation
            if unit in units:
                return Key("delta", unit)
            return None
        m = DERIVATIVE.fullmatch(name)
        if not m:
            return None
        top, bottom = (canonical(x) for x in m.groups())
        if LOSS_NAME.fullmatch(top):
            top = "L"
        key = Key("factor", f"d{top}/d{bottom}")
        return key if key in self.factors else None

    def spellings(self) -> list[str]:
        return [*self.forward.values(), *self.net.param_names, *(k.name for k in self.factors), "loss"]

    def param_list(self) -> str:
        names = self.net.param_names
        return ", ".join(names) if len(names) <= 24 else ", ".join(names[:20]) + f", ... ({len(names)} in all)"

    def vocabulary(self) -> str:
        forward = ", ".join(self.net.forward_names())
        first = self.net.outputs[0]
        return (
            f"a forward quantity ({forward}), loss, a parameter ({self.param_list()}), a gradient such as dL/d{self.net.param_names[0]},"
            f" a chain-rule factor such as dL/d{first.name} or a δ such as δ_{first.name}"
        )

    def number(self, raw: Any, place: str) -> Given | None:
        """A value as written; None for no answer: JSON null, or a blank (whitespace-only) string, CSV cell or value."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if isinstance(raw, bool) or isinstance(raw, (dict, list)):
            got = json.dumps(raw) if isinstance(raw, bool) else ("an object" if isinstance(raw, dict) else "a list")
            raise self.bad(place, f"expected a number, got {got}")
        try:
            if isinstance(raw, (int, Decimal)):
                if isinstance(raw, int) and raw.bit_length() > 4 * MAX_DIGITS:
                    raise NumberRefused(f"a value with more than {MAX_DIGITS} digits; at most {MAX_DIGITS} significant digits are read")
                value = _in_range(Decimal(raw), str(raw)[:40] if isinstance(raw, Decimal) else "")
                text = str(raw)
            elif isinstance(raw, str):
                text = raw.strip().lstrip("≈~").strip()
                parsed = _decimal(raw)
                if parsed is None:
                    raise self.bad(place, f"expected a number, got {_quote(raw.strip())}")
                value = parsed
            else:
                raise self.bad(place, f"expected a number, got {raw!r}")
        except NumberRefused as e:
            raise self.bad(place, str(e)) from None
        if not _fits(value):
            raise self.bad(place, f"expected a finite number, got {text}")
        return Given(text, value, place)

    def add(self, epoch: int, sample: int, key: Key, given: Given | None) -> None:
        if given is None:
            return
        slot = (epoch, sample, key)
        if slot in self.found:
            raise self.bad(given.place, f"{key.label()} of sample {sample} given twice (also at {self.found[slot].place})")
        self.found[slot] = given

    def answers(self) -> Answers:
        if self.parameters_final:
            epoch, sample = self.problem.epochs, len(self.problem.samples)
            for key, given in self.parameters_final:
                there = self.found.get((epoch, sample, key))
                if there is None:
                    self.found[(epoch, sample, key)] = given
                elif there.value != given.value:
                    raise self.bad(given.place, f"disagrees with {there.place} ({there.text}): the final parameters are those after the last sample")
        order = step_order(self.net)
        entries = sorted(
            (Entry(e, s, k, g) for (e, s, k), g in self.found.items()),
            key=lambda x: (x.epoch, x.sample, order[x.key]),
        )
        if not entries:
            raise ProblemError(self.source, "", "no answers found to check")
        return Answers(self.source, tuple(entries))

    # --- JSON: the shape of `bpcalc run --format json` ------------------------------------

    def read_json(self, text: str) -> None:
        try:
            data = json.loads(text, parse_float=Decimal, parse_constant=_no_constant, object_pairs_hook=_Object.build)
        except json.JSONDecodeError as e:
            raise self.bad(f"line {e.lineno} column {e.colno}", f"invalid JSON: {e.msg}") from None
        except RecursionError:
            raise self.bad("", "invalid JSON: nested too deeply") from None
        except ValueError as e:  # also an integer literal with more digits than Python converts
            if "Exceeds the limit" in str(e):
                raise self.bad("", f"a number of more than 4300 digits; at most {MAX_DIGITS} significant digits are read") from None
            raise self.bad("", str(e).split(";")[0]) from None
        if isinstance(data, list):
            data = _Object.build([("samples", data)])
        if not isinstance(data, dict):
            raise self.bad("", "expected a JSON object with \"samples\" (the shape of bpcalc run --format json)")
        self.duplicates(data, "")
        top_keys, sample_keys = _run_keys(self.problem)
        for k in data:
            if k not in ("samples", "parameters_final") and k not in top_keys and k not in INFO_KEYS:
                raise self.bad(_at("", k), "unknown key; answers have \"samples\" (a list, as bpcalc run --format json prints it) and optionally \"parameters_final\"")
        samples = data.get("samples", [])
        if not isinstance(samples, list):
            raise self.bad("samples", "expected a list of samples")
        order = [(r_e, r_s) for r_e in range(1, self.problem.epochs + 1) for r_s in range(1, len(self.problem.samples) + 1)]
        seen: dict[tuple[int, int], str] = {}
        for i, entry in enumerate(samples):
            here = f"samples[{i}]"
            if not isinstance(entry, dict):
                raise self.bad(here, "expected an object with \"sample\" and the values to check")
            self.duplicates(entry, here)
            for k in entry:
                if k not in ("epoch", "sample", "loss", *SECTIONS) and k not in sample_keys:
                    raise self.bad(_at(here, k), "unknown key; a sample has epoch, sample, forward, loss, gradients, parameters_after")
            epoch = self.whole(entry.get("epoch", 1), f"{here}.epoch")
            if "sample" in entry:
                sample = self.whole(entry["sample"], f"{here}.sample")
            elif i < len(order) and "epoch" not in entry:
                epoch, sample = order[i]
            else:
                raise self.bad(f"{here}.sample", "missing; say which sample (1, 2, ...) these values belong to")
            epoch, sample = self.where(epoch, sample, f"{here}.sample")
            if (epoch, sample) in seen:
                raise self.bad(here, f"sample {sample}{self.epoch_text(epoch)} given twice (also {seen[(epoch, sample)]})")
            seen[(epoch, sample)] = here
            if "loss" in entry:
                self.add(epoch, sample, Key("loss", "loss"), self.number(entry["loss"], f"{here}.loss"))
            for section, kind in SECTIONS.items():
                if section in entry:
                    self.section(entry[section], kind, epoch, sample, f"{here}.{section}")
        final = data.get("parameters_final")
        if final is not None:
            if not isinstance(final, dict):
                raise self.bad("parameters_final", "expected an object of parameter values")
            self.duplicates(final, "parameters_final")
            names: dict[Key, str] = {}
            for name, raw in final.items():
                place = _at("parameters_final", name)
                key = self.key("parameter_after", name, place)
                if key in names:
                    raise self.bad(place, f"given twice (also as {names[key]})")
                names[key] = name
                given = self.number(raw, place)
                if given is not None:
                    self.parameters_final.append((key, given))

    def epoch_text(self, epoch: int) -> str:
        return f" of epoch {epoch}" if self.problem.epochs > 1 else ""

    def whole(self, raw: Any, place: str) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise self.bad(place, f"expected a whole number, got {json.dumps(raw) if not isinstance(raw, Decimal) else raw}")
        return raw

    def section(self, raw: Any, kind: str, epoch: int, sample: int, place: str) -> None:
        if not isinstance(raw, dict):
            raise self.bad(place, "expected an object of name: value")
        self.duplicates(raw, place)
        names: dict[Key, str] = {}
        for name, value in raw.items():
            here = _at(place, name)
            key = self.key(kind, name, here)
            if key in names:
                raise self.bad(here, f"given twice (also as {names[key]})")
            names[key] = name
            self.add(epoch, sample, key, self.number(value, here))

    def duplicates(self, obj: Any, place: str) -> None:
        dupes = getattr(obj, "dupes", ())
        if dupes:
            raise self.bad(_at(place, dupes[0]), "key given twice in one object")

    # --- CSV: sample,name,value[,epoch][,section] ------------------------------------------

    def read_csv(self, text: str) -> None:
        """`run --format csv` reads back: its update rows (gradients.w11, steps.w11) restate the gradient and
        parameter rows, so they are skipped; every other row is a value checked by its name."""
        rows = csv.reader(io.StringIO(text), strict=True, skipinitialspace=True)
        try:
            header = next(rows)
            columns = [c.strip().lower() for c in header]
            for c in columns:
                if c not in ("sample", "name", "value", "epoch", "section"):
                    raise self.bad("line 1", f"unknown column {_quote(c)}; expected sample,name,value and optionally epoch and section")
            if len(set(columns)) != len(columns):
                raise self.bad("line 1", "a column is named twice")
            at = {c: i for i, c in enumerate(columns)}
            for row in rows:
                line = rows.line_num
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(columns):
                    raise self.bad(f"line {line}", f"expected {len(columns)} fields ({','.join(columns)}), got {len(row)}")
                place = f"line {line}"
                if "section" in at and row[at["section"]].strip() in CSV_RESTATED:
                    continue
                epoch = self.csv_int(row[at["epoch"]], f"{place}, epoch") if "epoch" in at else 1
                sample = self.csv_int(row[at["sample"]], f"{place}, sample")
                epoch, sample = self.where(epoch, sample, f"{place}, sample")
                key = self.key("any", row[at["name"]], f"{place}, name")
                given = self.number(row[at["value"]], f"{place}, value")
                self.add(epoch, sample, key, given)
        except csv.Error as e:
            raise self.bad(f"line {rows.line_num}", f"broken CSV: {e}") from None

    def csv_int(self, cell: str, place: str) -> int:
        text = cell.strip()
        if not re.fullmatch(r"\d+", text):
            raise self.bad(place, f"expected a whole number, got {_quote(cell)}")
        return self.whole_text(text, place)

    def whole_text(self, text: str, place: str) -> int:
        """Digits read as a sample or epoch number; one too long to be either is refused as such."""
        if len(text) > 18:
            count, epochs = len(self.problem.samples), self.problem.epochs
            raise self.bad(
                place,
                f"a {len(text):,}-digit number is no sample or epoch; the problem has {count} sample{'s' if count != 1 else ''}"
                f" and {epochs} epoch{'s' if epochs != 1 else ''}",
            )
        return int(text)

    # --- hand-typed: '# sample 2' headings over 'w11 = -0.151' lines -----------------------

    def read_hand(self, text: str) -> None:
        # one sample, one epoch: no heading needed to say which sample a value belongs to
        current: tuple[int, int] | None = (1, 1) if len(self.samples) == 1 else None
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            place = f"line {number}"
            if not line:
                continue
            heading = HEADING.match(line)
            if heading:
                epoch = self.whole_text(heading.group(1), place) if heading.group(1) else 1
                current = self.where(epoch, self.whole_text(heading.group(2), place), place)
                continue
            if line.startswith("#"):
                continue  # a comment
            line = line.split(" #", 1)[0].strip()  # and a comment after the values
            line = APPROX.sub(" = ", line)  # ≈ and ~ written for =
            line = re.sub(r"=(\s*=)+", "=", line)  # 'dL/dw23 = ≈ 0'
            parts = [p for p in SEPARATOR.split(line) if p.strip()]
            for part in parts:
                if "=" not in part:
                    raise self.bad(place, "expected 'name = value' lines under '# sample N' headings (or a CSV header sample,name,value, or JSON)")
                if current is None:
                    raise self.bad(place, "a value before any '# sample N' heading; say which sample it belongs to")
                name, _, value = part.partition("=")
                key = self.key("any", name, place)
                value = value.rsplit("=", 1)[-1]  # 'dL/dw31 = 2.275·0.246·(-0.980) = -0.549': the result
                self.add(*current, key, self.number(value.strip(), place))


def _run_keys(problem: Problem) -> tuple[set[str], set[str]]:
    """The keys `bpcalc run --format json` prints for this problem (top level, per sample), so its output checks as is."""
    from bpcalc.arith import FloatMath
    from bpcalc.evaluate import Run
    from bpcalc.render.json import run_keys

    top, sample = run_keys(Run(problem, FloatMath()))  # no sample worked: the keys do not depend on the numbers
    return top | RUN_TOP_KEYS, sample | RUN_SAMPLE_KEYS


class _Object(dict):  # type: ignore[type-arg]
    """A JSON object that remembers keys given twice (json keeps only the last)."""

    dupes: list[str]

    @classmethod
    def build(cls, pairs: list[tuple[str, Any]]) -> "_Object":
        out = cls()
        out.dupes = []
        for k, v in pairs:
            if k in out:
                out.dupes.append(k)
            out[k] = v
        return out


def _no_constant(text: str) -> Any:
    raise ValueError(f"expected a finite number, got {text}")


_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_MINUS = str.maketrans({"−": "-", "–": "-", "﹣": "-", "－": "-", "＋": "+"})
_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2}(?:[,\s\u2009\u202f']\d{3})+(?:\.\d*)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")
_INFINITE = re.compile(r"[+-]?(?:∞|inf(?:inity)?|nan)", re.IGNORECASE)
MAX_DIGITS = 100  # significant digits a written value may have (a double has 17)
MAX_EXPONENT = 400  # |decimal exponent| of a written value (a double reaches 1e308 and 5e-324)
MAX_TEXT = 200  # characters of a written value


class NumberRefused(ValueError):
    """A written number that is not read, with the reason (said in one line at its place)."""


def _decimal(text: str) -> Decimal | None:
    """A written number: '0.590', '+0.989', '−0.151' (typographic minus), '3.93e-06', '≈ 0'; None if it is none.

    Raises NumberRefused for what looks like a number but is not read: infinities, thousands separators, a decimal
    comma, more than MAX_DIGITS digits or an exponent beyond ±MAX_EXPONENT.
    """
    if len(text) > MAX_TEXT:
        raise NumberRefused(f"a value of {len(text):,} characters; at most {MAX_TEXT} are read")
    t = text.strip().lstrip("≈~").strip().translate(_MINUS)
    if _INFINITE.fullmatch(t):
        raise NumberRefused(f"expected a finite number, got {t}")
    if _THOUSANDS.fullmatch(t):
        raise NumberRefused(f"thousands separators are not read: write {re.sub(r'[^0-9.+-]', '', t)} for {t}")
    if _DECIMAL_COMMA.fullmatch(t):
        raise NumberRefused(f"write the decimal point as '.': {t.replace(',', '.')} for {t}")
    if not _NUMBER.fullmatch(t):
        return None
    mantissa, _, exponent = t.lower().partition("e")
    digits = len(re.sub(r"\D", "", mantissa).lstrip("0")) or 1
    if digits > MAX_DIGITS:
        raise NumberRefused(f"a value with {digits:,} digits; at most {MAX_DIGITS} significant digits are read")
    if exponent and len(exponent.lstrip("+-").lstrip("0")) > 4:
        raise NumberRefused(f"the exponent of {t[:40]} is out of range; at most ±{MAX_EXPONENT}")
    try:
        value = Decimal(t)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        return None
    return _in_range(value, t)


def _in_range(value: Decimal, text: str) -> Decimal:
    """``value`` when its digits and exponent are within reach, else NumberRefused."""
    if not value.is_finite():
        raise NumberRefused(f"expected a finite number, got {text[:40]}")
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    if len(digits) > MAX_DIGITS:
        raise NumberRefused(f"a value with {len(digits):,} digits; at most {MAX_DIGITS} significant digits are read")
    if abs(exponent) > MAX_EXPONENT or abs(value.adjusted()) > MAX_EXPONENT:
        raise NumberRefused(f"{text[:40]} is out of range: decimal exponents up to ±{MAX_EXPONENT} are read")
    return value


def _count_text(n: int) -> str:
    """A whole number for a message: as written, or its length when it is very long."""
    return str(n) if n.bit_length() < 64 else f"of about {int(n.bit_length() * 0.30103) + 1:,} digits"




def _at(parent: str, key: str) -> str:
    """The place of a key from the file, as jq writes it, shown safely on one line."""
    return one_line(place(parent, key))


def _quote(text: str) -> str:
    """A name or value from the file, quoted for a one-line message (controls and bidi characters shown as codes)."""
    return one_line(json.dumps(text, ensure_ascii=False))


def _fits(value: Decimal) -> bool:
    try:
        return abs(float(value)) < float("inf")
    except OverflowError:  # pragma: no cover
        return False

