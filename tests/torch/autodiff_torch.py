"""Higher-order and forward-mode cross-checks against PyTorch, run by compare_with_torch.py.

For each graph (the per-op cases and the random DAGs), with w the first input leaf and v, t random:
  - `graphgrpc grad` makes the gradient graph; `graphgrpc grad` again, on the gradient sink for w with
    its seed as an input (--seed-inputs), makes the Hessian-vector product graph; `graphgrpc eval` on it,
    with the seed set to v, gives sum_i v_i d2L/dw_i dx for every input x. PyTorch's double backward
    (torch.autograd.grad(..., create_graph=True), then grad again with grad_outputs=v) must agree.
  - `graphgrpc eval --tangent x=t ...` gives every node's tangent; torch.autograd.forward_ad, with the
    same tangents as dual numbers, must agree, and so must central differences (to their accuracy).
"""

import json
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.autograd.forward_ad as fwAD

# Second derivatives through a gradient graph round differently from torch's double backward, and
# forward mode from torch's dual numbers; both agree to far better than this.
RTOL = 1e-10
ATOL = 1e-10
# Central differences in float64 with this step are good to about 1e-7 relative on these graphs.
FD_STEP = 1e-6
FD_TOL = 1e-5


# torch 1.13's double backward of abs (through SgnBackward) returns uninitialised memory here: for
# grad_outputs made with torch.from_numpy, 20 runs of 20 gave a nonzero d2|x|/dx2 away from 0. x * sign(x)
# is |x| with a second derivative of zero, as it should be, so the references use it.
REFERENCE_OPS = {"abs": lambda a, at: a[0] * torch.sign(a[0])}


@dataclass
class AutodiffOutcome:
    name: str
    problems: list = field(default_factory=list)
    compared: int = 0


def _inputs(graph):
    return [n["id"] for n in graph["nodes"] if "input" in n]


