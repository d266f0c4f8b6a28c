"""Per-image model-only latency and outputs of the vision stand-ins, for A/B checks of speed-ups.

``dump OUT.json``: every image of ``../shared/data/images`` (measuring only) plus ``--synthetic N`` hands rendered
by ``salon.ai.nail_synth``; for each, the DetectLabels and DetectModerationLabels outputs at min_confidence 0 and
the time of the two calls together (as ``salon.ai.evaluate.model_latency`` times them), over ``--rounds`` passes.
``compare A.json B.json``: the largest confidence difference per image set and label, and the median times.
``paired DIR_A DIR_B``: one interpreter per checkout (PYTHONPATH), both loaded at once and asked for the same image
in turn, so that both see the same machine load; prints the median of the per-image time ratios B/A.

Run one interpreter per code version (PYTHONPATH=<other checkout> selects the other one).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any


def _images(data_dir: Path, synthetic: int) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    manifest = data_dir / "images" / "manifest.jsonl"
    if manifest.exists():
        for line in manifest.read_text().splitlines():
            if line:
                row = json.loads(line)
                out.append((row["file"], (data_dir / row["file"]).read_bytes()))
    if synthetic:
        from salon.ai import nail_synth

        out += [(f"synth/{i}", nail_synth.sample(1000 + i).image) for i in range(synthetic)]
    return out


def _flat(labels: list[dict[str, Any]]) -> dict[str, float]:
    return {str(x["Name"]): float(x["Confidence"]) for x in labels}


def dump(args: argparse.Namespace) -> None:
    from salon.ai import VisionModels

    vision = VisionModels.load()
    items = _images(args.data_dir, args.synthetic)
    vision.detect_labels(items[0][1], min_confidence=0.0)  # warm-up
    vision.detect_moderation_labels(items[0][1], min_confidence=0.0)
    out: dict[str, Any] = {"outputs": {}, "ms": {name: [] for name, _ in items}, "load": os.getloadavg()}
    cpu0 = time.process_time()
    for _ in range(args.rounds):
        for name, data in items:
            t0 = time.perf_counter()
            labels = vision.detect_labels(data, min_confidence=0.0)
            moderation = vision.detect_moderation_labels(data, min_confidence=0.0)
            out["ms"][name].append(1000 * (time.perf_counter() - t0))
            out["outputs"][name] = {"labels": _flat(labels), "moderation": _flat(moderation)}
    out["load_after"] = os.getloadavg()
    out["cpu_ms_per_image"] = 1000 * (time.process_time() - cpu0) / (args.rounds * len(items))
    Path(args.out).write_text(json.dumps(out))
    per_image = [statistics.median(v) for k, v in out["ms"].items() if not k.startswith("synth/")]
    synth = [statistics.median(v) for k, v in out["ms"].items() if k.startswith("synth/")]
    print(
        f"{args.out}: data median {statistics.median(per_image) if per_image else 0:.1f} ms "
        f"(n={len(per_image)}), synthetic median {statistics.median(synth) if synth else 0:.1f} ms "
        f"(n={len(synth)}); CPU {out['cpu_ms_per_image']:.1f} ms per image (all threads); "
        f"load {out['load'][0]:.2f} -> {out['load_after'][0]:.2f}"
    )


def compare(args: argparse.Namespace) -> int:
    a, b = (json.loads(Path(p).read_text()) for p in (args.a, args.b))
    worst: dict[str, tuple[float, str, str]] = {}
    changed_sets = unequal = 0
    for name, oa in a["outputs"].items():
        ob = b["outputs"][name]
        group = "synthetic" if name.startswith("synth/") else "data"
        for call in ("labels", "moderation"):
            la, lb = oa[call], ob[call]
            if set(la) != set(lb):
                changed_sets += 1
                print(f"label set differs: {name} {call}: {sorted(set(la) ^ set(lb))}")
            for label in set(la) | set(lb):
                d = abs(la.get(label, 0.0) - lb.get(label, 0.0))
                unequal += la.get(label) != lb.get(label)
                key = f"{group}/{call}"
                if d > worst.get(key, (-1.0, "", ""))[0]:
                    worst[key] = (d, name, label)
    for key, (d, name, label) in sorted(worst.items()):
        print(f"max |confidence difference| {key}: {d:.3g} ({name}, {label})")
    print(f"{len(a['outputs'])} images; {unequal} confidences not bit-identical; {changed_sets} label sets differ")
    for p, r in ((args.a, a), (args.b, b)):
        data = [v for k, v in r["ms"].items() if not k.startswith("synth/")]
        med = statistics.median(statistics.median(v) for v in data)
        best = statistics.median(min(v) for v in data)
        print(
            f"{p}: data median {med:.1f} ms, median of per-image best {best:.1f} ms; "
            f"CPU {r.get('cpu_ms_per_image', 0):.1f} ms per image; load {r['load'][0]:.2f} -> {r['load_after'][0]:.2f}"
        )
    return 1 if changed_sets or any(d >= 0.01 for d, _, _ in worst.values()) else 0


def serve(args: argparse.Namespace) -> None:
    """Answer image indices from stdin with the time (ms) of the two calls on that image, one line each."""
    from salon.ai import VisionModels

    vision = VisionModels.load()
    items = _images(args.data_dir, args.synthetic)
    print("ready", flush=True)
    for line in sys.stdin:
        data = items[int(line)][1]
        t0 = time.perf_counter()
        vision.detect_labels(data, min_confidence=0.0)
        vision.detect_moderation_labels(data, min_confidence=0.0)
        print(f"{1000 * (time.perf_counter() - t0):.3f}", flush=True)


def paired(args: argparse.Namespace) -> None:
    import subprocess

    env = dict(
        os.environ,
        SALON_MEDIAPIPE_HANDS_DIR=str(Path(__file__).resolve().parents[1] / "node_modules" / "@mediapipe" / "hands"),
    )
    cmd = [sys.executable, __file__, "serve", "--data-dir", str(args.data_dir), "--synthetic", str(args.synthetic)]
    procs = [
        subprocess.Popen(cmd, env=dict(env, PYTHONPATH=d), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for d in (args.a, args.b)
    ]
    for p in procs:
        while p.stdout.readline().strip() != "ready":  # type: ignore[union-attr]
            pass
    n = len(_images(args.data_dir, args.synthetic))
    times: list[list[list[float]]] = [[[] for _ in range(n)], [[] for _ in range(n)]]
    load0 = os.getloadavg()
    for r in range(args.rounds):
        for i in range(n):
            order = (0, 1) if (i + r) % 2 == 0 else (1, 0)  # alternate which one goes first
            for k in order:
                procs[k].stdin.write(f"{i}\n")  # type: ignore[union-attr]
                procs[k].stdin.flush()  # type: ignore[union-attr]
                times[k][i].append(float(procs[k].stdout.readline()))  # type: ignore[union-attr]
    for p in procs:
        p.stdin.close()  # type: ignore[union-attr]
        p.wait()
    best = [[min(v) for v in t] for t in times]
    ratios = [b / a for a, b in zip(best[0], best[1], strict=True)]
    print(
        f"{n} images x {args.rounds} rounds; median per-image best: A {statistics.median(best[0]):.1f} ms, "
        f"B {statistics.median(best[1]):.1f} ms; median ratio B/A {statistics.median(ratios):.3f}; "
        f"load {load0[0]:.2f} -> {os.getloadavg()[0]:.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out")
    d.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data")
    d.add_argument("--synthetic", type=int, default=24)
    d.add_argument("--rounds", type=int, default=1)
    c = sub.add_parser("compare")
    c.add_argument("a")
    c.add_argument("b")
    data_dir = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    for name in ("serve", "paired"):
        x = sub.add_parser(name)
        if name == "paired":
            x.add_argument("a")
            x.add_argument("b")
            x.add_argument("--rounds", type=int, default=3)
        x.add_argument("--data-dir", type=Path, default=data_dir)
        x.add_argument("--synthetic", type=int, default=0)
    args = parser.parse_args()
    if args.cmd in ("dump", "serve", "paired"):
        {"dump": dump, "serve": serve, "paired": paired}[args.cmd](args)
        return 0
    return compare(args)


if __name__ == "__main__":
    sys.exit(main())
