"""The trade journal's rules: derived fields, error taxonomy, export of a backtest's journal.

The journal itself is kept by the ``TradeJournal`` actor (:mod:`actors.journal`) in the state
store (:mod:`statestore.journal`).
"""
