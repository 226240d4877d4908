"""The PP-OCR models' graphs folded when loaded (``onnx_fold``) compute what the shipped files do."""

import cv2
import numpy as np
import onnx
import pytest

from transforms.readers.onnx_fold import fold
from transforms.readers.recognizer import DET_MODEL, REC_MODEL, line_input, model_file, session


def _run(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    runner = session(model)
    return runner.run(None, {runner.get_inputs()[0].name: x})[0]


def _line() -> np.ndarray:
    """A printed number and some noise, as the recogniser's input."""
    image = np.full((40, 260), 228, np.uint8)
    cv2.putText(image, "2,048 17", (8, 30), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 25, 2)
    noise = np.random.default_rng(7).integers(-12, 12, image.shape)
    return line_input(np.clip(image.astype(int) + noise, 0, 255).astype(np.uint8))[np.newaxis]


@pytest.mark.parametrize(("name", "made"), [
    (REC_MODEL, {"hard_swish": 28, "conv_scale": 28, "scale_conv": 12}),
    (DET_MODEL, {"hard_swish": 24, "conv_scale": 28, "scale_conv": 10}),
])
def test_the_folded_graph_computes_the_same_function_in_fewer_nodes(name, made):
    shipped = onnx.load(model_file(name))
    folded = onnx.load(model_file(name))
    assert fold(folded) == made
    def ops(model):
        return [n.op_type for n in model.graph.node if n.op_type != "Constant"]

    assert "Clip" in ops(shipped) and "Clip" not in ops(folded)  # each Clip was a hard-swish's
    assert len(ops(folded)) == len(ops(shipped)) - 2 * sum(made.values())  # each rewrite makes two nodes fewer
    if name == REC_MODEL:
        x = _line()
    else:
        x = np.random.default_rng(3).uniform(-1, 1, (1, 3, 96, 160)).astype(np.float32)
    before, after = _run(shipped, x), _run(folded, x)
    assert before.shape == after.shape
    assert np.abs(before - after).max() < 1e-4
    if name == REC_MODEL:
        assert (before.argmax(-1) == after.argmax(-1)).all()


def test_a_graph_without_the_patterns_is_left_as_it_is():
    x = onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 1, 4, 4])
    y = onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 1, 4, 4])
    w = onnx.numpy_helper.from_array(np.ones((1, 1, 3, 3), np.float32), "w")
    three = onnx.numpy_helper.from_array(np.array(3.0, np.float32), "three")
    nodes = [onnx.helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
             onnx.helper.make_node("Mul", ["c", "three"], ["m"]),  # scaled, but not shifted after
             onnx.helper.make_node("Relu", ["m"], ["y"])]
    model = onnx.helper.make_model(onnx.helper.make_graph(nodes, "g", [x], [y], [w, three]))
    before = model.SerializeToString()
    assert fold(model) == {"hard_swish": 0, "conv_scale": 0, "scale_conv": 0}
    assert model.SerializeToString() == before
