"""Installing packages from a file: hostile zips and hostile metadata.json are refused in one line."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from helpers import run_cli

from translate_tool.errors import ModelError, PackageError
from translate_tool.packages import (
    MAX_LINK_CHARS,
    MAX_LINKS,
    MAX_METADATA_BYTES,
    IndexEntry,
    file_sha256,
    find_installed,
    index_entry,
    install_file,
    installed_packages,
    load_package,
    open_model,
    unpack,
    verify_sha256,
)

META = {"package_version": "1.9", "from_code": "ar", "to_code": "en", "type": "translate"}


def make_package(path: Path, top: str = "translate-ar_en-1_9", meta: dict | None = None, extra=()) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{top}/metadata.json", json.dumps(meta or META))
        z.writestr(f"{top}/model/model.bin", b"\0" * 64)
        z.writestr(f"{top}/sentencepiece.model", b"sp")
        for name, data in extra:
            z.writestr(name, data)
    return path


def test_install_and_find(tmp_path):
    root = tmp_path / "packages"
    package = install_file(make_package(tmp_path / "p.argosmodel"), root)
    assert package.path == root / "translate-ar_en-1_9"
    assert (package.from_code, package.to_code, package.version) == ("ar", "en", "1.9")
    assert find_installed("ar", "en", root) == package
    assert [p.path for p in installed_packages(root)] == [package.path]
    # no staging folders left behind
    assert sorted(p.name for p in root.iterdir()) == ["translate-ar_en-1_9"]


def test_env_var_is_honoured(tmp_path, monkeypatch):
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(tmp_path / "pk"))
    install_file(make_package(tmp_path / "p.argosmodel"))
    assert find_installed().path.parent == tmp_path / "pk"


def test_missing_model_names_the_commands(tmp_path):
    with pytest.raises(ModelError, match=r"models install --from-index.*models install FILE\.argosmodel"):
        find_installed("ar", "en", tmp_path)


def test_not_a_zip(tmp_path):
    bad = tmp_path / "bad.argosmodel"
    bad.write_bytes(b"this is not a zip file")
    with pytest.raises(PackageError, match="not a zip"):
        unpack(bad, tmp_path / "root")


@pytest.mark.parametrize(
    "evil",
    ["../evil.txt", "translate-ar_en-1_9/../../evil.txt", "/tmp/evil.txt", "C:/evil.txt"],
)
def test_zip_slip_is_refused_and_nothing_written(tmp_path, evil):
    root = tmp_path / "a" / "root"
    archive = make_package(tmp_path / "slip.argosmodel", extra=[(evil, b"pwned")])
    with pytest.raises(PackageError, match="unsafe path"):
        unpack(archive, root)
    assert not list(tmp_path.rglob("evil.txt"))
    assert not root.exists() or not any(root.iterdir())


def test_zip_bomb_is_refused_before_extracting(tmp_path, monkeypatch):
    import translate_tool.packages as packages

    monkeypatch.setattr(packages, "MAX_UNPACKED_BYTES", 10 * 1024**2)
    archive = tmp_path / "bomb.argosmodel"
    make_package(archive)
    with (
        zipfile.ZipFile(archive, "a", zipfile.ZIP_DEFLATED) as z,
        z.open("translate-ar_en-1_9/model/huge.bin", "w", force_zip64=True) as handle,
    ):
        for _ in range(20):
            handle.write(b"\0" * (1 << 20))
    assert archive.stat().st_size < 200_000
    with pytest.raises(PackageError, match="unpacks to"):
        unpack(archive, tmp_path / "root")
    assert not (tmp_path / "root" / "translate-ar_en-1_9").exists()


def test_not_a_package(tmp_path):
    archive = tmp_path / "x.argosmodel"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(PackageError, match="not an Argos package"):
        unpack(archive, tmp_path / "root")


def test_package_without_model_is_refused_and_old_install_kept(tmp_path):
    root = tmp_path / "root"
    install_file(make_package(tmp_path / "good.argosmodel"), root)
    broken = tmp_path / "broken.argosmodel"
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("translate-ar_en-1_9/metadata.json", json.dumps(META))
    with pytest.raises(PackageError, match="model.bin"):
        install_file(broken, root)
    assert (root / "translate-ar_en-1_9" / "model" / "model.bin").exists()


def test_open_model_folder_and_file(tmp_path):
    archive = make_package(tmp_path / "p.argosmodel")
    package = open_model(archive, tmp_path / "scratch")
    assert package.path.parent.parent == tmp_path / "scratch"  # <cache>/<sha256>/<package>
    assert open_model(package.path, tmp_path / "other").path == package.path
    with pytest.raises(PackageError, match="no such"):
        open_model(tmp_path / "missing.argosmodel", tmp_path / "scratch")


# --- hostile metadata.json -----------------------------------------------------------------

HOSTILE_METADATA = {
    "target_prefix is a number": ({"target_prefix": 7}, "'target_prefix' must be text, not a number"),
    "target_prefix is a list": ({"target_prefix": ["__en__"]}, "'target_prefix' must be text, not a list"),
    "version of 5,000 digits": ({"package_version": "9" * 5000}, "'package_version' is 5000 characters"),
    "version is a number": ({"package_version": 1.9}, "'package_version' must be text, not a number"),
    "version is null": ({"package_version": None}, "'package_version' must be text, not null"),
    "from_code missing": ({"from_code": ...}, "'from_code' is missing"),
    "to_code is an object": ({"to_code": {"x": 1}}, "'to_code' must be text, not an object"),
    "code with a bidi override": ({"code": "translate-\u202ear_en"}, "'code' contains control characters"),
    "code of 10,000 characters": ({"code": "x" * 10_000}, "'code' is 10000 characters"),
    "to_code not a language code": ({"to_code": "en; rm -rf"}, "'to_code' is not a language code"),
}


def _meta(changes: dict) -> dict:
    meta = {**META, **changes}
    return {k: v for k, v in meta.items() if v is not ...}


def with_metadata(source: Path, dest: Path, changes: dict) -> Path:
    """A copy of a real package (the synthetic model) with metadata.json changed."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(dest, "w", zipfile.ZIP_STORED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("/metadata.json"):
                meta = {**json.loads(data), **changes}
                data = json.dumps({k: v for k, v in meta.items() if v is not ...}).encode()
            out.writestr(info, data)
    return dest


