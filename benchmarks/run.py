"""Benchmark translate-tool against argostranslate and against a raw CTranslate2 call.

    python benchmarks/run.py [--repeats 5] [--input seeds/000_ab347057d505572f.txt] [--threads 2]
                             [--out BENCHMARKS.md]

Three arms translate the same article with the same model and decoding settings:

  (a) argostranslate: `argostranslate.translate.translate(block, "ar", "en")` once per block
      (title, dateline, headings, paragraphs), with the package installed in a temporary
      ARGOS_PACKAGES_DIR and its MiniSBD splitter replaced by ours so nothing downloads;
  (b) translate-tool: `read_article` -> `translate_articles` with an `ArgosTranslator`;
  (c) the limit: one `ctranslate2.Translator.translate_batch` over the sentences of (b),
      tokenised beforehand, with the batching translate-tool uses.

The model is a synthetic package of the real Argos ar->en shape (transformer-base, int8, 32k
vocabulary; `translate_tool.testing.synthetic`), built once and cached in benchmarks/.cache/. Every
measurement runs in a fresh process (so argostranslate's paragraph cache starts empty and peak
RSS is per arm), arms are interleaved a, b, c, a, b, c..., and any attempt to open a network
connection aborts the run. Results go to BENCHMARKS.md. This is not a test; it takes a few
minutes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

CORPUS = REPO / "seeds" / "000_ab347057d505572f.txt"  # the synthetic tokenizer is trained on it
CACHE = REPO / "benchmarks" / ".cache"
SCALE_MARK = "<!-- scale.py -->"
ARMS = {
    "a": "argostranslate `translate()` per block",
    "b": "translate-tool pipeline",
    "c": "raw `translate_batch` (limit)",
}
TARGET_A_OVER_B = 1.6
TARGET_B_OVER_C = 1.10
TARGET_STARTUP_S = 0.3
HEAVY_MODULES = ("ctranslate2", "docx", "argostranslate", "sentencepiece", "numpy", "sentencex")
NETWORK_EVENTS = {
    "socket.connect",
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.gethostbyaddr",
    "socket.sendto",
    "socket.sendmsg",
    "urllib.Request",
}


# --- worker side: one arm, one fresh process ---------------------------------------------


def forbid_network() -> list[str]:
    """Make every network attempt raise, and remember it even if a library swallows the error."""
    attempts: list[str] = []

    def hook(event: str, args: tuple) -> None:
        if event in NETWORK_EVENTS:
            attempts.append(f"{event} {args!r}"[:200])
            raise RuntimeError(f"benchmark: network access attempted ({event})")

    sys.addaudithook(hook)
    return attempts


class Counted:
    """Wraps a ctranslate2.Translator and counts what goes through translate_batch."""

    def __init__(self, inner):
        self.inner = inner
        self.calls = 0
        self.sentences = 0
        self.source_tokens = 0
        self.target_tokens = 0

    def translate_batch(self, source, *args, **kwargs):
        results = self.inner.translate_batch(source, *args, **kwargs)
        self.calls += 1
        self.sentences += len(source)
        self.source_tokens += sum(len(tokens) for tokens in source)
        self.target_tokens += sum(len(r.hypotheses[0]) for r in results)
        return results

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def counts(self) -> dict:
        return {
            "calls": self.calls,
            "sentences": self.sentences,
            "source_tokens": self.source_tokens,
            "target_tokens": self.target_tokens,
        }


def decode_options(settings) -> dict:
    """The translate_batch options ArgosTranslator uses, for arm (c)."""
    return {
        "beam_size": settings.beam_size,
        "length_penalty": settings.length_penalty,
        "max_batch_size": settings.max_batch_size,
        "batch_type": settings.batch_type,
        "max_decoding_length": settings.max_decoding_length,
        "replace_unknowns": True,
        "return_scores": True,
    }


def arm_a(opts: argparse.Namespace) -> dict:
    from translate_tool.readers import read_article
    from translate_tool.segment import split_sentences

    blocks = [block.source for block in read_article(opts.input).blocks]

    t0 = time.perf_counter()
    import argostranslate.sbd
    import argostranslate.settings
    import argostranslate.translate

    # MiniSBD downloads an ONNX model on first use; split with translate-tool's splitter instead.
    argostranslate.sbd.MiniSBDSentencizer.split_sentences = lambda self, text: split_sentences(text)
    translation = argostranslate.translate.get_translation_from_codes("ar", "en")
    package_translation = translation.underlying  # CachedTranslation -> PackageTranslation
    # argostranslate loads the model on the first call; make that call now so that loading is
    # measured apart from translating. The empty text decodes nothing.
    argostranslate.translate.translate("", "ar", "en")
    counter = Counted(package_translation.translator)
    package_translation.translator = counter
    load = time.perf_counter() - t0

    t1 = time.perf_counter()
    outputs = [argostranslate.translate.translate(text, "ar", "en") for text in blocks]
    seconds = time.perf_counter() - t1

    if getattr(package_translation.sentencizer, "detector", None) is not None:
        raise RuntimeError("argostranslate's MiniSBD detector was loaded")
    onnx = list(Path(argostranslate.settings.data_dir).rglob("*.onnx"))
    if onnx:
        raise RuntimeError(f"a MiniSBD model was downloaded: {onnx}")
    return {
        "load_s": load,
        "translate_s": seconds,
        "blocks": len(outputs),
        "settings": {
            "beam_size": argostranslate.settings.beam_size,
            "intra_threads": argostranslate.settings.intra_threads,
            "batch_size": argostranslate.settings.batch_size,
        },
        **counter.counts(),
    }


def arm_b(opts: argparse.Namespace) -> dict:
    t0 = time.perf_counter()
    from translate_tool.engine import ArgosTranslator, DecodeSettings
    from translate_tool.packages import open_model

    package = open_model(opts.model_dir, opts.scratch)
    translator = ArgosTranslator(package, DecodeSettings(threads=opts.threads))
    counter = Counted(translator.decoder.model)
    translator.decoder.model = counter
    load = time.perf_counter() - t0

    # The pipeline creates the translator only when there is work; here it was created above
    # so that loading is timed apart. Everything from reading the file to the English text
    # is in the translate time.
    t1 = time.perf_counter()
    from translate_tool.pipeline import translate_articles
    from translate_tool.readers import read_article

    article = read_article(opts.input)
    translate_articles([article], lambda: translator)
    seconds = time.perf_counter() - t1
    if not all(block.target for block in article.blocks):
        raise RuntimeError("translate-tool left a block untranslated")
    return {"load_s": load, "translate_s": seconds, "blocks": len(article.blocks), **counter.counts()}


def prepared_pieces(opts: argparse.Namespace):
    """The token pieces ArgosTranslator would decode for the input, and the package and settings."""
    from translate_tool.engine import DecodeSettings, load_tokenizer
    from translate_tool.packages import open_model
    from translate_tool.pipeline import pending
    from translate_tool.readers import read_article
    from translate_tool.segment import split_long

    settings = DecodeSettings(threads=opts.threads)
    package = open_model(opts.model_dir, opts.scratch)
    tokenizer = load_tokenizer(package)
    article = read_article(opts.input)
    pieces = []
    for block in pending([article]):
        for sentence in block.sentences:
            tokens = tokenizer.encode(sentence.source)
            pieces.extend(p for p in split_long(tokens, settings.max_input_tokens) if p)
    return pieces, package, settings, len(article.blocks)


def arm_c(opts: argparse.Namespace) -> dict:
    pieces, package, settings, blocks = prepared_pieces(opts)  # tokenised outside the timings

    t0 = time.perf_counter()
    import ctranslate2

    model = ctranslate2.Translator(
        str(package.model_dir), device="cpu", inter_threads=1, intra_threads=settings.threads
    )
    load = time.perf_counter() - t0

    t1 = time.perf_counter()
    results = model.translate_batch(pieces, **decode_options(settings))
    seconds = time.perf_counter() - t1
    return {
        "load_s": load,
        "translate_s": seconds,
        "blocks": blocks,
        "calls": 1,
        "sentences": len(pieces),
        "source_tokens": sum(map(len, pieces)),
        "target_tokens": sum(len(r.hypotheses[0]) for r in results),
        "options": decode_options(settings),
    }


# Batching alternatives for the sweep: (label, max_batch_size, batch_type, how). "calls" sends
# pieces longest first in calls of max_batch_size, one batch per call; "iterable" streams them
# through translate_iterable; "one call" gives them all to one translate_batch.
SWEEP = [
    ("one call, 8 examples per batch", 8, "examples", "one call"),
    ("one call, 16 examples per batch", 16, "examples", "one call"),
    ("one call, 32 examples per batch", 32, "examples", "one call"),
    ("one call, 64 examples per batch", 64, "examples", "one call"),
    ("one call, 1024 tokens per batch", 1024, "tokens", "one call"),
    ("one call, 2048 tokens per batch", 2048, "tokens", "one call"),
    ("translate_iterable, 32 examples per batch", 32, "examples", "iterable"),
    ("one call per batch of 8, longest first", 8, "examples", "calls"),
]


def sweep(opts: argparse.Namespace) -> dict:
    """Time batching alternatives on the arm (c) pieces, in one process, round robin."""
    import ctranslate2

    pieces, package, settings, _ = prepared_pieces(opts)
    model = ctranslate2.Translator(
        str(package.model_dir), device="cpu", inter_threads=1, intra_threads=settings.threads
    )
    base = decode_options(settings)
    longest_first = sorted(pieces, key=len, reverse=True)

    def run(size: int, batch_type: str, how: str) -> int:
        options = {**base, "max_batch_size": size, "batch_type": batch_type}
        if how == "iterable":
            return sum(len(r.hypotheses[0]) for r in model.translate_iterable(iter(pieces), **options))
        if how == "calls":
            return sum(
                len(r.hypotheses[0])
                for start in range(0, len(longest_first), size)
                for r in model.translate_batch(longest_first[start : start + size], **options)
            )
        return sum(len(r.hypotheses[0]) for r in model.translate_batch(pieces, **options))

    run(settings.max_batch_size, settings.batch_type, "one call")  # warm up
    times: dict[str, list[float]] = {label: [] for label, *_ in SWEEP}
    tokens: dict[str, int] = {}
    for _ in range(opts.sweep_repeats):
        for label, size, batch_type, how in SWEEP:
            t0 = time.perf_counter()
            tokens[label] = run(size, batch_type, how)
            times[label].append(time.perf_counter() - t0)
    return {
        "times": times,
        "target_tokens": tokens,
        "current": [settings.max_batch_size, settings.batch_type],
    }


def install_for_argos(opts: argparse.Namespace) -> dict:
    """Install the package the way argostranslate's users do, into the temporary packages dir."""
    import argostranslate.package

    argostranslate.package.install_from_path(opts.package)
    return {"installed": [str(p.package_path) for p in argostranslate.package.get_installed_packages()]}


