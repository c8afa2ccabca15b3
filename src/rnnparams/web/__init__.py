"""`rnnparams serve`: a calculator page and a JSON API on localhost (FastAPI + uvicorn, the `web` extra).

`service` does the work (validate a request, enforce the web's limits, call the same API as the CLI,
encode the answer), `pool` computes the answers that may be heavy in worker processes bounded in CPU time,
wall clock and memory, and `app` is the FastAPI skin over them. Nothing here is imported by `import rnnparams`;
the CLI imports `app` inside `rnnparams serve` only.
"""
