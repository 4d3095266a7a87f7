"""Config files read and checked key by key, shared by the backtest, live and control configs.

:mod:`configfile.fields` checks a mapping against a Nautilus config class and reports each
problem as one line ``FILE: FIELD.PATH: what``; :mod:`configfile.components` checks and builds
the ``strategies:`` and ``actors:`` lists. Imports nothing of ours.
"""
