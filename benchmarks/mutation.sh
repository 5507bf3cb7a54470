#!/usr/bin/env bash
# Mutation testing with mutmut, one module at a time; not part of CI (it runs the module's tests once
# per mutant, which takes from minutes to an hour per module). See TESTING.md for the scores.
#
#   benchmarks/mutation.sh files glossary    # one or more of: files review memory checks glossary packages
#   MUTANTS='translate_tool.packages.x__safe_members*' benchmarks/mutation.sh packages   # some mutants only
#   TAG=a MUTANTS='translate_tool.review.ooxml.*' benchmarks/mutation.sh review &   # halves side by side
#
# Needs `pip install -e '.[test,mutation]'`. Each module runs in its own copy of the tree under
# benchmarks/.cache/mutation/<module>/ (mutmut writes a mutants/ folder there), on one core, with only
# the tests that exercise that module. It prints mutmut's summary and the surviving mutants; inspect
# one with `cd benchmarks/.cache/mutation/<module> && mutmut show <name>`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# The tests that cover each module (the fast ones: a mutant is tested by running these).
# files leaves out the held-writer tests of test_atomic_writes.py: with them in the selection,
# mutmut 3.8.1 stopped at its first mutant (KeyError on a pid in ForkRunner.wait_for_result);
# their child process never runs a mutant anyway, and the in-process dead-part test holds a live
# lock of its own.
declare -A TESTS=(
  [files]="tests/test_atomic_writes.py::test_only_dead_part_files_of_our_own_are_removed
           tests/test_atomic_writes.py::test_write_atomic_writes_through_a_hidden_part_file_beside_the_target
           tests/test_atomic_writes.py::test_write_atomic_removes_its_part_file_when_interrupted_or_failing
           tests/test_atomic_writes.py::test_read_user_file_says_in_one_line_what_is_wrong
           tests/test_atomic_writes.py::test_an_interrupt_just_after_the_rename_is_still_an_interrupt
           tests/test_atomic_writes.py::test_a_write_that_fails_half_way_keeps_the_last_good_export
           tests/test_atomic_writes.py::test_a_failed_rename_keeps_the_last_good_export_and_leaves_no_part_file
           tests/test_files.py tests/test_files_units.py"
  [review]="tests/test_review_docx_units.py tests/test_review.py tests/test_review_xliff.py tests/test_review_conflicts.py
           tests/test_review_layouts.py"
  [memory]="tests/test_memory.py tests/test_cli_memory.py tests/test_memory_open.py tests/test_review_conflicts.py
            tests/test_metrics.py tests/test_tm_import.py tests/test_memory_busy.py tests/test_memory_units.py"
  [checks]="tests/test_checks.py"
  [glossary]="tests/test_glossary.py"
  [packages]="tests/test_packages.py tests/test_downloads.py"
)

# Modules of which only some functions are mutated unless MUTANTS says otherwise: for packages,
# the validation of untrusted metadata.json files and index entries (issue 18), not the
# installing and downloading around it.
declare -A ONLY=(
  [packages]="translate_tool.packages.x__kind* translate_tool.packages.x__text* translate_tool.packages.x__common_fields*
              translate_tool.packages.x_package_from_metadata* translate_tool.packages.x_index_entry*
              translate_tool.packages.x_version_key* translate_tool.packages.x__parse_metadata*
              translate_tool.packages.x_load_package* translate_tool.packages.x__check_package*
              translate_tool.packages.x__archive_metadata* translate_tool.packages.x_verify_sha256*"
)
# The files each module name mutates, when it is not translate_tool/<module>.py (or the package <module>/).
declare -A TARGETS=(
  [memory]="translate_tool/memory.py translate_tool/memory_schema.py translate_tool/memory_history.py"
)

if [ $# -eq 0 ]; then
  echo "usage: $0 MODULE... (one or more of: ${!TESTS[*]})" >&2
  exit 2
fi

for module in "$@"; do
  if [ -z "${TESTS[$module]+set}" ]; then
    echo "$0: unknown module $module (one of: ${!TESTS[*]})" >&2
    exit 2
  fi
  # review may be a module or a package; memory is three modules
  if [ -n "${TARGETS[$module]+set}" ]; then target="${TARGETS[$module]}"
  elif [ -d "translate_tool/$module" ]; then target="translate_tool/$module/*"
  else target="translate_tool/$module.py"; fi
  # TAG=name gives a run its own copy, so two runs of one module (e.g. two halves, chosen with
  # MUTANTS) can go side by side on two cores.
  work="$root/benchmarks/.cache/mutation/$module${TAG:+-$TAG}"
  rm -rf "$work"
  mkdir -p "$work"
  git ls-files -co --exclude-standard | grep -v '^benchmarks/.cache/' | tar -cf - -T - | tar -xf - -C "$work"
  # mutmut reads [tool.mutmut] from pyproject.toml first: the scratch copy gets this module's section
  {
    echo
    echo "[tool.mutmut]"
    echo "source_paths = [\"translate_tool\"]"
    printf 'only_mutate = ['
    first=1
    set -f  # the patterns are mutmut's globs, not the shell's
    for t in $target; do
      [ $first -eq 1 ] || printf ', '
      printf '"%s"' "$t"
      first=0
    done
    set +f
    echo ']'
    echo "also_copy = [\"seeds\"]"
    printf 'pytest_add_cli_args_test_selection = ['
    first=1
    for t in ${TESTS[$module]}; do
      [ $first -eq 1 ] || printf ', '
      printf '"%s"' "$t"
      first=0
    done
    echo ']'
    echo 'pytest_add_cli_args = ["-x", "-q", "-p", "no:cacheprovider"]'
  } >>"$work/pyproject.toml"
  echo "== $module: mutating $target, testing with ${TESTS[$module]}"
  (
    cd "$work"
    # mutmut forks every mutant's test run from a process that has already run the tests; an
    # OpenMP thread pool (CTranslate2's, from the export tests) does not survive a fork, and
    # the child hangs in its first Translator until mutmut calls it a timeout. One thread: no pool.
    export OMP_NUM_THREADS=1
    # shellcheck disable=SC2086
    mutmut run --max-children 1 ${MUTANTS:-${ONLY[$module]:-}} || true
    mutmut export-cicd-stats >/dev/null
    python - "$module" <<'EOF'
import json, sys
stats = json.load(open("mutants/mutmut-cicd-stats.json"))
# Mutants not run (left out by MUTANTS, or the run stopped) count neither way.
killed = stats["killed"] + stats.get("timeout", 0) + stats.get("segfault", 0)
tested = killed + stats["survived"] + stats.get("no_tests", 0) + stats.get("suspicious", 0)
print(f"{sys.argv[1]}: {killed}/{tested} killed ({100 * killed / max(tested, 1):.1f}%), "
      f"{stats['survived']} survived, {stats.get('no_tests', 0)} with no test, "
      f"{stats.get('timeout', 0)} timeouts; {stats['total'] - tested} of {stats['total']} not run")
EOF
    mutmut results
  )
done
