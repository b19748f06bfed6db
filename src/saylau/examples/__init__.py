"""Generators of the bundled example elections (``examples/``).

``python -m saylau.examples.kz2023 --out examples/kz-2023`` rebuilds the Kazakhstan 2023 example:
the real published figures, spread over generated polling stations.
"""
