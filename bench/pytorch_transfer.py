#!/usr/bin/env python3
"""The PyTorch way of transfer learning, timed: the peer of bench/trainer-vs-pytorch.

torchvision's SqueezeNet 1.1 trained on an image folder the way torchvision's transfer-learning
tutorial does it: ImageFolder, RandomResizedCrop(224) and a horizontal flip, ImageNet
normalisation, a DataLoader with worker processes, SGD with momentum, cross-entropy.

  full    every layer trains (torchvision's squeezenet1_1 with a new final convolution)
  frozen  the feature layers are frozen (requires_grad=False); the backbone still runs forward on
          every augmented image of every epoch, as the tutorial's "ConvNet as fixed feature
          extractor" does

No weights are downloaded: the network starts from torchvision's random initialisation. That
changes no timing (the same operations run on the same shapes), and this script measures time
only. Prints one line per epoch on stderr and one JSON object on stdout.
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn as nn
from torch.utils.data import DataLoader
from torchvision import datasets, models, transforms


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="a folder with one sub-folder per class")
    p.add_argument("--mode", choices=["full", "frozen"], required=True)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--workers", type=int, default=2, help="DataLoader worker processes")
    p.add_argument("--threads", type=int, default=0, help="torch threads, 0 for one per core")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()

    torch.manual_seed(a.seed)
    # Debian's OpenMP build may start with one thread: ask for every core explicitly.
    torch.set_num_threads(a.threads if a.threads > 0 else os.cpu_count())

    train_transform = transforms.Compose(
        [
            transforms.RandomResizedCrop(224),
            transforms.RandomHorizontalFlip(),
            transforms.ToTensor(),
            transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
        ]
    )
    try:
        data = datasets.ImageFolder(a.data, train_transform)
    except (FileNotFoundError, RuntimeError) as e:
        sys.exit(f"pytorch_transfer.py: cannot read the image folder {a.data}: {e}")
    loader = DataLoader(
        data,
        batch_size=a.batch_size,
        shuffle=True,
        num_workers=a.workers,
        persistent_workers=a.workers > 0,
    )

    model = models.squeezenet1_1()
    model.classifier[1] = nn.Conv2d(512, len(data.classes), kernel_size=1)
    if a.mode == "frozen":
        for param in model.features.parameters():
            param.requires_grad = False
    trainable = [q for q in model.parameters() if q.requires_grad]
    optimizer = torch.optim.SGD(trainable, lr=0.001, momentum=0.9)
    criterion = nn.CrossEntropyLoss()

    epochs = []
    start = time.perf_counter()
    for epoch in range(1, a.epochs + 1):
        model.train()
        t0 = time.perf_counter()
        seen = 0
        correct = 0
        total_loss = 0.0
        for inputs, labels in loader:
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            seen += inputs.shape[0]
            total_loss += loss.item() * inputs.shape[0]
            correct += (outputs.argmax(1) == labels).sum().item()
        seconds = time.perf_counter() - t0
        epochs.append({"epoch": epoch, "images": seen, "seconds": seconds})
        print(
            f"pytorch {a.mode} epoch {epoch}/{a.epochs}: loss {total_loss / seen:.4f},"
            f" accuracy {correct / seen:.4f}, {seen / seconds:.1f} images/s, {seconds:.1f} s",
            file=sys.stderr,
            flush=True,
        )
    total = time.perf_counter() - start
    images = sum(e["images"] for e in epochs)
    print(
        json.dumps(
            {
                "mode": a.mode,
                "epochs": epochs,
                "images": images,
                "seconds": total,
                "imagesPerSecond": images / total,
                "threads": torch.get_num_threads(),
                "workers": a.workers,
                "torch": torch.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