def peak_rss_mb() -> float:
    """This process's peak resident set. VmHWM, not getrusage: Linux carries ru_maxrss over
    from the parent across fork + exec, so a child would report at least the parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


WORKERS = {"a": arm_a, "b": arm_b, "c": arm_c, "install": install_for_argos, "sweep": sweep}


def worker_main(opts: argparse.Namespace) -> None:
    attempts = forbid_network()
    result = WORKERS[opts.worker](opts)
    result["peak_rss_mb"] = peak_rss_mb()
    result["network_attempts"] = attempts
    print("RESULT " + json.dumps(result), flush=True)


# --- parent side --------------------------------------------------------------------------


def ensure_model() -> tuple[Path, Path, dict]:
    """Build (once) the REAL-shaped synthetic package; return (.argosmodel, unpacked dir, info)."""
    from translate_tool.packages import load_package, unpack
    from translate_tool.testing import synthetic

    shape, seed, bias = synthetic.REAL, 0, synthetic.REAL_EOS_BIAS
    digest = hashlib.sha256()
    for part in (
        Path(synthetic.__file__).read_bytes(),
        CORPUS.read_bytes(),
        repr((shape, seed, bias)).encode(),
    ):
        digest.update(part)
    key = digest.hexdigest()[:12]
    home = CACHE / f"model-{key}"
    archive = home / "translate-ar_en-synthetic.argosmodel"
    unpacked = home / "unpacked"
    info = {"shape": shape, "seed": seed, "eos_bias": bias, "key": key, "built": False}
    if not archive.exists():
        if CACHE.exists():  # one model at a time: drop ones built from an older synthetic.py
            for old in CACHE.glob("model-*"):
                shutil.rmtree(old, ignore_errors=True)
        print(f"building the synthetic model in {home} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        synthetic.build_package(
            archive, CORPUS.read_text(encoding="utf-8"), shape=shape, seed=seed, eos_bias=bias
        )
        info["built"] = True
        info["build_s"] = time.perf_counter() - t0
    folders = [p for p in unpacked.glob("*") if (p / "metadata.json").exists()] if unpacked.exists() else []
    package = load_package(folders[0]) if folders else unpack(archive, unpacked)
    info["archive_mb"] = archive.stat().st_size / 1e6
    info["model_mb"] = sum(f.stat().st_size for f in package.model_dir.iterdir()) / 1e6
    return archive, package.path, info


def isolated_env(tmp: Path, threads: int) -> dict:
    """Environment for every child: a throw-away home, argostranslate settings, our code first."""
    env = dict(os.environ)
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        env[name] = str(tmp / name.lower())
    env["HOME"] = str(tmp / "home")
    env["ARGOS_PACKAGES_DIR"] = str(tmp / "argos-packages")
    env["ARGOS_DEVICE_TYPE"] = "cpu"
    env["ARGOS_INTER_THREADS"] = "1"
    env["ARGOS_INTRA_THREADS"] = str(threads)
    env["ARGOS_BEAM_SIZE"] = "4"
    env.pop("ARGOS_BATCH_SIZE", None)  # argostranslate's default (32 tokens per batch), as users run it
    env.pop("ARGOS_CHUNK_TYPE", None)
    env.pop("ARGOS_COMPUTE_TYPE", None)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "HOME", "ARGOS_PACKAGES_DIR"):
        Path(env[name]).mkdir(parents=True, exist_ok=True)
    return env


def run_worker(name: str, opts: argparse.Namespace, env: dict, extra: list[str]) -> dict:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        name,
        "--input",
        str(opts.input),
        "--threads",
        str(opts.threads),
        *extra,
    ]
    proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode or not lines:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"benchmark worker {name!r} failed (exit {proc.returncode})")
    result = json.loads(lines[-1][len("RESULT ") :])
    if result["network_attempts"]:
        raise SystemExit(f"worker {name!r} tried to use the network: {result['network_attempts']}")
    return result


def time_command(cmd: list[str], env: dict, runs: int) -> dict:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        if proc.returncode:
            raise SystemExit(f"{shlex.join(cmd)} failed: {proc.stderr.strip()}")
    trace = subprocess.run(
        [cmd[0], "-X", "importtime", *cmd[1:]], env=env, cwd=REPO, capture_output=True, text=True
    )
    imported = set()
    for line in trace.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+\d+ \|\s*(\S+)", line)
        if match:
            imported.add(match.group(1).split(".")[0])
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "heavy": sorted(m for m in HEAVY_MODULES if m in imported),
    }


def measure_startup(env: dict, runs: int) -> dict:
    cli = [sys.executable, "-m", "translate_tool.cli"]
    return {
        "python -c pass (interpreter floor)": time_command([sys.executable, "-c", "pass"], env, runs),
        "translate-tool --help": time_command([*cli, "--help"], env, runs),
        "translate-tool models list": time_command([*cli, "models", "list"], env, runs),
    }


def summarise(runs: list[dict]) -> dict:
    seconds = [r["translate_s"] for r in runs]
    loads = [r["load_s"] for r in runs]
    last = runs[-1]
    median = statistics.median(seconds)
    counts = {
        k: sorted({r[k] for r in runs}) for k in ("sentences", "source_tokens", "target_tokens", "calls")
    }
    return {
        "translate_median_s": median,
        "translate_min_s": min(seconds),
        "translate_max_s": max(seconds),
        "load_median_s": statistics.median(loads),
        "total_median_s": statistics.median(r["load_s"] + r["translate_s"] for r in runs),
        "tokens_per_s": last["target_tokens"] / median,
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "counts": counts,
        "runs": seconds,
    }


def machine_info() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "ctranslate2": version("ctranslate2"),
        "argos-translate-lt": version("argos-translate-lt"),
        "sentencepiece": version("sentencepiece"),
    }


def write_section(out: Path, mark: str, lines: list[str]) -> None:
    """Put `lines` (starting with `mark`) into the report `out`, replacing that script's earlier section.

    A section runs from its mark up to the next generated section's mark, or the end.
    """
    report = out.read_text(encoding="utf-8") if out.exists() else "# Benchmarks\n"
    report = re.sub(re.escape(mark) + r".*?(?=^<!-- |\Z)", "", report, flags=re.S | re.M).rstrip("\n")
    out.write_text(report + "\n\n" + "\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def status(ok: bool) -> str:
    return "met" if ok else "**missed**"


def one(values: list) -> str:
    return str(values[0]) if len(values) == 1 else "/".join(map(str, values))


def render(report: dict) -> str:
    m, arms, s = report["machine"], report["arms"], report["settings"]
    a, b, c = (arms[k] for k in ARMS)
    a_over_b = a["translate_median_s"] / b["translate_median_s"]
    b_over_c = b["translate_median_s"] / c["translate_median_s"]
    total_a_over_b = a["total_median_s"] / b["total_median_s"]
    total_b_over_c = b["total_median_s"] / c["total_median_s"]
    model = report["model"]
    shape = model["shape"]
    src_tokens = c["counts"]["source_tokens"][0]
    lines = [
        "# Benchmarks",
        "",
        "Generated by `benchmarks/run.py`; do not edit by hand, rerun it.",
        "",
        "## Setup",
        "",
        f"- Date: {report['date']}",
        f"- Command: `{report['command']}` ({report['wall_s']:.0f} s in all)",
        f"- Machine: {m['nproc']} CPUs available, {m['cpu']}, {m['platform']}",
        f"- Python {m['python']}, ctranslate2 {m['ctranslate2']}, argos-translate-lt {m['argos-translate-lt']}, "
        f"sentencepiece {m['sentencepiece']}",
        f"- Load average (1/5/15 min) before: {report['load_before']}; after (includes this run's own "
        f"{s['threads']} busy threads): {report['load_after']}",
        f"- Input: `{report['input']}` ({b['counts']['sentences'][0]} sentences in "
        f"{report['blocks']} blocks, {src_tokens} source tokens)",
        f"- Model: synthetic Argos ar→en package from `translate_tool.testing.synthetic` with the real package's "
        f"shape: {shape.layers}+{shape.layers} layers, d_model {shape.d_model}, {shape.heads} heads, "
        f"FFN {shape.ffn}, vocabulary {shape.vocab_size}, {shape.quantization}; random weights "
        f"(seed {model['seed']}), EOS logit bias {model['eos_bias']}; model.bin + vocabulary "
        f"{model['model_mb']:.0f} MB. Its output is gibberish, but the matrices, tokenizer and decoding "
        f"work are real-sized.",
        f"- Decoding, all arms: beam {s['beam_size']}, length_penalty {s['length_penalty']}, "
        f"max_decoding_length {s['max_decoding_length']}, intra_threads {s['threads']}, inter_threads 1, "
        f"CPU, compute type auto (int8). For (a) these are argostranslate's own values: "
        f"ARGOS_BEAM_SIZE={a['settings']['beam_size']}, ARGOS_INTRA_THREADS={a['settings']['intra_threads']}, "
        "its hard-coded length_penalty 0.2 and ctranslate2's default max_decoding_length 256.",
        f"- Batching: (a) argostranslate's own — one `translate_batch` per block, "
        f'`max_batch_size={a["settings"]["batch_size"]}, batch_type="tokens"` (its ARGOS_BATCH_SIZE default); '
        f'(b) and (c) `max_batch_size={s["max_batch_size"]}, batch_type="{s["batch_type"]}"`, longest first, '
        f"one `translate_batch` call per batch, cut by CTranslate2's own rule (at most {s['sentences_per_call']} "
        "sentences), so (b) decodes the batches of (c)'s one call.",
        f"- Each figure is the median of {report['repeats']} runs; every run is a fresh process; arms run "
        f"interleaved (a, b, c, a, b, c, ...) after one discarded warm-up round. Network access is "
        f"blocked by an audit hook in every run (none was attempted); argostranslate's MiniSBD splitter is "
        f"replaced by translate-tool's, and its model was never loaded or downloaded.",
        "",
        "## Translation",
        "",
        '"load" is imports + opening the package + creating the `ctranslate2.Translator` '
        "(for argostranslate: its lazy load, forced by translating an empty string). "
        '"translate" is everything after: (a) `translate()` for every block; (b) `read_article` + '
        "segmenting + tokenising + decoding + detokenising; (c) the one `translate_batch` call "
        "(tokenised beforehand, not timed). Peak RSS is the process's maximum resident set.",
        "",
        "| arm | load s | translate s (median) | min – max | sentences | source tokens | target tokens "
        "| `translate_batch` calls | target tokens/s | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, name in ARMS.items():
        r = arms[key]
        cnt = r["counts"]
        lines.append(
            f"| ({key}) {name} | {r['load_median_s']:.2f} | {r['translate_median_s']:.2f} | "
            f"{r['translate_min_s']:.2f} – {r['translate_max_s']:.2f} | {one(cnt['sentences'])} | "
            f"{one(cnt['source_tokens'])} | {one(cnt['target_tokens'])} | {one(cnt['calls'])} | "
            f"{r['tokens_per_s']:.0f} | {r['peak_rss_mb']:.0f} |"
        )
    ratio = int(c["counts"]["target_tokens"][0]) / src_tokens
    lines += [
        "",
        f"Target/source token ratio: {ratio:.2f}.",
        "",
        "| ratio | translate | load + translate | target | |",
        "|---|---:|---:|---:|---|",
        f"| (a)/(b) | {a_over_b:.2f} | {total_a_over_b:.2f} | ≥ {TARGET_A_OVER_B} | "
        f"{status(a_over_b >= TARGET_A_OVER_B)} |",
        f"| (b)/(c) | {b_over_c:.2f} | {total_b_over_c:.2f} | ≤ {TARGET_B_OVER_C} | "
        f"{status(b_over_c <= TARGET_B_OVER_C)} |",
        "",
        "Per-run translate seconds, in run order:",
        "",
    ]
    for key in ARMS:
        lines.append(f"- ({key}): " + ", ".join(f"{x:.2f}" for x in arms[key]["runs"]))
    if report.get("sweep"):
        lines += render_sweep(report["sweep"], report["settings"])
    lines += [
        "",
        "## Startup",
        "",
        f"Wall time of the whole process, median of {report['startup_runs']} runs (`python -m translate_tool.cli`, "
        f"what the `translate-tool` console script runs); heavy modules found with `python -X importtime`. "
        f"Target < {TARGET_STARTUP_S} s.",
        "",
        "| command | median s | min – max | heavy modules imported | |",
        "|---|---:|---:|---|---|",
    ]
    for name, r in report["startup"].items():
        verdict = "" if name.startswith("python -c") else status(r["median_s"] < TARGET_STARTUP_S)
        lines.append(
            f"| `{name}` | {r['median_s']:.3f} | {r['min_s']:.3f} – {r['max_s']:.3f} | "
            f"{', '.join(r['heavy']) or 'none'} | {verdict} |"
        )
    lines += ["", "## Notes", ""]
    lines += [f"- {note}" for note in report["notes"]]
    lines += [
        "",
        "## How to reproduce",
        "",
        "```sh",
        "python -m venv venv && venv/bin/pip install -e '.[test]'",
        "venv/bin/python benchmarks/run.py --repeats 5 --threads 2   # writes BENCHMARKS.md",
        "```",
        "",
        "The first run builds the synthetic model (a few seconds) into `benchmarks/.cache/` (git-ignored); "
        "later runs reuse it until `translate_tool/testing/synthetic.py` or the seed article changes. No network "
        "is needed. Keep the machine otherwise idle: with 2 cores, any other load shows up directly "
        "in the figures (the load average is recorded above for that reason). `--input` takes "
        "another article; `--repeats`, `--threads` and `--out` do what they say.",
        "",
    ]
    return "\n".join(lines)


def render_sweep(result: dict, settings: dict) -> list[str]:
    times = result["times"]
    ours = next(
        (
            label
            for label, size, kind, how in SWEEP
            if (size, kind, how) == (settings["max_batch_size"], settings["batch_type"], "one call")
        ),
        None,
    )
    reference = statistics.median(times[ours]) if ours else None
    rounds = len(next(iter(times.values())))
    lines = [
        "",
        "### Batching alternatives",
        "",
        f"The pieces of arm (c) decoded with other batching, one process, {rounds} round-robin rounds "
        "after a warm-up (same model, beam, length penalty, threads). translate-tool and arm (c) use the "
        "row marked ←.",
        "",
        "| batching | median s | min – max | target tokens | vs ← |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, *_ in SWEEP:
        values = times[label]
        median = statistics.median(values)
        rel = f"{median / reference:.2f}" if reference else ""
        mark = " ←" if label == ours else ""
        lines.append(
            f"| {label}{mark} | {median:.2f} | {min(values):.2f} – {max(values):.2f} | "
            f"{result['target_tokens'][label]} | {rel} |"
        )
    return lines


def notes(report: dict) -> list[str]:
    arms = report["arms"]
    out = []
    a, b, c = (arms[k] for k in ARMS)
    if a["counts"]["source_tokens"] != b["counts"]["source_tokens"]:
        reasons = []
        if report["repeated_blocks"]:
            reasons.append(
                f"{report['repeated_blocks']} block(s) repeat the block just before them, and argostranslate's "
                "CachedTranslation reuses the previous call's translation for those instead of decoding them"
            )
        reasons.append(
            "argostranslate splits every block with the splitter (titles and headings too, which "
            "translate-tool keeps whole) and does not cut sentences over "
            f"{report['settings']['max_input_tokens']} tokens"
        )
        out.append("(a) and (b) decoded different sentences: " + "; ".join(reasons) + ".")
    else:
        out.append("(a), (b) and (c) decoded the same sentences (same source token counts).")
    if (
        len(set(a["counts"]["target_tokens"] + b["counts"]["target_tokens"] + c["counts"]["target_tokens"]))
        > 1
    ):
        out.append(
            "Target token counts differ a little between arms: beam search on different batch "
            "compositions gives slightly different (padded, int8) arithmetic, so a few hypotheses "
            "end one or two tokens apart. tokens/s uses each arm's own count."
        )
    calls_a, calls_b = a["counts"]["calls"][0], b["counts"]["calls"][0]
    sentences_a = a["counts"]["sentences"][0]
    st = report["settings"]
    batch = f"{st['max_batch_size']} {'tokens' if st['batch_type'] == 'tokens' else 'sentences'}"
    out.append(
        f"Why (a) is slower: argostranslate makes one `translate_batch` call per block ({calls_a} calls, "
        f"{sentences_a / max(calls_a, 1):.1f} sentences each on average) and batches by "
        f"{a['settings']['batch_size']} tokens, so nearly every sentence is decoded alone and the "
        f"{report['settings']['threads']} threads have little to share. translate-tool sorts all sentences "
        f"of the run by length and decodes them in full batches of {batch} ({calls_b} call(s) of up to "
        f"{st['sentences_per_call']} sentences: one call per batch, so the progress bar moves and a stop signal waits "
        "for one batch). Reading, segmenting, tokenising and "
        "detokenising cost little: (b) includes them, (c) does not."
    )
    extra_rss = b["peak_rss_mb"] - a["peak_rss_mb"]
    if extra_rss > 20:
        out.append(
            f"(b) peaks about {extra_rss:.0f} MB above (a): a batch of "
            f"{batch} × beam {report['settings']['beam_size']} "
            "holds more activations and decoder state at once than one sentence does. Smaller batches use "
            "less (see the sweep for their speed)."
        )
    sweep_result = report.get("sweep")
    if sweep_result:
        medians = {label: statistics.median(v) for label, v in sweep_result["times"].items()}
        ours = next(
            label
            for label, size, kind, how in SWEEP
            if (size, kind, how)
            == (report["settings"]["max_batch_size"], report["settings"]["batch_type"], "one call")
        )
        best = min(medians, key=medians.get)
        gain = medians[ours] / medians[best]
        if gain > 1.05:
            out.append(f'The sweep found "{best}" {gain:.2f}x faster than translate-tool\'s batching.')
        else:
            close = [label for label in medians if label != ours and medians[label] <= medians[ours] * 1.05]
            slow = [label for label in medians if medians[label] > medians[ours] * 1.05]
            out.append(
                f'No batching in the sweep beat translate-tool\'s by more than 5% (best: "{best}", '
                f"{gain:.2f}x), so it is kept. Within 5% of it: {'; '.join(close) or 'none'}. "
                f"More than 5% slower: {'; '.join(slow) or 'none'}."
            )
    load_before = float(report["load_before"].split()[0])
    if load_before > 0.5:
        out.append(
            f"The machine was not idle (load average {report['load_before']} at the start): other "
            "processes competed for the 2 cores, so the figures are noisier and slower than on an idle "
            "machine; the min – max columns show the spread."
        )
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="measured runs per arm (default 5)")
    parser.add_argument("--input", type=Path, default=CORPUS, help="article to translate (default: the seed)")
    parser.add_argument("--threads", type=int, default=2, help="CTranslate2 intra_threads (default 2)")
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md", help="report file")
    parser.add_argument("--startup-runs", type=int, default=10, help="runs per startup command (default 10)")
    parser.add_argument(
        "--sweep-repeats",
        type=int,
        default=3,
        help="rounds of the batching sweep on the limit arm (default 3; 0 skips it)",
    )
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--model-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--scratch", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--package", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    opts = parse_args(argv)
    opts.input = opts.input.resolve()
    if opts.worker:
        worker_main(opts)
        return

    from translate_tool.engine import DecodeSettings
    from translate_tool.readers import read_article

    started = time.perf_counter()
    command = shlex.join(["python", "benchmarks/run.py", *(sys.argv[1:] if argv is None else argv)])
    blocks = read_article(opts.input).blocks
    report: dict = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "machine": machine_info(),
        "load_before": loadavg(),
        "input": os.path.relpath(opts.input, REPO),
        "blocks": len(blocks),
        "repeated_blocks": sum(1 for x, y in zip(blocks, blocks[1:], strict=False) if x.source == y.source),
        "repeats": opts.repeats,
        "startup_runs": opts.startup_runs,
    }
    if float(report["load_before"].split()[0]) > 0.5:
        print(f"warning: load average is {report['load_before']}; results will be noisy", file=sys.stderr)
    settings = DecodeSettings(threads=opts.threads)
    report["settings"] = {**settings.__dict__}

    archive, model_dir, model_info = ensure_model()
    report["model"] = model_info
    with tempfile.TemporaryDirectory(prefix="translate-tool-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = isolated_env(tmp, opts.threads)
        run_worker("install", opts, env, ["--package", str(archive)])
        extra = ["--model-dir", str(model_dir), "--scratch", str(tmp / "scratch")]
        runs: dict[str, list[dict]] = {k: [] for k in ARMS}
        for round_ in range(opts.repeats + 1):  # round 0 warms the page cache and is dropped
            for key in ARMS:
                result = run_worker(key, opts, env, extra)
                label = "warm-up" if round_ == 0 else f"run {round_}/{opts.repeats}"
                print(
                    f"({key}) {label}: load {result['load_s']:.2f} s, translate {result['translate_s']:.2f} s, "
                    f"{result['target_tokens']} target tokens",
                    file=sys.stderr,
                    flush=True,
                )
                if round_:
                    runs[key].append(result)
        report["arms"] = {k: summarise(v) for k, v in runs.items()}
        report["arms"]["a"]["settings"] = runs["a"][-1]["settings"]
        if opts.sweep_repeats > 0:
            print("sweeping batching alternatives ...", file=sys.stderr, flush=True)
            report["sweep"] = run_worker(
                "sweep", opts, env, [*extra, "--sweep-repeats", str(opts.sweep_repeats)]
            )
        print("timing startup ...", file=sys.stderr, flush=True)
        report["startup"] = measure_startup(env, opts.startup_runs)
    report["load_after"] = loadavg()
    report["wall_s"] = time.perf_counter() - started
    report["notes"] = notes(report)
    text = render(report)
    # Keep the section benchmarks/scale.py appends; it is regenerated by that script alone.
    old = opts.out.read_text(encoding="utf-8") if opts.out.exists() else ""
    # Keep every section the other scripts generated (scale.py, model_cache.py, cluster.py):
    # they start at the first "<!-- name.py -->" marker, whatever their order.
    marker = re.search(r"^<!-- [a-z_]+\.py -->$", old, flags=re.M)
    kept = old[marker.start() :] if marker else ""
    opts.out.write_text(text.rstrip("\n") + ("\n\n" + kept if kept else "\n"), encoding="utf-8")
    print(text)
    raw = CACHE / "last-run.json"
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text(
        json.dumps({**report, "model": {**model_info, "shape": repr(model_info["shape"])}}, indent=1)
    )


if __name__ == "__main__":
    main()
