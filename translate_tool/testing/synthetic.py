"""Build a synthetic, but structurally real, Argos Translate ar→en package.

The real Arabic→English Argos model cannot be downloaded in the test and
benchmark environments, yet the code paths we care about (zip install,
``metadata.json`` parsing, sentencepiece tokenisation, CTranslate2 loading,
beam search, detokenisation) only depend on the *format* of the package, not on
the quality of its weights.  This module therefore assembles an ``.argosmodel``
from parts that are all genuine:

* a sentencepiece BPE model trained on the caller's text (plus a short built-in
  English paragraph, so the target side has Latin-script pieces to emit);
* a CTranslate2 ``TransformerSpec`` (pre-norm transformer, the architecture
  OpenNMT-py produces and Argos ships) filled with seeded random weights;
* ``metadata.json`` / ``README.md`` in the layout Argos packages use.

With :data:`REAL` the tensors have the shapes of the real transformer-base
package (6+6 layers, d=512, 8 heads, FFN 2048, 32k vocabulary, int8), so load
time, memory and decoding cost are representative even though the output text
is gibberish.  A few weights are hand-wired so that the decoder stops after
about as many tokens as the source sentence has (see
:func:`_install_length_circuit`); otherwise a random decoder either stops at
once or loops to ``max_decoding_length`` and decoding cost would be
meaningless.  Nothing here downloads anything or needs torch.

Heavy imports (numpy, sentencepiece, ctranslate2) happen inside functions so
that importing this module stays cheap.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    import numpy as np
    from ctranslate2.specs import TransformerSpec


@dataclass(frozen=True)
class ModelShape:
    """Hyper-parameters of the synthetic transformer.

    ``vocab_size`` is the size of the CTranslate2 vocabulary (and therefore of
    the embedding and output-projection matrices).  The sentencepiece model has
    at most :data:`SP_VOCAB_CAP` pieces; any remaining rows are dummy tokens the
    decoder is never allowed to emit, so matrix shapes stay real-size even on a
    tiny training corpus.
    """

    layers: int
    d_model: int
    heads: int
    ffn: int
    vocab_size: int
    quantization: str | None  # CTranslate2 weight type, e.g. "int8"; None keeps float32


#: Small model for unit tests: builds in well under a second.
TINY = ModelShape(layers=2, d_model=64, heads=4, ffn=128, vocab_size=1500, quantization=None)

#: Shape of the real Argos ar→en package (OpenNMT-py transformer-base, int8).
REAL = ModelShape(layers=6, d_model=512, heads=8, ffn=2048, vocab_size=32000, quantization="int8")

#: Upper bound on sentencepiece pieces.  Trained on the seed article plus the
#: built-in English text, a 1500-piece BPE model splits the seed's Arabic into
#: ~1.6 pieces per word, close to what a real subword vocabulary does on unseen
#: news.  A larger cap memorises the article (2000 → 1.2 pieces/word) and makes
#: token counts unrealistically low; 1000 gives 2.0.
SP_VOCAB_CAP = 1500

#: OpenNMT-py's sinusoidal position table length (``max_len`` default); the real
#: converted models carry this table as ``position_encodings/encodings``.
MAX_POSITIONS = 5000

#: ``eos_bias`` for ``REAL``/``seed=0`` with the seed article
#: ``seeds/000_ab347057d505572f.txt`` as corpus.  The length circuit already
#: gives 1.00 target tokens per source token there (beam_size=4,
#: length_penalty=0.2), so no extra bias is needed.
REAL_EOS_BIAS = 0.0

#: ``eos_bias`` for ``TINY``/``seed=0`` on the seed article: ratio ≈1.0 too,
#: i.e. short, non-empty outputs that stop long before ``max_decoding_length``.
TINY_EOS_BIAS = 0.0

#: ``eos_bias`` of a model that loops, the way real NMT models fail on odd input: ``</s>`` is
#: never chosen, so every sentence decodes to ``max_decoding_length`` tokens.  It outweighs the
#: length circuit's ``</s>`` logit (a few hundred per step past the source length) by far.
LOOPING_EOS_BIAS = -1.0e7

# Length circuit constants (see _install_length_circuit).  FLAG_VALUE must
# dominate a residual vector's norm (~sqrt(d) * a few) so layer norm maps it to
# ≈sqrt(d-1) regardless of the other features; COUNTER_SCALE keeps U/V well above
# int8 activation-quantisation steps; EOS_GAIN makes the </s> switch sharp.
_FLAG_VALUE = 1000.0
_COUNTER_SCALE = 50.0
_EOS_GAIN = 5000.0

#: Bias added to logits of tokens the decoder must never produce (dummy
#: padding rows, byte/control pieces, ``<unk>``, Arabic-script pieces).  Large
#: enough to be -inf in practice, small enough to stay finite in float16.
_MASK_BIAS = -1.0e4

# Arabic script blocks (basic, supplement, extended-A, presentation forms A/B).
_ARABIC_RE = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")

# Always mixed into the sentencepiece training text so the shared vocabulary has
# English pieces for the decoder to emit (real Argos packages train one
# sentencepiece model on both sides).  Written for this module.
_ENGLISH_TEXT = """\
The government announced on Tuesday that it had started a military operation in the disputed region.
Officials said the operation was aimed only at military targets and would not harm civilians.
Witnesses reported hearing several explosions in the capital late in the evening.
The foreign ministry called on international peacekeepers to intervene and stop the fighting.
Local authorities said at least twenty five people had been killed, including two civilians.
The president's office said talks could begin if the separatist forces laid down their weapons.
Russia urged both sides to end the bloodshed and return to negotiations.
The United States warned that the attacks threatened to worsen the humanitarian situation.
A spokesperson for the Kremlin said Moscow was in contact with the leaders of both countries.
The news agency quoted an adviser as saying the main goals of the operation were close to being met.
Residents shared videos on social media showing rockets being fired over the city.
The defence ministry said its forces had taken control of more than sixty positions.
Diplomats in Brussels and Washington held emergency meetings to discuss the crisis.
The prime minister said he was in touch with local leaders and expected the peacekeepers to act.
Human rights groups asked for an independent investigation into the deaths of civilians.
Markets reacted calmly, although oil prices rose slightly during the afternoon.
"We are ready to meet the representatives of the region," the statement said.
The ceasefire agreed three years ago has been broken many times since then.
Thousands of people have left their homes and are staying with relatives in nearby towns.
Reporters were not allowed to enter the area, so the figures could not be independently verified.
"""


def build_package(
    out_path: Path,
    corpus: str,
    *,
    shape: ModelShape = TINY,
    seed: int = 0,
    eos_bias: float | None = None,
    package_version: str = "1.9",
    code: str = "translate-ar_en",
    looping: bool = False,
) -> Path:
    """Write a synthetic ar→en ``.argosmodel`` to ``out_path`` and return that path.

    Args:
      out_path: Destination file (parent directories are created).  Written
        atomically, so a half-built package is never left behind.
      corpus: Text the sentencepiece model is trained on – normally the Arabic
        seed article, so benchmark inputs tokenise like real news.
      shape: Transformer size; :data:`TINY` for tests, :data:`REAL` for
        benchmarks that need real-size matrices.
      seed: Seed for all random weights; the same inputs give a byte-identical
        package, so test results are reproducible.
      eos_bias: Added to the ``</s>`` entry of the output-projection bias.  The
        model is wired (see :func:`_install_length_circuit`) to emit ``</s>``
        after about as many tokens as the source has, so ``None``/``0`` already
        gives ratio ≈1.0.  Positive values end outputs earlier (on REAL/seed:
        +50 → 0.93, +500 → 0.84); negative values barely lengthen them, because
        the circuit's ``</s>`` logit grows by hundreds per step past the
        source length.  :func:`calibrate_eos_bias` finds a value for a target
        ratio.
      package_version: Written to ``metadata.json`` and the top folder name.
      code: Package code used for the top folder name (``<code>-<version>``,
        dots replaced by underscores, as Argos names its packages).
      looping: A model that never ends a sentence (``eos_bias`` becomes
        :data:`LOOPING_EOS_BIAS`): every output runs to ``max_decoding_length``
        tokens, like a real model stuck in a loop.
    """
    out_path = Path(out_path)
    if looping:
        eos_bias = LOOPING_EOS_BIAS
    built = _build_model(corpus, shape=shape, seed=seed)
    _set_eos_bias(built, eos_bias)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="synthetic-argos-", dir=out_path.parent) as tmp:
        top = f"{code}-{package_version.replace('.', '_')}"
        pkg_dir = Path(tmp) / top
        _write_package_dir(
            pkg_dir, built, shape=shape, seed=seed, eos_bias=eos_bias, package_version=package_version
        )
        tmp_zip = Path(tmp) / "package.argosmodel"
        _zip_dir(pkg_dir, tmp_zip)
        os.replace(tmp_zip, out_path)
    return out_path


def calibrate_eos_bias(
    corpus: str,
    sentences: Sequence[str],
    *,
    shape: ModelShape = REAL,
    seed: int = 0,
    target_ratio: float = 1.0,
    beam_size: int = 4,
    length_penalty: float = 0.2,
    max_decoding_length: int = 256,
    low: float = -50.0,
    high: float = 1000.0,
    iterations: int = 12,
    intra_threads: int = 2,
) -> tuple[float, float]:
    """Find the ``eos_bias`` whose outputs have ``target_ratio`` tokens per source token.

    The length circuit targets ratio 1.0; this is for other targets, shapes,
    seeds or corpora.  The ratio of target to source tokens falls monotonically
    (up to beam-search noise) as the bias grows, so a bisection over
    ``[low, high]`` finds it; ratios above ≈1.0 are out of reach.  The weights
    are built once; only the ``</s>`` bias changes between trials.

    Args:
      corpus: Same text that will be passed to :func:`build_package`.
      sentences: Source sentences to translate (untokenised Arabic).
      shape, seed: Must match the later :func:`build_package` call – the bias
        is only valid for those weights.
      target_ratio: Desired ``sum(target tokens) / sum(source tokens)``.
      beam_size, length_penalty, max_decoding_length: Decoding options to
        calibrate for (defaults mirror Argos Translate).
      low, high: Bisection bracket for the bias.
      iterations: Bisection steps.
      intra_threads: CTranslate2 threads per translation.

    Returns:
      ``(eos_bias, ratio)`` – the best bias found and the ratio it produced.
    """
    import ctranslate2
    import sentencepiece as spm

    built = _build_model(corpus, shape=shape, seed=seed)
    sp = spm.SentencePieceProcessor(model_proto=built.sp_model)
    batch = [sp.encode(s, out_type=str) for s in sentences if s.strip()]
    n_src = sum(len(t) for t in batch)
    if n_src == 0:
        raise ValueError("no non-empty sentences to calibrate on")

    def ratio_for(bias: float) -> float:
        _set_eos_bias(built, bias)
        with tempfile.TemporaryDirectory(prefix="synthetic-calib-") as tmp:
            model_dir = Path(tmp) / "model"
            model_dir.mkdir()
            built.spec.save(str(model_dir))
            translator = ctranslate2.Translator(str(model_dir), intra_threads=intra_threads)
            results = translator.translate_batch(
                batch,
                beam_size=beam_size,
                length_penalty=length_penalty,
                max_decoding_length=max_decoding_length,
                max_batch_size=32,
            )
            del translator
        return sum(len(r.hypotheses[0]) for r in results) / n_src

    best = (low, ratio_for(low))
    lo, hi = low, high
    for _ in range(iterations):
        mid = (lo + hi) / 2
        r = ratio_for(mid)
        if abs(r - target_ratio) < abs(best[1] - target_ratio):
            best = (mid, r)
        if r > target_ratio:
            lo = mid  # outputs too long: make </s> more attractive
        else:
            hi = mid
    return best


# --------------------------------------------------------------------------- internals


@dataclass
class _Built:
    """A filled, optimised spec plus the tokenizer it was built with."""

    spec: TransformerSpec
    sp_model: bytes
    eos_id: int
    base_bias: np.ndarray  # projection bias before the EOS bias is applied


def _build_model(corpus: str, *, shape: ModelShape, seed: int) -> _Built:
    """Train the tokenizer, build the random transformer, validate and optimise it."""
    import numpy as np
    import sentencepiece as spm

    sp_model = _train_sentencepiece(corpus, min(shape.vocab_size, SP_VOCAB_CAP))
    sp = spm.SentencePieceProcessor(model_proto=sp_model)
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    if len(pieces) > shape.vocab_size:  # pragma: no cover - guarded by min() above
        raise ValueError(f"sentencepiece produced {len(pieces)} pieces > vocab_size {shape.vocab_size}")
    # Dummy rows so embedding/projection matrices have the real vocabulary size.
    pieces += [f"<synthetic_pad_{i}>" for i in range(len(pieces), shape.vocab_size)]

    # Tokens the decoder may emit: ordinary non-Arabic sentencepiece pieces.
    # Everything else (control, <unk>, byte-fallback, Arabic, padding) is masked so
    # outputs decode to readable Latin-script text like an ar→en model's would.
    allowed = np.zeros(shape.vocab_size, dtype=bool)
    for i in range(sp.get_piece_size()):
        if sp.is_control(i) or sp.is_unknown(i) or sp.is_byte(i) or sp.is_unused(i):
            continue
        if _ARABIC_RE.search(pieces[i]):
            continue
        allowed[i] = True
    eos_id = sp.eos_id()
    if (
        eos_id < 0
        or pieces[eos_id] != "</s>"
        or pieces[sp.bos_id()] != "<s>"
        or pieces[sp.unk_id()] != "<unk>"
    ):
        raise RuntimeError("sentencepiece special tokens do not match CTranslate2's <s> </s> <unk>")

    rng = np.random.default_rng(seed)
    spec = _random_spec(shape, rng)
    _install_length_circuit(spec, shape, eos_id)
    bias = np.where(allowed, 0.0, _MASK_BIAS).astype(np.float32)
    bias[eos_id] = 0.0  # </s> stays reachable; its bias is set by _set_eos_bias
    spec.decoder.projection.bias = bias.copy()

    spec.register_source_vocabulary(pieces)
    spec.register_target_vocabulary(pieces)
    # Defaults already are <unk>/<s>/</s>, decoder_start_token <s>, no source
    # bos/eos – what OpenNMT-py-converted Argos models use; set explicitly anyway.
    spec.config.unk_token = "<unk>"
    spec.config.bos_token = "<s>"
    spec.config.eos_token = "</s>"
    spec.config.decoder_start_token = "<s>"
    spec.validate()
    spec.optimize(quantization=shape.quantization)
    return _Built(spec=spec, sp_model=sp_model, eos_id=eos_id, base_bias=bias)


def _set_eos_bias(built: _Built, eos_bias: float | None) -> None:
    """Set the ``</s>`` entry of the output-projection bias (works after optimize)."""
    from ctranslate2.specs.model_spec import NumpyVariable

    bias = built.base_bias.copy()
    bias[built.eos_id] = 0.0 if eos_bias is None else float(eos_bias)
    # After validate() every variable is wrapped in a NumpyVariable; the bias
    # has no *_scale companion so quantisation leaves it float32.
    built.spec.decoder.projection.bias = NumpyVariable(bias)


def _train_sentencepiece(corpus: str, vocab_size: int) -> bytes:
    """Train a BPE sentencepiece model in memory and return its serialized proto."""
    import io

    import sentencepiece as spm

    if not corpus.strip():
        raise ValueError("corpus is empty")
    lines = [ln.strip() for ln in (corpus + "\n" + _ENGLISH_TEXT).splitlines() if ln.strip()]
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=buf,
        model_type="bpe",
        vocab_size=vocab_size,
        hard_vocab_limit=False,  # tiny corpora cannot always reach vocab_size
        character_coverage=1.0,  # keep every character seen in the corpus
        byte_fallback=True,  # unseen characters become byte pieces, not <unk>
        max_sentence_length=1 << 16,
        num_threads=1,  # deterministic output for a fixed corpus
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        minloglevel=2,
    )
    return buf.getvalue()


def _random_spec(shape: ModelShape, rng: np.random.Generator) -> TransformerSpec:
    """Create a pre-norm transformer spec with every variable set to random float32 weights.

    Initialisation mimics a trained model's scale: linear weights
    ~N(0, 1/fan_in) so activations keep unit variance, embeddings
    ~N(0, 1/d) (CTranslate2 multiplies them by sqrt(d)), layer norms near
    gamma=1/beta=0 with a little noise so CTranslate2's optimiser does not alias
    identical tensors (which would shrink the model file below real size).
    """
    import numpy as np
    from ctranslate2.specs import TransformerSpec

    d, ffn, vocab = shape.d_model, shape.ffn, shape.vocab_size
    if d % shape.heads:
        raise ValueError(f"d_model {d} is not divisible by heads {shape.heads}")

    def normal(*dims: int, std: float) -> np.ndarray:
        return (rng.standard_normal(dims, dtype=np.float32) * np.float32(std)).astype(np.float32)

    def layer_norm(ln: Any) -> None:
        ln.gamma = 1.0 + normal(d, std=0.02)
        ln.beta = normal(d, std=0.02)

    def linear(lin: Any, out_dim: int, in_dim: int) -> None:
        lin.weight = normal(out_dim, in_dim, std=in_dim**-0.5)
        lin.bias = normal(out_dim, std=0.02)

    def self_attention(att: Any) -> None:
        layer_norm(att.layer_norm)
        linear(att.linear[0], 3 * d, d)  # fused Q, K, V
        linear(att.linear[1], d, d)  # output

    def ffn_block(block: Any) -> None:
        layer_norm(block.layer_norm)
        linear(block.linear_0, ffn, d)
        linear(block.linear_1, d, ffn)

    spec = TransformerSpec.from_config((shape.layers, shape.layers), shape.heads)
    positions = _sinusoidal_positions(MAX_POSITIONS, d)

    enc = spec.encoder
    enc.embeddings[0].weight = normal(vocab, d, std=d**-0.5)
    enc.position_encodings.encodings = positions
    layer_norm(enc.layer_norm)
    for layer in enc.layer:
        self_attention(layer.self_attention)
        ffn_block(layer.ffn)

    dec = spec.decoder
    dec.embeddings.weight = normal(vocab, d, std=d**-0.5)
    dec.position_encodings.encodings = positions  # same table: aliased on save, as in real models
    layer_norm(dec.layer_norm)
    for layer in dec.layer:
        self_attention(layer.self_attention)
        layer_norm(layer.attention.layer_norm)
        linear(layer.attention.linear[0], d, d)  # query (from decoder)
        linear(layer.attention.linear[1], 2 * d, d)  # fused K, V (from encoder output)
        linear(layer.attention.linear[2], d, d)  # output
        ffn_block(layer.ffn)
    # Logit std ≈3 (rather than 1) gives peaked, trained-model-like token
    # distributions, so beam scores are in a realistic range.
    dec.projection.weight = normal(vocab, d, std=3.0 * d**-0.5)
    return spec


def _install_length_circuit(spec: TransformerSpec, shape: ModelShape, eos_id: int) -> None:
    """Hand-wire the random transformer so ``</s>`` fires after ≈ one token per source token.

    A random decoder has no notion of "done": left alone it either stops at once
    or loops until ``max_decoding_length``, so decoding cost would not track
    sentence length the way a real model's does.  Four residual dimensions are
    reserved and kept clean (no embedding, position or sublayer writes):

    * ``FLAG``: the position table puts a large value at position 0 only, i.e. on
      the first source token in the encoder and on ``<s>`` in the decoder.
      ``REF`` is always 0; after a layer norm, ``FLAG - REF`` is exactly 0 on
      every other position (the layer-norm mean cancels) and ≈ sqrt(d) on
      position 0.
    * ``U``: decoder layer 0's last cross-attention head has zero query/key
      weights, so it averages uniformly over the L source positions; its value
      reads ``FLAG - REF`` from the encoder output, so it writes ``A / L`` here
      (``A = _COUNTER_SCALE``).
    * ``V``: decoder layer 0's last self-attention head does the same over the
      ``t + 1`` target positions seen so far and writes ``A / (t + 1)`` here.

    The ``</s>`` row of the output projection is ``_EOS_GAIN * (U - V)`` (after the
    final layer norm, whose mean/scale cancel or keep the sign), hugely negative
    while ``t + 1 < L`` and positive once the output is as long as the input.
    ``eos_bias`` then shifts that threshold a little.
    """
    import numpy as np

    d = shape.d_model
    dh = d // shape.heads
    flag, ref, u_dim, v_dim = d - 1, d - 2, d - 3, d - 4
    reserved = [flag, ref, u_dim, v_dim]
    head = slice((shape.heads - 1) * dh, d)  # the counter heads' projected dims
    first = (shape.heads - 1) * dh  # the one projected dim the counters use
    # Counter values read LN(x)[flag] - LN(x)[ref] = x[flag] / sigma: exactly 0 off
    # position 0 (the layer-norm mean cancels) and d / sqrt(d - 1) on it.
    gain = np.float32(_COUNTER_SCALE * np.sqrt(d - 1) / d)

    def clean_rows(lin: Any, rows: list[int]) -> None:
        lin.weight[rows, :] = 0.0
        lin.bias[rows] = 0.0

    def clean_ln(ln: Any) -> None:
        ln.gamma[reserved] = 1.0
        ln.beta[reserved] = 0.0

    table = spec.encoder.position_encodings.encodings  # shared with the decoder
    table[:, reserved] = 0.0
    table[0, flag] = _FLAG_VALUE
    spec.encoder.embeddings[0].weight[:, reserved] = 0.0
    spec.decoder.embeddings.weight[:, reserved] = 0.0

    # Encoder: nothing may write into FLAG, so the encoder output keeps it intact.
    for layer in spec.encoder.layer:
        clean_rows(layer.self_attention.linear[1], reserved)
        clean_rows(layer.ffn.linear_1, reserved)
    clean_ln(spec.encoder.layer_norm)

    # Decoder: only the two counter heads may write into U and V.
    for layer in spec.decoder.layer:
        clean_rows(layer.self_attention.linear[1], reserved)
        clean_rows(layer.attention.linear[2], reserved)
        clean_rows(layer.ffn.linear_1, reserved)
    clean_ln(spec.decoder.layer_norm)

    layer0 = spec.decoder.layer[0]
    clean_ln(layer0.self_attention.layer_norm)
    # Self-attention counter: fused QKV rows are [Q | K | V], each d wide.
    qkv = layer0.self_attention.linear[0]
    for block in range(3):
        rows = slice(block * d + head.start, block * d + d)
        qkv.weight[rows, :] = 0.0
        qkv.bias[rows] = 0.0
    qkv.weight[2 * d + first, flag] = gain
    qkv.weight[2 * d + first, ref] = -gain
    out = layer0.self_attention.linear[1]
    out.weight[:, head] = 0.0
    out.weight[v_dim, first] = 1.0

    # Cross-attention counter: query rows in linear[0], fused [K | V] in linear[1].
    att = layer0.attention
    att.linear[0].weight[head, :] = 0.0
    att.linear[0].bias[head] = 0.0
    for block in range(2):
        rows = slice(block * d + head.start, block * d + d)
        att.linear[1].weight[rows, :] = 0.0
        att.linear[1].bias[rows] = 0.0
    att.linear[1].weight[d + first, flag] = gain
    att.linear[1].weight[d + first, ref] = -gain
    att.linear[2].weight[:, head] = 0.0
    att.linear[2].weight[u_dim, first] = 1.0

    proj = spec.decoder.projection.weight
    proj[:, reserved] = 0.0  # token logits do not see the counters ...
    proj[eos_id, :] = 0.0  # ... and </s> sees nothing else
    proj[eos_id, u_dim] = _EOS_GAIN
    proj[eos_id, v_dim] = -_EOS_GAIN


def _sinusoidal_positions(length: int, d: int) -> np.ndarray:
    """OpenNMT-py's sinusoidal table: sin on even dims, cos on odd dims."""
    import numpy as np

    pos = np.arange(length, dtype=np.float32)[:, None]
    div = np.exp(np.arange(0, d, 2, dtype=np.float32) * -(np.log(10000.0) / d))
    table = np.zeros((length, d), dtype=np.float32)
    table[:, 0::2] = np.sin(pos * div)
    table[:, 1::2] = np.cos(pos * div)
    return table


