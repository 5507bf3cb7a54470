"""How long Ctrl-C takes to stop an export that is decoding, for one or two checkouts side by side.

    python benchmarks/stop_latency.py [--repeats 5] [--copies 10] [--compare OTHER_CHECKOUT]

A stop signal is handled between translate_batch calls (CTranslate2 does not return to Python
inside a call), so the wait is the rest of the call under way. Each run starts
`translate-tool -v export` on `--copies` distinct copies of the seed with the real-shape
synthetic model (benchmarks/run.py), waits for its "decoding N distinct sentences" line, then a
further delay (run k waits `--delays`[k mod len]: points spread over the decoding, which
lasts far longer), sends SIGINT and times until the process has exited. It checks the exit
code (130). With `--compare`, the other checkout (for instance a worktree of an
older commit) runs the same way, the two taking turns. Prints the medians; not a test.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from run import CORPUS, ensure_model, isolated_env, loadavg  # noqa: E402
from scale import own_copy  # noqa: E402


def one_stop(checkout: Path, archive: Path, article: Path, tmp: Path, cache: Path, delay: float) -> dict:
    env = isolated_env(tmp, 2)
    env["PYTHONPATH"] = str(checkout)
    env["XDG_CACHE_HOME"] = str(cache)  # the unpacked-model cache, shared by a checkout's runs
    out = tmp / "out"
    cmd = [sys.executable, "-m", "translate_tool.cli", "-v", "export", str(article), "--model", str(archive),
           "--out-dir", str(out), "--no-tm", "--format", "md"]  # fmt: skip
    # cwd: not a checkout, whose translate_tool/ `python -m` would import ahead of PYTHONPATH
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp
    )
    started = time.perf_counter()
    for line in proc.stderr:
        if "decoding" in line and "distinct sentences" in line:
            break
    else:
        raise SystemExit(f"{checkout}: the export ended before decoding: exit {proc.wait()}")
    time.sleep(delay)  # a benchmark sampling a point in the decoding, not a test synchronising
    if proc.poll() is not None:
        raise SystemExit(f"{checkout}: the export ended before the signal; use more --copies")
    sent = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    rest = proc.stderr.read()
    code = proc.wait()
    stopped = time.perf_counter()
    if code != 130:
        raise SystemExit(f"{checkout}: exit {code} after SIGINT, not 130:\n{rest}")
    return {"to_decoding_s": sent - started, "stop_s": stopped - sent}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--copies", type=int, default=10, help="distinct copies of the seed (default 10)")
    parser.add_argument(
        "--delays", default="2,5,8,11,14", help="seconds after the decoding line (default 2,5,8,11,14)"
    )
    parser.add_argument("--compare", type=Path, help="another checkout to run the same way, in turns")
    opts = parser.parse_args()
    archive, _, _ = ensure_model()
    checkouts = [REPO] + ([opts.compare.resolve()] if opts.compare else [])
    seed = CORPUS.read_text(encoding="utf-8")
    results: dict[Path, list[dict]] = {c: [] for c in checkouts}
    print(f"load before: {loadavg()}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as scratch:
        article = Path(scratch) / "copies.txt"
        article.write_text("\n\n".join(own_copy(seed, i) for i in range(opts.copies)), encoding="utf-8")
        for round_ in range(opts.repeats + 1):  # round 0 warms the model cache and is discarded
            for checkout in checkouts:
                tmp = Path(tempfile.mkdtemp(dir=scratch))
                cache = Path(scratch) / f"cache-{checkouts.index(checkout)}"
                delays = [float(d) for d in opts.delays.split(",")]
                result = one_stop(checkout, archive, article, tmp, cache, delays[round_ % len(delays)])
                if round_:
                    results[checkout].append(result)
    print(f"load after: {loadavg()}", file=sys.stderr)
    for checkout, runs in results.items():
        stops = [r["stop_s"] for r in runs]
        print(
            f"{checkout}: SIGINT to exit, median {statistics.median(stops):.2f} s "
            f"(runs: {', '.join(f'{s:.2f}' for s in stops)}); start to decoding median "
            f"{statistics.median(r['to_decoding_s'] for r in runs):.2f} s"
        )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
