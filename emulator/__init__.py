"""An offline AWS for the synthesized app: moto's server on 127.0.0.1, the template deployed in it, the functions in-process.

The e2e tests (``tests/emulator``) and ``make demo`` share it. What it stands in for is listed in
:mod:`emulator.standins`; everything else is what ``cdk deploy`` would create from the template.
This package is a development tool: it is not installed with the library.
"""
