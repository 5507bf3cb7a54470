"""Test and demo support, not used by the tool at run time.

`synthetic` builds a random-weight but structurally real Argos ar→en package, so that tests,
benchmarks and the README's first command run without the real (downloaded) model:
`python -m translate_tool.testing.synthetic TEXT OUT.argosmodel [--shape real] [--looping]`.
Nothing under `translate_tool.testing` is imported by the product's own modules
(tests/test_structure.py checks it).
"""