def _write_package_dir(
    pkg_dir: Path,
    built: _Built,
    *,
    shape: ModelShape,
    seed: int,
    eos_bias: float | None,
    package_version: str,
) -> None:
    """Lay out the unzipped package exactly like a real Argos translate package."""
    model_dir = pkg_dir / "model"
    model_dir.mkdir(parents=True)
    built.spec.save(str(model_dir))
    (pkg_dir / "sentencepiece.model").write_bytes(built.sp_model)
    metadata = {
        "package_version": package_version,
        "argos_version": "1.0",
        "from_code": "ar",
        "from_name": "Arabic",
        "to_code": "en",
        "to_name": "English",
        "type": "translate",
        "synthetic": True,
    }
    (pkg_dir / "metadata.json").write_text(json.dumps(metadata, indent=4) + "\n", encoding="utf-8")
    (pkg_dir / "README.md").write_text(
        "# Synthetic Arabic → English package\n\n"
        "Generated by `translate_tool.testing.synthetic` for tests and benchmarks. The CTranslate2\n"
        "transformer has **random weights**: it loads, tokenizes and decodes like the real\n"
        "Argos model but its output is meaningless. Do not use it to translate.\n\n"
        f"- shape: {shape}\n- seed: {seed}\n- eos_bias: {eos_bias}\n",
        encoding="utf-8",
    )


