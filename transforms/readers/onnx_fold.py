"""The PP-OCR models' graphs made cheaper to run, computing the same function.

PaddleOCR's export to ONNX spells each hard-swish as four element-wise operations and follows
each convolution with a learnt scale and shift (two more), each a full pass over the layer's
output: a fifth of the recognition model's time on one core. ``fold`` rewrites, in place:

- ``Add(x, 3) → Clip(0, 6) → Mul(x, ·) → Div(·, 6)`` as ``Mul(x, HardSigmoid(x, 1/6, 1/2))``;
- ``Conv → Mul(s) → Add(b)`` as one ``Conv`` with weights ``W·s`` and bias ``B·s + b``;
- ``Mul(s) → Add(b) → Conv`` (1×1, unpadded, ungrouped) as one ``Conv`` with weights ``W·s``
  and bias ``B + b·ΣW`` (a padded convolution would see the shift where it sees zeros);

``s`` and ``b`` scalar constants. The results differ from the original graph's in the last bits
of a float only (tests/reading/test_onnx_fold.py).
"""

import numpy as np
import onnx
from onnx import helper, numpy_helper


def fold(model: onnx.ModelProto) -> dict[str, int]:
    """Rewrite the model's graph in place; how many of each rewrite were made."""
    made = {rewrite.__name__.strip("_"): rewrite(_Graph(model)) for rewrite in (_hard_swish, _conv_scale, _scale_conv)}
    used = {name for n in model.graph.node for name in n.input} | {o.name for o in model.graph.output}
    kept = [n for n in model.graph.node if n.op_type != "Constant" or n.output[0] in used]
    del model.graph.node[:]
    model.graph.node.extend(kept)
    return made


class _Graph:
    """The graph's nodes with their producers, users and constants; rewrites are collected and
    applied together (``commit``)."""

    def __init__(self, model: onnx.ModelProto):
        self.graph = model.graph
        self.nodes = list(self.graph.node)
        self.const = {t.name: numpy_helper.to_array(t) for t in self.graph.initializer}
        self.const.update({n.output[0]: numpy_helper.to_array(n.attribute[0].t)
                           for n in self.nodes if n.op_type == "Constant" and n.attribute[0].name == "value"})
        self.producer = {o: n for n in self.nodes for o in n.output}
        self.users: dict[str, list[onnx.NodeProto]] = {}
        for n in self.nodes:
            for name in n.input:
                self.users.setdefault(name, []).append(n)
        self.replaced: dict[int, list[onnx.NodeProto]] = {}
        self.dropped: set[int] = set()

    def scalar(self, name: str) -> float | None:
        value = self.const.get(name)
        return float(value.reshape(-1)[0]) if value is not None and value.size == 1 else None

    def made_by(self, op: str, name: str) -> onnx.NodeProto | None:
        """The node of type ``op`` that makes ``name``, when ``name`` is used by one node only."""
        node = self.producer.get(name)
        alone = len(self.users.get(name, [])) == 1
        return node if node is not None and node.op_type == op and alone and id(node) not in self.dropped else None

    def used_by(self, op: str, name: str) -> onnx.NodeProto | None:
        """The one node that uses ``name``, when it is of type ``op``."""
        users = self.users.get(name, [])
        return users[0] if len(users) == 1 and users[0].op_type == op and id(users[0]) not in self.dropped else None

    @staticmethod
    def other(node: onnx.NodeProto, name: str) -> str:
        return next((i for i in node.input if i != name), "")

    def weights(self, conv: onnx.NodeProto) -> tuple[np.ndarray, np.ndarray] | None:
        if conv.input[1] not in self.const:
            return None
        w = self.const[conv.input[1]]
        return w, self.const[conv.input[2]] if len(conv.input) > 2 else np.zeros(w.shape[0], np.float32)

    def conv(self, conv: onnx.NodeProto, source: str, w: np.ndarray, b: np.ndarray, output: str) -> None:
        """``conv`` replaced by a Conv of the same attributes from ``source`` to ``output``."""
        names = []
        for value in (w, b):  # a name of its own: a Conv folded twice has the same output
            names.append(f"{output}_folded_{len(self.graph.initializer)}")
            self.graph.initializer.append(numpy_helper.from_array(value.astype(np.float32), names[-1]))
        node = helper.make_node("Conv", [source, *names], [output], name=conv.name)
        node.attribute.extend(conv.attribute)
        self.replaced[id(conv)] = [node]

    def commit(self) -> int:
        kept = [new for n in self.nodes if id(n) not in self.dropped for new in self.replaced.get(id(n), [n])]
        del self.graph.node[:]
        self.graph.node.extend(kept)
        return len(self.replaced)


def _hard_swish(g: _Graph) -> int:
    for div in g.nodes:
        if div.op_type != "Div" or g.scalar(div.input[1]) != 6.0 or not (mul := g.made_by("Mul", div.input[0])):
            continue
        clip = next((c for name in mul.input if (c := g.made_by("Clip", name))), None)
        if clip is None or len(clip.input) != 3 or (g.scalar(clip.input[1]), g.scalar(clip.input[2])) != (0.0, 6.0):
            continue
        x = g.other(mul, clip.output[0])
        add = g.made_by("Add", clip.input[0])
        if add is None or x not in add.input or g.scalar(g.other(add, x)) != 3.0:
            continue
        gate = f"{div.output[0]}_gate"
        g.replaced[id(div)] = [helper.make_node("HardSigmoid", [x], [gate], alpha=1 / 6, beta=0.5),
                               helper.make_node("Mul", [x, gate], [div.output[0]])]
        g.dropped |= {id(add), id(clip), id(mul)}
    return g.commit()


def _conv_scale(g: _Graph) -> int:
    for conv in g.nodes:
        if conv.op_type != "Conv" or not (wb := g.weights(conv)) or not (mul := g.used_by("Mul", conv.output[0])):
            continue
        add = g.used_by("Add", mul.output[0])
        s = g.scalar(g.other(mul, conv.output[0]))
        b = add and g.scalar(g.other(add, mul.output[0]))
        if s is None or b is None:
            continue
        w, bias = wb
        g.conv(conv, conv.input[0], w * np.float32(s), bias * np.float32(s) + np.float32(b), add.output[0])
        g.dropped |= {id(mul), id(add)}
    return g.commit()


def _scale_conv(g: _Graph) -> int:
    for conv in g.nodes:
        if conv.op_type != "Conv" or not (wb := g.weights(conv)):
            continue
        w, bias = wb
        attrs = {a.name: helper.get_attribute_value(a) for a in conv.attribute}
        if w.shape[2:] != (1, 1) or any(attrs.get("pads", ())) or attrs.get("group", 1) != 1:
            continue
        add = g.made_by("Add", conv.input[0])
        mul = add and next((m for name in add.input if (m := g.made_by("Mul", name))), None)
        if not mul:
            continue
        b = g.scalar(g.other(add, mul.output[0]))
        scale = next((name for name in mul.input if g.scalar(name) is not None), None)
        if b is None or scale is None:
            continue
        s = np.float32(g.scalar(scale))
        g.conv(conv, g.other(mul, scale), w * s, bias + np.float32(b) * w.sum(axis=(1, 2, 3)), conv.output[0])
        g.dropped |= {id(mul), id(add)}
    return g.commit()
