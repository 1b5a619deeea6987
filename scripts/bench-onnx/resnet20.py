"""ResNet-20 with CIFAR-10 geometry (He et al. 2016: 3x32x32 inputs, 16/32/64 channels,
3 basic blocks per stage, 1x1 projection shortcuts where the shape changes, global
average pooling, 10 classes; 0.27 M weights), random seeded weights, exported to ONNX
for speed measurements (scripts/bench-onnx.sh). Not a trained model.

    python resnet20.py --out runs/bench/resnet20.onnx [--dynamo]
"""
import argparse

import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu(y + (x if self.short is None else self.short(x)))


class ResNet20(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        layers, cin = [], 16
        for cout, stride in [(16, 1), (32, 2), (64, 2)]:
            for b in range(3):
                layers.append(Block(cin, cout, stride if b == 0 else 1))
                cin = cout
        self.blocks = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.blocks(self.stem(x))), 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--dynamo", action="store_true")
    args = ap.parse_args()
    torch.manual_seed(0)
    model = ResNet20().eval()
    x = torch.rand(2, 3, 32, 32)
    weights = sum(p.numel() for n, p in model.named_parameters() if "bn" not in n and p.dim() > 1)
    if args.dynamo:
        torch.onnx.export(model, (x,), args.out, dynamo=True, input_names=["input"], output_names=["logits"],
                          dynamic_shapes={"x": {0: torch.export.Dim("batch")}}, external_data=False)
    else:
        torch.onnx.export(model, x, args.out, dynamo=False, opset_version=17, input_names=["input"],
                          output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    print(f"wrote {args.out}: ResNet-20, {weights} weights")


if __name__ == "__main__":
    main()