def _zip_dir(src: Path, dest: Path) -> None:
    """Zip ``src`` (as a top-level folder) reproducibly: sorted entries, fixed timestamps."""
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        top = zipfile.ZipInfo(f"{src.name}/", date_time=(1980, 1, 1, 0, 0, 0))
        top.external_attr = 0o40755 << 16
        zf.writestr(top, b"")
        for path in sorted(src.rglob("*")):
            arcname = path.relative_to(src.parent).as_posix()
            if path.is_dir():
                info = zipfile.ZipInfo(arcname + "/", date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = 0o40755 << 16
                zf.writestr(info, b"")
                continue
            info = zipfile.ZipInfo(arcname, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with path.open("rb") as fh, zf.open(info, "w", force_zip64=True) as out:
                shutil.copyfileobj(fh, out, 1 << 20)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m translate_tool.testing.synthetic TEXT OUT.argosmodel [--shape tiny|real] [--looping]`."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m translate_tool.testing.synthetic",
        description="Build a synthetic (random-weight) ar->en Argos package for tests, demos and benchmarks. "
        "Its English is gibberish; its size, tokenizer and decoding path are real.",
    )
    parser.add_argument("corpus", type=Path, help="Arabic text to train the sentencepiece model on")
    parser.add_argument("out", type=Path, help="the .argosmodel file to write")
    parser.add_argument(
        "--shape", choices=["tiny", "real"], default="tiny", help="tiny (default) or real size"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--looping", action="store_true", help="a model that never ends a sentence, as real models fail"
    )
    args = parser.parse_args(argv)
    shape = REAL if args.shape == "real" else TINY
    text = args.corpus.read_text(encoding="utf-8")
    path = build_package(args.out, text, shape=shape, seed=args.seed, looping=args.looping)
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
