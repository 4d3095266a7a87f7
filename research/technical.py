"""Technical features of an underlying's daily bars, computed with TA-Lib.

Every feature is scale-free (a return, a ratio to the close, an oscillator) so one model can
read many underlyings and many price levels. Row ``t`` uses bars ``<= t`` only: TA-Lib
indicators are causal and pandas rolling windows end at the current row. Rows before an
indicator's warm-up are ``nan`` (LightGBM reads ``nan`` as missing).

EMA-type indicators (RSI, MACD, ADX, ATR, ...) carry state from the first bar, so two callers
get identical values only from identical histories: the signal actor keeps its history from
the same first bar as training (see ``actors/signal_actor.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import talib

BAR_COLUMNS = ("open", "high", "low", "close", "volume")
TRADING_DAYS = 252.0

RETURN_HORIZONS = (1, 2, 3, 5, 10, 21, 63, 126, 252)
VOL_HORIZONS = (5, 10, 21, 63, 126)
SMA_PERIODS = (5, 10, 20, 50, 100, 200)
TECHNICAL_FEATURE_COUNT = 81


def check_bars(bars: pd.DataFrame) -> None:
    """Raise ``ValueError`` unless `bars` has float OHLCV columns on a strictly increasing index.

    Raises
    ------
    ValueError
        If a column of :data:`BAR_COLUMNS` is missing, the index is not strictly increasing,
        or a close is not positive.

    """
    missing = [c for c in BAR_COLUMNS if c not in bars.columns]
    if missing:
        raise ValueError(f"bars lack column(s) {missing}; columns were {list(bars.columns)}")
    if not bars.index.is_monotonic_increasing or bars.index.has_duplicates:
        raise ValueError("bars index was not strictly increasing")
    if (bars["close"] <= 0).any():
        raise ValueError("bars close was not positive on some row")


def technical_features(bars: pd.DataFrame) -> pd.DataFrame:
    """Return the technical features of every bar (81 columns, :data:`TECHNICAL_FEATURE_COUNT`).

    Parameters
    ----------
    bars : pandas.DataFrame
        Daily bars, one row per session in time order, columns ``open, high, low, close,
        volume`` (dollars per share, shares). The index is kept.

    Returns
    -------
    pandas.DataFrame
        Same index, one float64 column per feature (names ``tech_*``): log returns and
        annualised realised volatility over several horizons (vol as a decimal), Parkinson
        volatility, RSI, MACD, ADX/DI, ATR, Bollinger, Keltner and Donchian positions, OBV,
        MFI, distances to simple and exponential moving averages and their crossovers,
        drawdown from the 63- and 252-session highs, volume surges and other oscillators
        (TA-Lib's definitions).

    Raises
    ------
    ValueError
        See :func:`check_bars`.

    """
    check_bars(bars)
    o = bars["open"].to_numpy(dtype=np.float64)
    h = bars["high"].to_numpy(dtype=np.float64)
    lo = bars["low"].to_numpy(dtype=np.float64)
    c = bars["close"].to_numpy(dtype=np.float64)
    v = bars["volume"].to_numpy(dtype=np.float64)
    close = pd.Series(c, index=bars.index)
    logret = np.log(close).diff()
    f: dict[str, np.ndarray | pd.Series] = {}

    for n in RETURN_HORIZONS:
        f[f"tech_ret_{n}"] = np.log(close / close.shift(n))
    for n in VOL_HORIZONS:
        f[f"tech_rv_{n}"] = logret.rolling(n).std(ddof=1) * np.sqrt(TRADING_DAYS)
    hl = pd.Series(np.log(h / lo) ** 2, index=bars.index)
    f["tech_parkinson_21"] = np.sqrt(hl.rolling(21).mean() / (4.0 * np.log(2.0)) * TRADING_DAYS)
    f["tech_ret_skew_63"] = logret.rolling(63).skew()
    f["tech_ret_kurt_63"] = logret.rolling(63).kurt()

    for n in (2, 7, 14, 28):
        f[f"tech_rsi_{n}"] = talib.RSI(c, timeperiod=n)
    macd, signal, hist = talib.MACD(c, fastperiod=12, slowperiod=26, signalperiod=9)
    f["tech_macd"] = macd / c
    f["tech_macd_signal"] = signal / c
    f["tech_macd_hist"] = hist / c
    f["tech_ppo"] = talib.PPO(c, fastperiod=12, slowperiod=26)
    f["tech_adx_14"] = talib.ADX(h, lo, c, timeperiod=14)
    f["tech_adxr_14"] = talib.ADXR(h, lo, c, timeperiod=14)
    f["tech_plus_di_14"] = talib.PLUS_DI(h, lo, c, timeperiod=14)
    f["tech_minus_di_14"] = talib.MINUS_DI(h, lo, c, timeperiod=14)
    atr14 = talib.ATR(h, lo, c, timeperiod=14)
    f["tech_natr_5"] = talib.NATR(h, lo, c, timeperiod=5)
    f["tech_natr_14"] = talib.NATR(h, lo, c, timeperiod=14)
    f["tech_natr_63"] = talib.NATR(h, lo, c, timeperiod=63)

    upper, middle, lower = talib.BBANDS(c, timeperiod=20, nbdevup=2.0, nbdevdn=2.0)
    f["tech_bb_pctb_20"] = (c - lower) / (upper - lower)
    f["tech_bb_width_20"] = (upper - lower) / middle
    ema20 = talib.EMA(c, timeperiod=20)
    f["tech_keltner_pos_20"] = (c - ema20) / (2.0 * atr14)
    f["tech_keltner_width_20"] = 4.0 * atr14 / ema20
    for n in (20, 55):
        hi_n = pd.Series(h, index=bars.index).rolling(n).max()
        lo_n = pd.Series(lo, index=bars.index).rolling(n).min()
        f[f"tech_donchian_pos_{n}"] = (close - lo_n) / (hi_n - lo_n)
        f[f"tech_donchian_width_{n}"] = (hi_n - lo_n) / close

    obv = pd.Series(talib.OBV(c, v), index=bars.index)
    vol_sum21 = pd.Series(v, index=bars.index).rolling(21).sum()
    f["tech_obv_slope_21"] = obv.diff(21) / vol_sum21
    f["tech_mfi_14"] = talib.MFI(h, lo, c, v, timeperiod=14)
    f["tech_ad_slope_21"] = pd.Series(talib.AD(h, lo, c, v), index=bars.index).diff(21) / vol_sum21

    smas = {n: talib.SMA(c, timeperiod=n) for n in SMA_PERIODS}
    for n, sma in smas.items():
        f[f"tech_sma_dist_{n}"] = c / sma - 1.0
    for n in (12, 26, 50):
        f[f"tech_ema_dist_{n}"] = c / talib.EMA(c, timeperiod=n) - 1.0
    for fast, slow in ((5, 20), (20, 50), (50, 200)):
        above = (smas[fast] > smas[slow]).astype(np.float64)
        above[np.isnan(smas[slow])] = np.nan
        f[f"tech_sma_cross_{fast}_{slow}"] = above
        f[f"tech_sma_gap_{fast}_{slow}"] = smas[fast] / smas[slow] - 1.0
    f["tech_sma_slope_50"] = pd.Series(smas[50], index=bars.index).pct_change(10, fill_method=None)
    f["tech_sma_slope_200"] = pd.Series(smas[200], index=bars.index).pct_change(
        21, fill_method=None
    )

    for n in (63, 252):
        peak = pd.Series(h, index=bars.index).rolling(n).max()
        trough = pd.Series(lo, index=bars.index).rolling(n).min()
        f[f"tech_drawdown_{n}"] = close / peak - 1.0
        f[f"tech_above_low_{n}"] = close / trough - 1.0

    volume = pd.Series(v, index=bars.index)
    f["tech_volume_surge_20"] = volume / volume.rolling(20).mean()
    f["tech_volume_surge_63"] = volume / volume.rolling(63).mean()
    logv = np.log(volume.where(volume > 0))
    f["tech_volume_z_21"] = (logv - logv.rolling(21).mean()) / logv.rolling(21).std(ddof=1)

    f["tech_cci_20"] = talib.CCI(h, lo, c, timeperiod=20)
    f["tech_willr_14"] = talib.WILLR(h, lo, c, timeperiod=14)
    slowk, slowd = talib.STOCH(h, lo, c)
    f["tech_stoch_k"] = slowk
    f["tech_stoch_d"] = slowd
    f["tech_roc_10"] = talib.ROC(c, timeperiod=10)
    f["tech_cmo_14"] = talib.CMO(c, timeperiod=14)
    f["tech_trix_15"] = talib.TRIX(c, timeperiod=15)
    f["tech_ultosc"] = talib.ULTOSC(h, lo, c)
    f["tech_aroonosc_25"] = talib.AROONOSC(h, lo, timeperiod=25)
    f["tech_bop"] = talib.BOP(o, h, lo, c)
    f["tech_linreg_slope_20"] = talib.LINEARREG_SLOPE(c, timeperiod=20) / c
    f["tech_gap"] = o / close.shift(1).to_numpy() - 1.0
    f["tech_range"] = (h - lo) / c
    with np.errstate(invalid="ignore", divide="ignore"):
        f["tech_close_location"] = np.where(h > lo, (c - lo) / (h - lo), 0.5)

    out = pd.DataFrame(
        {k: np.asarray(val, dtype=np.float64) for k, val in f.items()}, index=bars.index
    )
    return out.replace([np.inf, -np.inf], np.nan)
