"""Research side of signals: features, labels, validation splits, LightGBM training, model registry.

Feature functions are pure (a DataFrame of history in, a DataFrame of features out, row ``t``
computed only from rows ``<= t``) and are shared by ``tradefly train`` and the signal actor
(``actors/signal_actor.py``), so training and inference compute identical values. This package
imports ``options``, ``catalog`` and ``adapters`` only; never ``strategies`` or ``tradefly``.
"""
