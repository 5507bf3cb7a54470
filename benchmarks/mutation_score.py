"""The score of mutation runs made in several parts (TAG=… benchmarks/mutation.sh), taken together.

    python benchmarks/mutation_score.py review-a review-b review-c [--only 'translate_tool.review.docx.*']
        [--drop 'review-a=*english_in*']

Each argument is a copy under benchmarks/.cache/mutation/ (or a path to one). A mutant's result
is the last one found in the copies in the order given, so a later run of some mutants (against
new tests) replaces an earlier one. `--drop COPY=GLOB` leaves out that copy's results for the
mutants GLOB matches: a function changed after that copy was made, whose mutant numbers no
longer name the same diffs (a later copy must have run it again). Prints the score per file
and every mutant not killed.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

CACHE = Path(__file__).resolve().parent / ".cache" / "mutation"
KILLED = {"killed", "timeout", "segfault"}


def results(copy: Path) -> dict[str, str]:
    out = {}
    for meta in (copy / "mutants").rglob("*.meta"):
        for name, code in json.loads(meta.read_text()).get("exit_code_by_key", {}).items():
            if code is not None:
                out[name] = status_by_exit_code[code]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("copies", nargs="+")
    parser.add_argument("--only", action="append", default=[], help="mutant name glob to count (default: all)")
    parser.add_argument("--drop", action="append", default=[], help="COPY=GLOB: ignore COPY's results for these")
    opts = parser.parse_args()
    drops = [d.split("=", 1) for d in opts.drop]
    merged: dict[str, str] = {}
    for name in opts.copies:
        copy = Path(name) if Path(name).is_dir() else CACHE / name
        stale = [glob for where, glob in drops if where == name]
        for mutant, status in results(copy).items():
            if not any(fnmatch.fnmatch(mutant, g) for g in stale):
                merged[mutant] = status
    if opts.only:
        merged = {m: s for m, s in merged.items() if any(fnmatch.fnmatch(m, g) for g in opts.only)}
    by_file: dict[str, Counter] = {}
    for mutant, status in merged.items():
        module = mutant.split(".x")[0]
        by_file.setdefault(module, Counter())[status] += 1
    for module, counts in sorted(by_file.items()):
        killed = sum(counts[s] for s in KILLED)
        tested = sum(counts.values())
        print(f"{module}: {killed}/{tested} killed ({100 * killed / tested:.1f}%), {dict(counts)}")
    for mutant, status in sorted(merged.items()):
        if status not in {"killed"}:
            print(f"    {mutant}: {status}")


if __name__ == "__main__":
    main()