def _run(dotnet, cli, args):
    proc = subprocess.run([dotnet, str(cli), *args], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"graphgrpc {' '.join(args[:1])} exited with {proc.returncode}: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout


def _eval_values(dotnet, cli, path, extra=()):
    out = json.loads(_run(dotnet, cli, ["eval", str(path), *extra]), parse_int=float)
    return {n["id"]: n for n in out["nodes"]}


def _close(ours, ref, rtol, atol):
    return np.argwhere(~(np.abs(ours - ref) <= np.maximum(rtol * np.maximum(np.abs(ours), np.abs(ref)), atol)))


def _compare(outcome, what, ours, ref, rtol=RTOL, atol=ATOL):
    ours, ref = np.asarray(ours, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    if ours.shape != ref.shape:
        outcome.problems.append(f"{what}: shape {list(ours.shape)} != {list(ref.shape)}")
        return
    outcome.compared += ours.size
    for index in _close(ours, ref, rtol, atol)[:3]:
        i = tuple(int(k) for k in index)
        outcome.problems.append(f"{what}{list(i)}: ours {ours[i]!r} reference {ref[i]!r}")


def _torch_tensors(cmp, graph, overrides=None, make=None):
    """Every node of the graph evaluated in torch; `make(id, tensor)` may turn an input into a leaf of its own."""
    order, sinks = cmp.topological_order(graph["nodes"])
    tensors = {}
    for node in order:
        op, attrs = cmp.node_op(node)
        if op == "input" and overrides and node["id"] in overrides:
            t = torch.from_numpy(np.array(overrides[node["id"]], dtype=np.float64))
        else:
            args = [tensors[i] for i in node.get("inputs", [])]
            t = REFERENCE_OPS[op](args, attrs) if op in REFERENCE_OPS else cmp.evaluate_node(op, attrs, args)
        if op == "input" and make is not None:
            t = make(node["id"], t)
        tensors[node["id"]] = t
    return tensors, sinks[0]


def check_hvp(cmp, dotnet, cli, case, workdir, rng, index):
    """The gradient graph's sinks and the HVP graph's against torch's gradients and double backward."""
    outcome = AutodiffOutcome(f"hvp {case.name}")
    inputs = _inputs(case.graph)
    if not inputs:
        return outcome
    w = inputs[0]
    base = Path(workdir) / f"{index:03d}"
    source, gradient, hvp = (base.with_suffix(s) for s in (".f.json", ".g.json", ".h.json"))
    source.write_text(json.dumps(case.graph))
    _, sink = cmp.topological_order(case.graph["nodes"])
    sink = sink[0]
    _run(dotnet, cli, ["grad", str(source), "-o", str(gradient), "--output", sink, "--wrt", *inputs])
    _run(dotnet, cli, ["grad", str(gradient), "-o", str(hvp), "--output", f"grad({sink}, {w})", "--wrt", *inputs, "--seed-inputs"])

    values = {id: t.detach().numpy() for id, t in _torch_tensors(cmp, case.graph)[0].items()}
    v = np.asarray(rng.signed(values[w].shape), dtype=np.float64)
    graph = json.loads(hvp.read_text())
    seed_id = f"seed(grad({sink}, {w}))"
    for node in graph["nodes"]:
        if node["id"] == seed_id:
            node["input"]["value"] = cmp.tensor_json(v)
    hvp.write_text(json.dumps(graph))
    ours = _eval_values(dotnet, cli, hvp)
    ours_first = _eval_values(dotnet, cli, gradient)

    tensors, _ = _torch_tensors(cmp, case.graph, make=lambda id, t: t.requires_grad_(True))
    out = tensors[sink]
    leaves = [tensors[x] for x in inputs]
    first = torch.autograd.grad(out, leaves, grad_outputs=torch.ones_like(out), create_graph=True, allow_unused=True)
    for x, g in zip(inputs, first):
        reference = np.zeros(values[x].shape) if g is None else g.detach().numpy()
        _compare(outcome, f"grad({sink}, {x})", cmp.to_array(ours_first[f"grad({sink}, {x})"]["value"]), reference)
    gw = first[0]
    if gw is not None and gw.requires_grad:
        second = torch.autograd.grad(gw, leaves, grad_outputs=torch.from_numpy(v), allow_unused=True)
    else:
        second = [None] * len(leaves)
    for x, h in zip(inputs, second):
        reference = np.zeros(values[x].shape) if h is None else h.detach().numpy()
        _compare(outcome, f"grad(grad({sink}, {w}), {x})", cmp.to_array(ours[f"grad(grad({sink}, {w}), {x})"]["value"]), reference)
    return outcome


_DUAL_LEVEL = threading.Lock()


def check_jvp(cmp, dotnet, cli, case, workdir, rng, index):
    """Every node's tangent from `graphgrpc eval --tangent` against torch.autograd.forward_ad and central differences."""
    outcome = AutodiffOutcome(f"jvp {case.name}")
    inputs = _inputs(case.graph)
    if not inputs:
        return outcome
    values = {id: t.detach().numpy() for id, t in _torch_tensors(cmp, case.graph)[0].items()}
    tangents = {x: np.asarray(rng.signed(values[x].shape), dtype=np.float64) for x in inputs}
    source = Path(workdir) / f"{index:03d}.jvp.json"
    source.write_text(json.dumps(case.graph))
    args = []
    for x, t in tangents.items():
        args += ["--tangent", f"{x}=" + ",".join(repr(float(e)) for e in np.ravel(t))]
    ours = _eval_values(dotnet, cli, source, args)

    # torch 1.13's dual level is one for the whole process, not one per thread: the cases that run
    # in parallel take turns here, or one sees another's level as nested ("Nested forward mode AD").
    with _DUAL_LEVEL, fwAD.dual_level():
        duals, _ = _torch_tensors(cmp, case.graph, make=lambda id, t: fwAD.make_dual(t, torch.from_numpy(tangents[id])))
        forward = {id: fwAD.unpack_dual(t).tangent for id, t in duals.items()}
    up = _torch_tensors(cmp, case.graph, overrides={x: values[x] + FD_STEP * tangents[x] for x in inputs})[0]
    down = _torch_tensors(cmp, case.graph, overrides={x: values[x] - FD_STEP * tangents[x] for x in inputs})[0]
    for node in case.graph["nodes"]:
        id = node["id"]
        mine = cmp.to_array(ours[id]["tangent"])
        reference = forward[id]
        reference = np.zeros(values[id].shape) if reference is None else reference.detach().numpy()
        _compare(outcome, f"tangent of {id} vs forward_ad", mine, reference)
        differences = (up[id].detach().numpy() - down[id].detach().numpy()) / (2 * FD_STEP)
        _compare(outcome, f"tangent of {id} vs central differences", mine, differences, rtol=FD_TOL, atol=FD_TOL)
    return outcome


def run(cmp, dotnet, cli, cases, jobs, seed):
    """Both checks for every case, in parallel; returns the outcomes."""
    import concurrent.futures

    rngs = [cmp.Rng(seed + i) for i in range(len(cases))]
    with tempfile.TemporaryDirectory(prefix="graphgrpc-autodiff-") as workdir:
        def one(item):
            index, case = item
            results = []
            for check in (check_hvp, check_jvp):
                try:
                    results.append(check(cmp, dotnet, cli, case, workdir, rngs[index], index))
                except Exception as e:  # a failed run is a failed check, reported like any other
                    results.append(AutodiffOutcome(f"{check.__name__[6:]} {case.name}", [f"{type(e).__name__}: {e}"]))
            return results
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            return [o for results in pool.map(one, enumerate(cases)) for o in results]
