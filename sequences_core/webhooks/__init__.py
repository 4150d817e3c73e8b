"""Webhook steps' delivery: one module per job.

- `guard`: which URLs may be called (SSRF), and the address to dial.
- `signing`: the `Sequences-Signature` header, and how a receiver checks it.
- `payload`: the JSON body of a call; `headers`: the headers around it.
- `client`: one call over HTTP, and what its answer means (success, retry, give up).
- `runner`: many calls at once, bounded, beside the dispatcher's email sending.

The retry policy (attempts, hours, `on_failure`) is the dispatcher's: these modules make and
judge single calls.
"""