@pytest.mark.parametrize("case", sorted(HOSTILE_METADATA))
def test_hostile_metadata_is_refused_naming_the_field_and_old_install_kept(tmp_path, capsys, case):
    changes, message = HOSTILE_METADATA[case]
    root = tmp_path / "home" / "packages"  # ARGOS_PACKAGES_DIR of the isolated home
    good = install_file(make_package(tmp_path / "good.argosmodel"), root)
    before = (good.path / "metadata.json").read_bytes()
    bad = make_package(tmp_path / "bad.argosmodel", meta=_meta(changes))
    code, out, err = run_cli(capsys, "models", "install", bad)
    assert code == 2
    assert err.count("\n") == 1 and message in err, err
    assert sorted(p.name for p in root.iterdir()) == ["translate-ar_en-1_9"]
    assert (good.path / "metadata.json").read_bytes() == before
    with pytest.raises(PackageError, match=message.replace("(", r"\(")):
        open_model(bad, tmp_path / "cache")
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["stamps"]  # nothing unpacked


@pytest.mark.parametrize("case", ["target_prefix is a number", "version of 5,000 digits"])
def test_export_with_hostile_metadata_exits_2_in_one_line(tmp_path, capsys, synthetic_model, seed_path, case):
    """On the real engine: a non-text target_prefix used to end in a 17 KB ctranslate2 traceback."""
    bad = with_metadata(synthetic_model, tmp_path / "bad.argosmodel", HOSTILE_METADATA[case][0])
    code, out, err = run_cli(
        capsys, "export", seed_path, "--model", bad, "--out-dir", tmp_path / "out", "--no-tm"
    )
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and HOSTILE_METADATA[case][1] in err, err
    assert not (tmp_path / "out").exists()


def test_installed_package_with_hostile_metadata_is_skipped(tmp_path, capsys):
    """A package put there by another tool is skipped with a warning, never a traceback."""
    root = tmp_path / "home" / "packages"
    install_file(make_package(tmp_path / "good.argosmodel"), root)
    evil = root / "translate-ar_en-9_9"
    evil.mkdir()
    (evil / "metadata.json").write_text(json.dumps({**META, "target_prefix": 7, "package_version": "9.9"}))
    (evil / "sentencepiece.model").write_bytes(b"sp")
    (evil / "model").mkdir()
    (evil / "model" / "model.bin").write_bytes(b"\0")
    assert find_installed("ar", "en", root).version == "1.9"
    code, out, err = run_cli(capsys, "models", "list")
    assert code == 0 and "'target_prefix' must be text" in err and out.count("\n") == 1


