"""Alpha Vantage HTTP layer: transport, quota, retry and vendor-error detection.

It knows nothing of Nautilus: it returns raw response bodies that passed the vendor checks.
"""

from adapters.alphavantage.http.client import AlphaVantageHttpClient, RequestStats
from adapters.alphavantage.http.rate_limit import RateLimiter
from adapters.alphavantage.http.retry import RetryPolicy

__all__ = ["AlphaVantageHttpClient", "RateLimiter", "RequestStats", "RetryPolicy"]
