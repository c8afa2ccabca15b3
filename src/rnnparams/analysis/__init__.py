"""Pure functions of (ModelSpec, conventions): count, and later formula, explain, check, compare, estimate."""