def test_odd_versions_install_and_compare_as_text(tmp_path, capsys, synthetic_model, seed_path):
    """`1.²` is not a PEP 440 version: it installs, sorts below real versions, and export works."""
    root = tmp_path / "home" / "packages"
    odd = with_metadata(synthetic_model, tmp_path / "odd.argosmodel", {"package_version": "1.²"})
    assert run_cli(capsys, "models", "install", odd)[0] == 0
    assert find_installed("ar", "en", root).version == "1.²"
    code, out, err = run_cli(capsys, "export", seed_path, "--out-dir", tmp_path / "out", "--format", "md")
    assert code == 0, err
    assert "translate-ar_en 1.²" in (tmp_path / "out" / f"{seed_path.stem}.md").read_text(encoding="utf-8")


def test_versions_compare_by_value():
    from translate_tool.packages import version_key

    versions = ["1.9", "1.10", "1.²", "2.0rc1", "abc", "9" * 5000, "1.1"]
    assert sorted(versions, key=version_key) == ["1.²", "9" * 5000, "abc", "1.1", "1.9", "1.10", "2.0rc1"]


def test_metadata_json_that_is_not_an_object_or_too_big(tmp_path):
    for data, message in [(b"[1, 2]", "must be an object, not a list"), (b"{" * 100_000, "not valid JSON")]:
        archive = tmp_path / "p.argosmodel"
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("translate-ar_en-1_9/metadata.json", data)
            z.writestr("translate-ar_en-1_9/model/model.bin", b"\0")
            z.writestr("translate-ar_en-1_9/sentencepiece.model", b"sp")
        with pytest.raises(PackageError, match=message):
            install_file(archive, tmp_path / "root")


def test_install_file_with_sha256(tmp_path, capsys):
    archive = make_package(tmp_path / "p.argosmodel")
    code, _, err = run_cli(capsys, "models", "install", archive, "--sha256", "0" * 64)
    assert code == 2 and err.count("\n") == 1 and "SHA-256 is" in err
    assert not (tmp_path / "home" / "packages").exists()
    code, _, err = run_cli(capsys, "models", "install", archive, "--sha256", "12ab")
    assert code == 2 and "64 hexadecimal digits" in err
    code, out, err = run_cli(capsys, "models", "install", archive, "--sha256", file_sha256(archive).upper())
    assert code == 0 and "installed translate-ar_en 1.9" in out


# --- the validation itself, called in-process (mutation testing sees only these calls) -------

ENTRY = {**META, "code": "translate-ar_en", "links": ["https://example.org/p.argosmodel"]}
WHERE = "the package index at i.json: entry 1"


def _refused(meta: object) -> str:
    with pytest.raises(PackageError) as caught:
        index_entry(meta, WHERE)
    return str(caught.value)


