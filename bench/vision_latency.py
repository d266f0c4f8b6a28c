"""Per-image model-only latency and outputs of the vision stand-ins, for A/B checks of speed-ups.

``dump OUT.json``: every image of ``../shared/data/images`` (measuring only) plus ``--synthetic N`` hands rendered
by ``salon.ai.nail_synth``; for each, the DetectLabels and DetectModerationLabels outputs at min_confidence 0 and
the time of the two calls together (as ``salon.ai.evaluate.model_latency`` times them), over ``--rounds`` passes.
``compare A.json B.json``: the largest confidence difference per image set and label, and the median times.

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
    args = parser.parse_args()
    if args.cmd == "dump":
        dump(args)
        return 0
    return compare(args)


if __name__ == "__main__":
    sys.exit(main())
