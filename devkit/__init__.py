"""The development kit: what the tests, the benchmarks and the demo share, and the
stand-ins for the outside world (an SMTP catcher, a 46elks-shaped SMS provider).

Not part of the production packages (`pyproject.toml` builds `shared`, `services` and
`praktik_cli`); import-linter keeps the services from importing it.
"""