def test_index_entry_fields_and_defaults():
    assert index_entry(ENTRY, WHERE) == IndexEntry(
        "translate-ar_en", "1.9", "ar", "en", ("https://example.org/p.argosmodel",), None
    )
    # no links at all is an entry without links (install says so), not a malformed entry
    assert index_entry({k: v for k, v in ENTRY.items() if k != "links"}, WHERE).links == ()
    # no code: the one argostranslate would give it
    assert index_entry({"from_code": "ar", "to_code": "en"}, WHERE).code == "translate-ar_en"
    assert index_entry({"from_code": "ar", "to_code": "en", "type": "sbd"}, WHERE).code == "sbd-ar_en"
    # the checksum is kept in lower case, as file_sha256 writes it
    assert index_entry({**ENTRY, "sha256": "AB" * 32}, WHERE).sha256 == "ab" * 32
    # the limits themselves are allowed
    assert index_entry({**ENTRY, "code": "c" * 100, "to_name": "E" * 100}, WHERE).code == "c" * 100
    links = [f"https://example.org/{i}" for i in range(MAX_LINKS)]
    assert len(index_entry({**ENTRY, "links": links}, WHERE).links) == MAX_LINKS
    long_link = "https://example.org/" + "x" * (MAX_LINK_CHARS - len("https://example.org/"))
    assert index_entry({**ENTRY, "links": [long_link]}, WHERE).links == (long_link,)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"links": None}, "field 'links' must be a list, not null"),
        ({"links": "https://x/p"}, "field 'links' must be a list, not str"),
        ({"links": [f"https://x/{i}" for i in range(21)]}, "field 'links' has 21 links (limit 20)"),
        ({"links": ["https://x/p", 7]}, "field 'links' item 2 must be text, not a number"),
        ({"links": ["https://x/p", True]}, "field 'links' item 2 must be text, not true/false"),
        ({"links": ["https://x/p", "https://x/\u202ep"]}, "field 'links' item 2 is not a usable link"),
        ({"links": ["https://x/p", "https://x/" + "p" * 2039]}, "field 'links' item 2 is not a usable link"),
        ({"sha256": "ab" * 31}, "field 'sha256' must be 64 hexadecimal digits"),
        ({"sha256": 12}, "field 'sha256' must be 64 hexadecimal digits"),
        ({"package_version": False}, "field 'package_version' must be text, not true/false"),
        ({"to_code": ...}, "field 'to_code' is missing"),
        ({"type": 3}, "field 'type' must be text, not a number"),
        ({"code": 5}, "field 'code' must be text, not a number"),
        ({"from_code": "a b"}, "field 'from_code' is not a language code: 'a b'"),
        ({"argos_version": 2}, "field 'argos_version' must be text, not a number"),
        ({"from_name": ["Arabic"]}, "field 'from_name' must be text, not a list"),
        ({"to_name": "E" * 101}, "field 'to_name' is 101 characters long (limit 100)"),
    ],
    ids=[
        "links-null",
        "links-text",
        "21-links",
        "link-number",
        "link-bool",
        "link-bidi",
        "link-2049",
        "sha256-short",
        "sha256-number",
        "version-bool",
        "no-to-code",
        "type-number",
        "code-number",
        "from-code-not-a-code",
        "argos-version-number",
        "from-name-list",
        "to-name-too-long",
    ],
)
def test_index_entry_refusals_name_the_entry_and_field_in_one_line(changes, message):
    entry = {k: v for k, v in {**ENTRY, **changes}.items() if v is not ...}
    assert _refused(entry) == f"{WHERE}: {message}"


def test_verify_sha256_names_both_checksums_in_lower_case(tmp_path):
    path = tmp_path / "p.argosmodel"
    path.write_bytes(b"package")
    verify_sha256(path, None, "p")  # nothing to check against
    verify_sha256(path, file_sha256(path).upper(), "p")
    with pytest.raises(PackageError) as caught:
        verify_sha256(path, "AB" * 32, "the link")
    assert (
        str(caught.value) == f"the link: SHA-256 is {file_sha256(path)}, expected {'ab' * 32}; not installed"
    )


def _folder(path: Path, metadata: bytes | None) -> Path:
    path.mkdir()
    if metadata is not None:
        (path / "metadata.json").write_bytes(metadata)
    (path / "model").mkdir()
    (path / "model" / "model.bin").write_bytes(b"\0")
    (path / "sentencepiece.model").write_bytes(b"sp")
    return path


def _load_refused(path: Path) -> str:
    with pytest.raises(PackageError) as caught:
        load_package(path)
    return str(caught.value)


def test_load_package_metadata_size_limit_is_exact(tmp_path):
    text = json.dumps(META).encode()
    exact = _folder(tmp_path / "exact", text + b" " * (MAX_METADATA_BYTES - len(text)))
    assert load_package(exact).version == "1.9"
    over = _folder(tmp_path / "over", text + b" " * (MAX_METADATA_BYTES + 1 - len(text)))
    assert _load_refused(over) == f"{over}: metadata.json is larger than 1024 KB"


def test_load_package_reads_at_most_the_limit_of_an_endless_metadata_json(tmp_path):
    """metadata.json linked to /dev/zero: refused after 1 MB, with memory capped so a bug cannot eat it all."""
    import resource

    path = _folder(tmp_path / "zero", None)
    (path / "metadata.json").symlink_to("/dev/zero")
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as statm:
        in_use = int(statm.read().split()[0]) * resource.getpagesize()
    cap = in_use + 512 * 1024**2
    if hard != resource.RLIM_INFINITY and hard < cap:
        pytest.skip("the hard address-space limit is too low to cap memory for this test")
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        message = _load_refused(path)
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    assert message == f"{path}: metadata.json is larger than 1024 KB"


