"""The code reader: model code (`.py`) read with `ast` by a small interpreter that never runs anything.

The interpreter, split by job: `values.py` (what the code's values are), `bounds.py` (the limits of one
file's reading), `hooks.py` (where the outside world gets a meaning), `operations.py` (operators),
`evaluator.py` (expressions), `interpreter.py` (statements), `builtins.py` (the safe builtins).
"""
