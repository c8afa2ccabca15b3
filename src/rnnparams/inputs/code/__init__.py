"""The code reader: model code (`.py`) read with `ast` by a small interpreter that never runs anything.

- the reader, thin: `reader.py` (read_models, select_model, spec_from_code, the Reader that asks the adapters),
  `discovery.py` (every model of a module), `messages.py` (what stops a model from being counted),
  `detect.py` (whether text is code at all), `overrides.py` (`--set NAME=VALUE`);
- the interpreter, split by job: `values.py` (what the code's values are), `bounds.py` (the limits of one
  file's reading), `hooks.py` (where the outside world gets a meaning), `operations.py` (operators),
  `evaluator.py` (expressions), `interpreter.py` (statements), `builtins.py` (the safe builtins);
- the frameworks: `adapters/` (one adapter per `FrameworkConvention.code_reader`: `torch`, `keras`),
  `frameworks.py` (which frameworks are read, worked out from the conventions), `binding.py` (a layer call
  bound to its convention), `objects.py` (what the adapters share: layer statuses, tensors made in the code).

Nothing is imported here, so deciding whether text is code (`detect.py`) costs no more than a parse.
"""
