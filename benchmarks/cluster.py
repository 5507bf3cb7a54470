"""Cluster figures for BENCHMARKS.md: `export --workers 1` and `--workers 2` beside the in-process run.

    python benchmarks/cluster.py [--articles 50] [--runs 3] [--out BENCHMARKS.md]

Every case is one `translate-tool export` child process over the same folder of `--articles`
seed-sized articles (each sentence made distinct with a number, so the run's de-duplication
does not shrink the work), on the real-shape synthetic model from `benchmarks/run.py`, with
no translation memory. The cases run in turn, `--runs` times, and the medians are reported.

It also measures the client's overhead per passage, the two figures of the throughput model:
- the client's own work (read, tokenize, check, render, write) with a zero-cost decoder in
  this process, per passage;
- the round trip of one batch through the local cluster with a decoder that returns at once,
  per passage.
"""

from __future__ import annotations

import argparse
import os
import re
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

MARK, END = "<!-- cluster.py -->", "<!-- /cluster.py -->"


def make_articles(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True)
    text = CORPUS.read_text(encoding="utf-8")
    for i in range(count):
        (folder / f"article-{i:03d}.txt").write_text(text.replace(".", f" {i + 1}."), encoding="utf-8")
    return folder


def export(args: list[str], env: dict) -> float:
    cmd = [sys.executable, "-m", "translate_tool.cli", "export", *args]
    start = time.perf_counter()
    run = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True)
    if run.returncode:
        raise SystemExit(f"export failed ({run.returncode}): {' '.join(cmd)}\n{run.stderr[-3000:]}")
    return time.perf_counter() - start


class ZeroCost:
    """A decoder that answers at once: what is left is the client's own work."""

    def decode(self, batches, options):
        for batch in batches:
            yield [(tokens[:1] or ["▁a"], -0.1) for tokens in batch]


def client_overhead(package_dir: Path, articles: Path, tmp: Path) -> dict:
    """Seconds per passage of everything but decoding, in this process and through the cluster."""
    from translate_tool import cluster
    from translate_tool.api import ExportOptions
    from translate_tool.api import export as run_export
    from translate_tool.engine import ArgosTranslator, DecodeSettings
    from translate_tool.packages import load_package
    from translate_tool.readers import expand_inputs, read_article

    package = load_package(package_dir)
    paths = expand_inputs([articles])
    passages = sum(len(read_article(p).blocks) for p in paths)
    sentences = [s for p in paths for s in _sentences(read_article(p))]

    translator = ArgosTranslator(package, DecodeSettings(), decoder=ZeroCost())
    start = time.perf_counter()
    run_export([articles], ExportOptions(out_dir=tmp / "zero", use_memory=False), translator=translator)
    local = (time.perf_counter() - start) / passages

    with cluster.connect(workers=1) as client:
        decoder = cluster.ClusterDecoder(client, in_flight=2)
        tokenized = [translator.tokenizer.encode(s) for s in sentences]
        batches = [tokenized[i : i + 128] for i in range(0, len(tokenized), 128)]
        echo = client.submit(lambda: None)
        echo.result()
        start = time.perf_counter()
        futures = [client.submit(_echo, b, pure=False) for b in batches]
        for future in futures:
            future.result()
        trip = (time.perf_counter() - start) / len(sentences)
        del decoder
    return {"passages": passages, "sentences": len(sentences), "local_s": local, "trip_s": trip}


def _echo(batch):
    return [(tokens, 0.0) for tokens in batch]


def _sentences(article):
    from translate_tool.pipeline import pending

    return [s.source for block in pending([article]) for s in block.sentences]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md")
    opts = parser.parse_args()

    _, package_dir, info = ensure_model()
    before = loadavg()
    cases = {
        "in-process (2 threads)": [],
        "--workers 1": ["--workers", "1"],
        "--workers 2": ["--workers", "2"],
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    with tempfile.TemporaryDirectory(prefix="tt-cluster-") as tmp_name:
        tmp = Path(tmp_name)
        articles = make_articles(tmp / "articles", opts.articles)
        env = isolated_env(tmp, threads=2)
        common = [str(articles), "--model", str(package_dir), "--no-tm", "--format", "md"]
        for run in range(opts.runs):
            for name, flags in cases.items():
                print(f"run {run + 1}: {name} ...", file=sys.stderr, flush=True)
                times[name].append(export([*common, *flags, "--out-dir", str(tmp / "out")], env))
        overhead = client_overhead(package_dir, articles, tmp)
    passages, sentences = overhead["passages"], overhead["sentences"]
    median = {name: statistics.median(values) for name, values in times.items()}
    one = median["--workers 1"]
    lines = [
        MARK,
        "## More than one worker (Dask)",
        "",
        f"Generated by `benchmarks/cluster.py --articles {opts.articles} --runs {opts.runs}` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average before: {before}, after: {loadavg()}. "
        f"{opts.articles} seed-sized articles ({passages} passages, {sentences} distinct sentences), the real-shape "
        f"synthetic model ({info['model_mb']:.0f} MB), beam 4, Markdown only, no memory. Each figure is the median "
        f"wall time of {opts.runs} `translate-tool export` processes, the cases taking turns; it includes starting "
        "the local cluster and loading the model in each worker.",
        "",
        "| case | wall s (median) | runs | sentences/s | vs --workers 1 |",
        "|---|---:|---|---:|---:|",
    ]
    for name, values in times.items():
        runs = ", ".join(f"{v:.1f}" for v in values)
        lines.append(
            f"| {name} | {median[name]:.1f} | {runs} | {sentences / median[name]:.1f} | {one / median[name]:.2f} |"
        )
    decode_per_sentence = one / sentences
    lines += [
        "",
        f"**Client overhead, measured:** {overhead['local_s'] * 1e3:.2f} ms per passage for everything but "
        f"decoding (reading, tokenizing, checks, rendering, writing; a zero-cost decoder in-process), and "
        f"{overhead['trip_s'] * 1e3:.3f} ms per sentence for a batch's round trip through the scheduler to a "
        "worker and back (128-sentence batches answered at once).",
        "",
        "**What this machine can show.** It has 2 cores. `--workers 2` runs two single-threaded decoders "
        "side by side, which is what the in-process translator already does with its 2 CTranslate2 threads, "
        "so on 2 cores the cluster can at best match the in-process run; what it shows here is the cost "
        "of going through Dask (start-up, model load per worker, the round trips), not a speed-up. The "
        "speed-up comes from more cores or machines than one process can use.",
        "",
        "**What to expect per added worker.** Decoding is the bound: with d the decode time per sentence "
        f"on one single-threaded worker (here about {decode_per_sentence:.3f} s, from the `--workers 1` row, "
        "start-up included) and c the client's time per sentence that does not parallelise (the two "
        "overheads above), N workers give about 1 / (d/N + c) sentences per second, until the client's "
        f"c is the limit: at most about {1 / max(overhead['local_s'] * passages / sentences + overhead['trip_s'], 1e-9):.0f} "
        "sentences per second whatever the number of workers.",
        END,
    ]
    section = "\n".join(lines)
    report = opts.out.read_text(encoding="utf-8") if opts.out.exists() else "# Benchmarks\n"
    if MARK in report:
        report = re.sub(re.escape(MARK) + r".*?" + re.escape(END), lambda _: section, report, flags=re.S)
    else:  # after run.py's sections: it keeps everything from the scale section on
        report = report.rstrip("\n") + "\n\n" + section + "\n"
    opts.out.write_text(report, encoding="utf-8")
    print(section)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