def test_load_package_says_in_one_line_why_a_folder_is_not_a_package(tmp_path):
    missing = _folder(tmp_path / "missing", None)
    assert _load_refused(missing) == f"{missing}: not an Argos package (no metadata.json)"
    unreadable = _folder(tmp_path / "unreadable", None)
    (unreadable / "metadata.json").mkdir()
    assert _load_refused(unreadable) == f"{unreadable}: unreadable metadata.json (Is a directory)"
    latin1 = _folder(tmp_path / "latin1", b'{"from_code": "ar", "to_code": "en", "code": "caf\xe9"}')
    assert _load_refused(latin1).startswith(f"{latin1}: metadata.json is not valid JSON (")
    no_model = _folder(tmp_path / "no-model", json.dumps(META).encode())
    (no_model / "model" / "model.bin").unlink()
    assert _load_refused(no_model) == f"{no_model}: package has no CTranslate2 model (model/model.bin)"
    no_tokenizer = _folder(tmp_path / "no-tokenizer", json.dumps(META).encode())
    (no_tokenizer / "sentencepiece.model").unlink()
    assert _load_refused(no_tokenizer) == (
        f"{no_tokenizer}: package has no tokenizer (sentencepiece.model or bpe.model)"
    )
    (no_tokenizer / "bpe.model").write_bytes(b"bpe")
    assert load_package(no_tokenizer).version == "1.9"


def test_archive_with_an_oversized_metadata_json_is_refused_before_reading_it(tmp_path):
    archive = tmp_path / "big.argosmodel"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("translate-ar_en-1_9/metadata.json", json.dumps(META) + " " * MAX_METADATA_BYTES)
        z.writestr("translate-ar_en-1_9/model/model.bin", b"\0")
        z.writestr("translate-ar_en-1_9/sentencepiece.model", b"sp")
    with pytest.raises(PackageError) as caught:
        unpack(archive, tmp_path / "root")
    assert str(caught.value) == f"{archive}: metadata.json is larger than 1024 KB"
    assert not (tmp_path / "root" / "translate-ar_en-1_9").exists()


def _archive(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_archive_refusals_name_the_archive_and_metadata_json_word_for_word(tmp_path):

    top = "translate-ar_en-1_9"
    model = {f"{top}/model/model.bin": b"\0", f"{top}/sentencepiece.model": b"sp"}
    cases = [
        ({}, "empty archive"),
        (
            {".hidden/metadata.json": json.dumps(META).encode(), ".hidden/model/model.bin": b"\0"},
            "not an Argos package (expected one folder with metadata.json)",
        ),
        (
            {f"{top}/metadata.json": json.dumps({**META, "target_prefix": 7}).encode(), **model},
            "metadata.json: field 'target_prefix' must be text, not a number",
        ),
        (
            {f"{top}/metadata.json": json.dumps({**META, "to_code": 7}).encode(), **model},
            "metadata.json: field 'to_code' must be text, not a number",
        ),
        ({f"{top}/metadata.json": b"{", **model}, "metadata.json is not valid JSON ("),
    ]
    for i, (members, message) in enumerate(cases):
        archive = _archive(tmp_path / f"{i}.argosmodel", members)
        with pytest.raises(PackageError) as caught:
            unpack(archive, tmp_path / "root")
        assert str(caught.value).startswith(f"{archive}: {message}"), caught.value
        assert message.endswith("(") or str(caught.value) == f"{archive}: {message}"


def test_metadata_errors_name_the_folder_and_peek_names_the_archive(tmp_path):
    from translate_tool.packages import peek

    folder = _folder(tmp_path / "folder", json.dumps({**META, "target_prefix": 7}).encode())
    assert (
        _load_refused(folder) == f"{folder}: metadata.json: field 'target_prefix' must be text, not a number"
    )
    folder = _folder(tmp_path / "no-from", json.dumps({"to_code": "en"}).encode())
    assert _load_refused(folder) == f"{folder}: metadata.json: field 'from_code' is missing"
    text = json.dumps(META).encode()
    exact = text + b" " * (MAX_METADATA_BYTES - len(text))
    top = "translate-ar_en-1_9"
    archive = _archive(  # metadata.json of exactly the limit: allowed
        tmp_path / "p.argosmodel",
        {f"{top}/metadata.json": exact, f"{top}/model/model.bin": b"\0", f"{top}/sentencepiece.model": b"sp"},
    )
    package = peek(archive)
    assert (package.path, package.version) == (archive, "1.9")
