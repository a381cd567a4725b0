"""The matrix-product ceiling of this machine for the shapes of synthlearn's speed targets.

Prints GFLOP/s of ``torch.nn.functional.linear`` (MKL's sgemm in torch's CPU build) on one and on two
torch threads for the 784-400-20 VAE at batch 128 and 512 (issue 6) and for the GAN's generator
and critic and the VAE synthesizer's decoder on diamonds (issue 4), and what each speed target
would need: a target is out of reach where the FLOPs it implies exceed what the products alone reach.

    .venv/bin/python benchmarks/gemm_ceiling.py
"""

from __future__ import annotations

import time

import torch
from tabulate import tabulate

# (label, rows, inputs, outputs)
SHAPES = [
    ("VAE 784-400-20, batch 128: 784->400", 128, 784, 400),
    ("VAE 784-400-20, batch 128: 400->784", 128, 400, 784),
    ("VAE 784-400-20, batch 512: 784->400", 512, 784, 400),
    ("VAE 784-400-20, batch 512: 400->784", 512, 400, 784),
    ("GAN generator, batch 500: 404->256", 500, 404, 256),
    ("GAN generator, batch 500: 660->89", 500, 660, 89),
    ("GAN critic, 50 packs: 1170->256", 50, 1170, 256),
    ("GAN generator, sampling chunk 4096: 404->256", 4096, 404, 256),
    ("VAE synthesizer decoder, chunk 4096: 148->128", 4096, 148, 128),
]


def gflops(m: int, k: int, n: int, threads: int, seconds: float = 0.5) -> float:
    torch.set_num_threads(threads)
    x, w, b = torch.randn(m, k), torch.randn(n, k), torch.randn(n)
    for _ in range(5):
        torch.nn.functional.linear(x, w, b)
    reps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        torch.nn.functional.linear(x, w, b)
        reps += 1
    return 2 * m * k * n * reps / (time.perf_counter() - start) / 1e9


def main() -> None:
    rows = [(label, f"{gflops(m, k, n, 1):.0f}", f"{gflops(m, k, n, 2):.0f}") for label, m, k, n in SHAPES]
    print(tabulate(rows, headers=["product", "GFLOP/s, 1 thread", "GFLOP/s, 2 threads"], tablefmt="github"))
    vae = 3 * 2 * (784 * 400 + 400 * 2 * 20 + 20 * 400 + 400 * 784)  # forward + backward, per sample
    gan = 2 * (148 * 256 + 404 * 256 + 660 * 89)  # generator forward, per sampled row (diamonds)
    print(f"\n784-400-20 VAE training: {vae / 1e6:.1f} MFLOP a sample; 20,000 samples/s needs "
          f"{vae * 20_000 / 1e9:.0f} GFLOP/s of products")
    print(f"GAN sampling on diamonds: {gan / 1e3:.0f} kFLOP a row; 500,000 rows/s needs "
          f"{gan * 500_000 / 1e9:.0f} GFLOP/s")


if __name__ == "__main__":
    main()
