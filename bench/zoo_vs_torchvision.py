#!/usr/bin/env python3
"""Checks a zoo graph against torchvision: names, shapes and forward pass.

A development check, never part of the build (Graft needs no Python). It needs torch,
torchvision and onnx (Debian: python3-torchvision python3-onnx); onnxruntime is optional.

    ./graft zoo swin_t --classes 10 --out /tmp/swin_t.onnx
    python3 bench/zoo_vs_torchvision.py swin_t /tmp/swin_t.onnx

1. Exports torchvision's model of the same name (random weights, 10 classes, opset 17) with
   torch.onnx.export and lists the parameters each graph uses, in the order its nodes first use
   them: every name the export keeps must be in the zoo's graph with the same shape, and the
   sequences of shapes must agree (the exporter's made-up onnx::MatMul_N tensors are the zoo's
   `_t` weights; Swin's exporter folds its relative position bias into a constant).
2. Loads the zoo's weights into the torchvision module (`_t` weights transposed back; batch-norm
   statistics, norms, biases and ViT's zero head randomised in both, so that a wrong formula
   shows), runs both on the same random batch and prints the largest logit difference: torch
   against ONNX Runtime when onnxruntime is installed, else it writes the input, torch's output
   and the modified graph beside the zoo file (NAME.in, NAME.out: float32 little-endian) for a
   run elsewhere.

With the zoo of this commit and torchvision 0.14.1 (PyTorch 1.13.1), every check agreed for
mobilenet_v3_large, efficientnet_v2_s, regnet_y_400mf, convnext_tiny, swin_t (also at 100x100,
where windows are padded) and vit_tiny (against VisionTransformer(224, 16, 12, 3, 192, 768)), the
logits within 5e-6.
"""
import os
import sys

import numpy as np
import onnx
import torch
import torchvision
from onnx import numpy_helper


def torchvision_model(name, size):
    if name == "vit_tiny":
        from torchvision.models.vision_transformer import VisionTransformer

        return VisionTransformer(size, 16, 12, 3, 192, 768, num_classes=10)
    if name.startswith("vit_"):
        return getattr(torchvision.models, name)(num_classes=10, image_size=size)
    return getattr(torchvision.models, name)(num_classes=10)


def parameters_in_use_order(model):
    g = model.graph
    inits = {t.name: list(t.dims) for t in g.initializer}
    alias = {n.output[0]: n.input[0] for n in g.node if n.op_type == "Identity" and n.input[0] in inits}
    seen, out = set(), []
    for n in g.node:
        if n.op_type == "Identity":
            continue
        for i in n.input:
            if (i in inits or i in alias) and i not in seen:
                seen.add(i)
                out.append((i, inits[i] if i in inits else inits[alias[i]]))
    return out


def main():
    name, path = sys.argv[1], sys.argv[2]
    ours = onnx.load(path)
    size = ours.graph.input[0].type.tensor_type.shape.dim[2].dim_value
    module = torchvision_model(name, size).eval()

    exported = path + ".torchvision.onnx"
    torch.onnx.export(module, torch.randn(1, 3, size, size), exported, input_names=["input"],
                      output_names=["logits"], opset_version=17,
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                      training=torch.onnx.TrainingMode.PRESERVE)
    reference = parameters_in_use_order(onnx.load(exported))
    mine = parameters_in_use_order(ours)
    mine_by_name = dict(mine)
    problems = 0
    for n, shape in reference:
        if n.startswith("onnx::"):
            continue
        if mine_by_name.get(n) != shape:
            print(f"  {n} {shape}: zoo has {mine_by_name.get(n)}")
            problems += 1
    ref_shapes = [s for n, s in reference if not (name == "swin_t" and n.startswith("onnx::Add"))]
    my_shapes = [s for n, s in mine if not n.endswith("relative_position_bias_table")]
    if ref_shapes != my_shapes:
        first = next((i for i, (a, b) in enumerate(zip(ref_shapes, my_shapes)) if a != b),
                     min(len(ref_shapes), len(my_shapes)))
        print(f"  shape sequences differ at parameter {first}")
        problems += 1
    print(f"{name}: {len(reference)} exported parameters, {len(mine)} in the zoo graph,"
          f" {problems} differences")

    rng = np.random.default_rng(0)
    state = {}
    for t in ours.graph.initializer:
        a = numpy_helper.to_array(t).copy()
        key = t.name[:-2] if t.name.endswith("_t") else t.name
        value = a.T.copy() if t.name.endswith("_t") else a
        vector = value.ndim == 1 or "layer_scale" in key or key == "class_token"
        if vector or "head" in key:
            value = (rng.standard_normal(value.shape) * 0.1).astype(np.float32)
            if key.endswith("running_var") or (key.endswith(".weight") and value.ndim == 1):
                value = np.abs(value) + 1
            if "layer_scale" in key:
                value = np.abs(value) + 0.5
            t.CopyFrom(numpy_helper.from_array(value.T.copy() if t.name.endswith("_t") else value, t.name))
        state[key] = torch.from_numpy(value)
    missing, unexpected = module.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith(("num_batches_tracked", "relative_position_index"))]
    if missing or unexpected:
        print(f"  state_dict: missing {missing[:5]}, unexpected {unexpected[:5]}")
    x = rng.standard_normal((2, 3, size, size)).astype(np.float32)
    with torch.no_grad():
        expected = module(torch.from_numpy(x)).numpy()
    stem = os.path.splitext(path)[0]
    try:
        import onnxruntime
    except ImportError:
        onnx.save(ours, stem + ".randomised.onnx")
        x.astype("<f4").tofile(stem + ".in")
        expected.astype("<f4").tofile(stem + ".out")
        print(f"  no onnxruntime: wrote {stem}.randomised.onnx, {stem}.in, {stem}.out")
        return
    session = onnxruntime.InferenceSession(ours.SerializeToString())
    got = session.run(None, {"input": x})[0]
    print(f"  max |logit difference| {np.abs(got - expected).max():.3g},"
          f" largest logit {np.abs(expected).max():.3g}")


if __name__ == "__main__":
    main()
